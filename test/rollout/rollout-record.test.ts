import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { MAX_CONTROL_PLANE_MEMBERS, parseRolloutRecord, renderRolloutRecord, WORKERS_UNIT } from '../../src/rollout/rollout-record.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

const SCHEMA = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas/cluster.schema.json'), 'utf8')) as { $defs: { ControlPlane: { properties: { count: { maximum: number } } } } };

describe('the rollout record admits exactly what hakube can write', () => {
  it('the member bound is the schema\'s controlPlane.count maximum', () => {
    expect(MAX_CONTROL_PLANE_MEMBERS).toBe(SCHEMA.$defs.ControlPlane.properties.count.maximum);
  });

  it('every set of pending units hakube can write reads back as written (all 2^8 of them)', () => {
    const units = [...Array.from({ length: MAX_CONTROL_PLANE_MEMBERS }, (_, i) => `control-plane-${i + 1}`), WORKERS_UNIT];
    for (let mask = 0; mask < 1 << units.length; mask++) {
      const pending = units.filter((_, i) => mask & (1 << i));
      expect(parseRolloutRecord(renderRolloutRecord({ pending }), 'rollout-pending.json').pending).toEqual(pending);
    }
  });

  it('anything else is a UserError saying why, in a bounded message', () => {
    const cases: unknown[] = [
      'not json',
      null,
      [],
      { pending: 'control-plane-1' },
      { pending: [null] },
      { pending: [{}] },
      { pending: ['control-plane-0'] },
      { pending: ['control-plane-01'] },
      { pending: [`control-plane-${'9'.repeat(100_000)}`] },
      { pending: ['workers', 'workers'] },
      { pending: Array.from({ length: 9 }, (_, i) => `control-plane-${i + 1}`) },
      { pending: Array.from({ length: 1_000_000 }, () => 'x') },
      JSON.parse('{"__proto__": {"pending": ["control-plane-1"]}}'),
      { constructor: { pending: [] } },
    ];
    for (const value of cases) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      let error: unknown;
      try {
        parseRolloutRecord(text, 'out/rollout-pending.json');
      } catch (err) {
        error = err;
      }
      expect(error, text.slice(0, 80)).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(/^out\/rollout-pending\.json is not a rollout record hakube wrote \(.+\); restore it from git$/);
      expect((error as Error).message.length).toBeLessThan(300);
    }
  });
});
