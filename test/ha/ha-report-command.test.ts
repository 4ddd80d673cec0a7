import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { haReportCommand } from '../../src/cli/commands/ha-report.js';
import { UsageError, UserError } from '../../src/errors.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { BASE_SPEC, withLine } from '../helpers/spec-text.js';

/** Runs the command module the way main does: yargs failures become UsageError, everything else propagates. */
async function run(args: string[]): Promise<{ out: string; error?: Error }> {
  const out: string[] = [];
  const con = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t) };
  try {
    await yargs(args)
      .command(haReportCommand(con))
      .strict()
      .exitProcess(false)
      .fail((msg: string | null, err: Error | undefined) => {
        throw err ?? new UsageError(msg ?? 'invalid usage');
      })
      .parseAsync();
    return { out: out.join('') };
  } catch (error) {
    return { out: out.join(''), error: error as Error };
  }
}

function specFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'hakube-ha-')), 'cluster.yaml');
  writeFileSync(file, text);
  return file;
}

const TUTORIAL = `${REPO_ROOT}/examples/myfirstcluster.yaml`;

describe('hakube ha-report', () => {
  it('prints the table and passes --require zone and --require machine for the tutorial cluster', async () => {
    for (const req of ['zone', 'machine']) {
      const r = await run(['ha-report', TUTORIAL, '--require', req]);
      expect(r.error).toBeUndefined();
      expect(r.out).toContain('zone us-west-2c');
      expect(r.out).toContain('Single-zone outage: degraded');
    }
  });

  it('-o json prints parseable JSON with the verdicts', async () => {
    const r = await run(['ha-report', TUTORIAL, '-o', 'json']);
    expect(r.error).toBeUndefined();
    const report = JSON.parse(r.out);
    expect(report.overall.zoneOutage.survives).toBe(true);
    expect(report.overall.machineLoss.verdict).toBe('degraded');
  });

  it('--require zone fails with a user error after printing the report when a zone outage loses quorum', async () => {
    const single = specFile(withLine('    count: 3', '    count: 1', BASE_SPEC));
    const zone = await run(['ha-report', single, '--require', 'zone']);
    expect(zone.out).toContain('zone us-west-2a');
    expect(zone.error).toBeInstanceOf(UserError);
    expect(zone.error?.message).toBe('--require zone: a single zone outage loses etcd quorum or the API (losing us-west-2a)');
    const machine = await run(['ha-report', single, '--require', 'machine']);
    expect(machine.error?.message).toBe('--require machine: a single machine loss loses etcd quorum or the API (losing control-plane-1)');
    expect((await run(['ha-report', single])).error).toBeUndefined();
  });

  it('rejects an invalid spec with the validation issues and a bad --require value as usage', async () => {
    const twoZones = specFile(withLine('    count: 3', '    count: 3\n    zones: [us-west-2a, us-west-2b]', BASE_SPEC));
    const invalid = await run(['ha-report', twoZones]);
    expect(invalid.error).toBeInstanceOf(UserError);
    expect((invalid.error as UserError).issues.map((i) => i.code)).toContain('HK202');
    expect((await run(['ha-report', TUTORIAL, '--require', 'rack'])).error).toBeInstanceOf(UsageError);
  });
});
