import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSteps, rollOut, type Moves } from './rollout-scenario.js';
import { sharedBase, type Base } from './tutorial-base.js';

/**
 * The same real-plan rollout check (rollout-members-real.test.ts) for the spec changes that move no member: they go
 * out in one apply, which disrupts no member; worker changes roll the workers, others roll nothing.
 */
let base: Base;
beforeAll(async () => {
  base = await sharedBase('myfirstcluster.yaml');
});
afterAll(async () => {
  await base?.tf.close();
});

const MUTATIONS: Array<[string, string, string, Moves]> = [
  ['control-plane root volume size (grown in place)', '    count: 3\n', '    count: 3\n    rootVolumeSize: 80\n', 'neither'],
  ['etcd volume size (grown in place)', '    count: 3\n', '    count: 3\n    etcdVolumeSize: 40\n', 'neither'],
  ['add-on change (Dashboard replicas)', '      replicas: 2', '      replicas: 3', 'neither'],
  ['worker group change (maxSize)', '      maxSize: 2', '      maxSize: 4', 'neither'],
  ['worker instance type', '      instanceType: t3.medium\n      minSize', '      instanceType: m6i.large\n      minSize', 'workers'],
  ['worker group moves to Graviton', '      instanceType: t3.medium\n      minSize', '      instanceType: t4g.medium\n      minSize', 'workers'],
];

describe('real plans of every rollout step: changes that move no control-plane member', () => {
  it.each(MUTATIONS)('%s', async (name, from, to, moves) => {
    expect(base.text.includes(from), `test setup: ${from} is not in the tutorial`).toBe(true);
    const steps = await rollOut(base, base.text.replace(from, to), moves);
    expect(steps).toHaveLength(1);
    console.info(`${name}: ${steps.length} real plan(s): ${describeSteps(steps)}`);
  });
});

describe('shrinking five members to three, with real plans', () => {
  let five: Base;
  beforeAll(async () => {
    five = await sharedBase('five-members.yaml');
  });
  afterAll(async () => {
    await five?.tf.close();
  });

  it('one member per step, and no bucket object of a member is deleted while that member still runs', async () => {
    const steps = await rollOut(five, five.text.replace('    count: 5\n', '    count: 3\n'), 'members');
    for (const [i, step] of steps.entries()) {
      // An object may go only with its own member, in the step that destroys it.
      const destroyed = step.disrupted.filter((d) => d.includes('delete') && !d.includes('create')).map((d) => d.split(':')[0]!);
      const stray = step.deletedObjects.filter((o) => !destroyed.some((m) => o.includes(m.replace(/-/g, '_'))));
      expect(stray, `step ${i + 1} deletes objects of members that still run`).toEqual([]);
    }
    console.info(`5 -> 3: ${steps.length} real plan(s): ${describeSteps(steps)}`);
  });
});
