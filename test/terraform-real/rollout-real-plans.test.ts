import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/generate.js';
import { validateFile } from '../../src/spec/validate.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { generatedPublicKey } from '../helpers/ssh-keys.js';
import { worldForSpec } from '../helpers/terraform/aws-world.js';
import { membersOf, planEffects } from '../helpers/terraform/plan-effects.js';
import { RealTerraform } from '../helpers/terraform/real-plan.js';
import type { AppliedState } from '../helpers/terraform/synthesize-state.js';

/**
 * The rollout's promise checked by the real AWS provider: every folder `generate` and `rollout next` write is a
 * configuration Terraform plans, and the real plan of each step disrupts at most one control-plane member and
 * rolls no worker while a member is still pending. The last step's folder passes `generate --check`.
 */
const TUTORIAL = join(REPO_ROOT, 'examples/myfirstcluster.yaml');
const TUTORIAL_TEXT = readFileSync(TUTORIAL, 'utf8');
const NOW = new Date('2026-12-01T00:00:00Z');

let work = '';
let base = '';
let tf: RealTerraform;
let baseApplied: AppliedState;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hakube-real-rollout-'));
  writeFileSync(join(work, 'base.yaml'), TUTORIAL_TEXT);
  base = join(work, 'base');
  await generate(join(work, 'base.yaml'), { outDir: base, now: NOW });
  tf = await RealTerraform.start(worldForSpec(validateFile(TUTORIAL).spec));
  baseApplied = await tf.cachedAppliedState(base);
});
afterAll(async () => {
  await tf?.close();
});

const newKey = generatedPublicKey('ed25519');
const MUTATIONS: Array<[string, string, string]> = [
  ['Kubernetes patch version bump', 'kubernetesVersion: 1.34.2', 'kubernetesVersion: 1.34.3'],
  ['control-plane instance type', '    instanceType: t3.medium\n  instanceGroups:', '    instanceType: m6i.large\n  instanceGroups:'],
  ['pinned image bump', '  users:\n', '  image:\n    name: ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251105\n  users:\n'],
  ['SSH key change', /publicKey: .*/.exec(TUTORIAL_TEXT)![0], `publicKey: ${newKey}`],
  ['two more control-plane members', '    count: 3\n', '    count: 5\n'],
];

interface StepRecord {
  disrupted: string[];
  workers: string[];
}

/** Applies the folder's steps one by one with real plans; returns what each plan did. */
async function rollOut(spec: string, out: string): Promise<StepRecord[]> {
  const before = validateFile(TUTORIAL).model;
  const after = validateFile(spec).model;
  const members = membersOf(before, after);
  let applied = baseApplied;
  let result = await generate(spec, { outDir: out, now: NOW });
  const steps: StepRecord[] = [];
  for (let step = 0; step <= after.controlPlane.members.length + 1; step++) {
    const last = result.pending.length === 0;
    const planned = await tf.plan(out, applied, { settle: !last });
    const effects = planEffects(planned.plan, members);
    expect(effects.disrupted.length, `step ${step + 1}: ${effects.disrupted.join('; ')}`).toBeLessThanOrEqual(1);
    if (result.pending.some((p) => p.startsWith('control-plane-'))) {
      expect(effects.workerChanges, `step ${step + 1} rolls workers while ${result.pending.join(', ')} are pending`).toEqual([]);
    }
    steps.push({ disrupted: effects.disrupted, workers: effects.workerChanges });
    applied = planned.applied;
    if (last) return steps;
    result = await generate(spec, { outDir: out, now: NOW, rollout: 'next' });
  }
  throw new Error('the rollout did not end within one step per member and one for the workers');
}

describe('real plans of every rollout step (the real AWS provider decides)', () => {
  it.each(MUTATIONS)('%s: each real plan disrupts at most one member; the last folder is up to date', async (name, from, to) => {
    expect(TUTORIAL_TEXT.includes(from), `test setup: ${from} is not in the tutorial`).toBe(true);
    const dir = mkdtempSync(join(work, 'case-'));
    const out = join(dir, 'out');
    cpSync(base, out, { recursive: true });
    const spec = join(dir, 'cluster.yaml');
    writeFileSync(spec, TUTORIAL_TEXT.replace(from, to));
    const steps = await rollOut(spec, out);
    expect(steps.some((s) => s.disrupted.length === 1), 'the change disrupts some member').toBe(true);
    expect(existsSync(join(out, 'rollout-pending.json'))).toBe(false);
    const check = runCli(['generate', spec, '--out', out, '--check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    console.info(`${name}: ${steps.length} real plan(s): ${steps.map((s) => s.disrupted.join(' ') || 'no member disrupted').join(' | ')}`);
  });
});
