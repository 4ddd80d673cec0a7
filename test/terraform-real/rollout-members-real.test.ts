import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedPublicKey } from '../helpers/ssh-keys.js';
import { describeSteps, rollOut, type Moves } from './rollout-scenario.js';
import { sharedBase, type Base } from './tutorial-base.js';

/**
 * The rollout's promise checked by the real AWS provider, for the spec changes that move control-plane members:
 * every folder `generate` and `rollout next` write plans, each real plan disrupts at most one member and rolls no
 * worker while a member is pending, and the rollout ends with a folder `generate --check` calls up to date.
 * (test/rollout/rollout.test.ts checks the same mutations against hakube's own reading of the Terraform.)
 */
let base: Base;
beforeAll(async () => {
  base = await sharedBase('myfirstcluster.yaml');
});
afterAll(async () => {
  await base?.tf.close();
});

const newKey = generatedPublicKey('ed25519');

const MUTATIONS: Array<[string, string | RegExp, string, Moves]> = [
  ['Kubernetes patch version bump', 'kubernetesVersion: 1.34.2', 'kubernetesVersion: 1.34.3', 'members'],
  ['control-plane instance type', '    instanceType: t3.medium\n  instanceGroups:', '    instanceType: m6i.large\n  instanceGroups:', 'members'],
  ['pinned image bump', '  users:\n', '  image:\n    name: ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251105\n  users:\n', 'members'],
  ['SSH key change', /publicKey: .*/, `publicKey: ${newKey}`, 'members'],
  ['two more control-plane members', '    count: 3\n', '    count: 5\n', 'members'],
  ['control plane moves to Graviton (arm64 image)', '    instanceType: t3.medium\n  instanceGroups:', '    instanceType: m7g.large\n  instanceGroups:', 'members'],
];

describe('real plans of every rollout step: changes that move control-plane members', () => {
  it.each(MUTATIONS)('%s', async (name, from, to, moves) => {
    expect(from instanceof RegExp ? from.test(base.text) : base.text.includes(from), `test setup: ${String(from)} is not in the tutorial`).toBe(true);
    const steps = await rollOut(base, base.text.replace(from, to), moves);
    console.info(`${name}: ${steps.length} real plan(s): ${describeSteps(steps)}`);
  });
});
