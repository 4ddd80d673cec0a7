import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateFile } from '../../src/spec/validate.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { worldForSpec } from '../helpers/terraform/aws-world.js';
import { effectiveChanges, RealTerraform } from '../helpers/terraform/real-plan.js';

/**
 * Every committed example, planned from nothing with the real provider, "applied", and planned again: the second
 * plan may only fill in what the first could not know (values computed from ids and DNS names), and then the
 * folder plans empty against its own applied state. A perpetual diff (an argument the provider normalizes,
 * a value hakube writes differently each time) would never settle.
 */
const EXAMPLES: Record<string, string> = {
  'myfirstcluster.k8s.local': 'examples/myfirstcluster.yaml',
  'big.k8s.local': 'examples/five-members.yaml',
  'prod.eu.example.com': 'examples/private-multigroup.yaml',
  'shared.example.com': 'examples/existing-vpc.yaml',
};

describe('no drift: each example settles against its own applied state', () => {
  it('covers every committed example', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(readdirSync(join(REPO_ROOT, 'generated')).sort());
  });

  it.each(Object.entries(EXAMPLES))('%s', async (folder, spec) => {
    const { spec: resolved } = validateFile(join(REPO_ROOT, spec));
    const tf = await RealTerraform.start(worldForSpec(resolved));
    try {
      const applied = await tf.appliedState(join(REPO_ROOT, 'generated', folder));
      const first = applied.plan.resource_changes ?? [];
      expect(first.filter((c) => c.mode === 'managed').every((c) => c.change.actions.join() === 'create')).toBe(true);
      // RealTerraform.plan fails on any change a settling plan makes to an argument that was known, and returns
      // once a plan against the applied state is empty: here, that this took at most two settling plans.
      expect(applied.settling.length).toBeLessThanOrEqual(2);
      expect(applied.settling.flatMap(effectiveChanges).every((c) => c.change.actions.join() !== 'delete')).toBe(true);
      expect(tf.unanswered).toEqual([]);
    } finally {
      await tf.close();
    }
  });
});
