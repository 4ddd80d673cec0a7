import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/generate.js';
import { planRollout } from '../../src/ha/rollout-plan.js';
import { committedContents } from '../helpers/files.js';
import { resolvedTerraform } from '../helpers/resolved-terraform.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

const TUTORIAL_TEXT = readFileSync(join(REPO_ROOT, 'examples/myfirstcluster.yaml'), 'utf8');
/** A fixed clock: certificates stay as they are across every run of a scenario. */
const NOW = new Date('2026-12-01T00:00:00Z');

/** Spec mutations a platform team makes on a running cluster, each as an edit of the tutorial spec. */
const MUTATIONS: Array<[string, string, string]> = [
  ['Kubernetes patch version bump', 'kubernetesVersion: 1.34.2', 'kubernetesVersion: 1.34.3'],
  ['control-plane instance type', '    instanceType: t3.medium\n  instanceGroups:', '    instanceType: m6i.large\n  instanceGroups:'],
  ['control-plane root volume size', '    count: 3\n', '    count: 3\n    rootVolumeSize: 80\n'],
  ['etcd volume size', '    count: 3\n', '    count: 3\n    etcdVolumeSize: 40\n'],
  ['pinned image bump', '  users:\n', '  image:\n    name: ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251105\n  users:\n'],
  ['add-on change (Dashboard replicas)', '      replicas: 2', '      replicas: 3'],
  ['worker group change (maxSize)', '      maxSize: 2', '      maxSize: 4'],
  ['worker instance type (workers roll at once, no control-plane step)', '      instanceType: t3.medium\n      minSize', '      instanceType: m6i.large\n      minSize'],
  ['two more control-plane members', '    count: 3\n', '    count: 5\n'],
  ['control plane moves to Graviton (arm64 image)', '    instanceType: t3.medium\n  instanceGroups:', '    instanceType: m7g.large\n  instanceGroups:'],
  ['worker group moves to Graviton (workers roll at once)', '      instanceType: t3.medium\n      minSize', '      instanceType: t4g.medium\n      minSize'],
];

let base = '';
let work = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hakube-rollout-'));
  writeFileSync(join(work, 'base.yaml'), TUTORIAL_TEXT);
  base = join(work, 'base');
  await generate(join(work, 'base.yaml'), { outDir: base, now: NOW });
});


/** Members one apply from `before` to `after` takes down or adds (create, replace, stop/start, destroy). */
function disruptedByApply(before: Map<string, string>, after: Map<string, string>): string[] {
  const plan = planRollout(resolvedTerraform(before), resolvedTerraform(after));
  return plan.changes.filter((c) => c.action !== 'update').map((c) => `${c.member}:${c.action}`);
}

/** Whether an apply from `before` to `after` gives any worker group a new launch template (its workers roll). */
function workersRoll(before: Map<string, string>, after: Map<string, string>): boolean {
  const templates = (files: Map<string, string>) => JSON.stringify((resolvedTerraform(files).resource as Record<string, unknown>).aws_launch_template ?? {});
  return templates(before) !== templates(after);
}

describe('one control-plane member per apply, for every kind of spec change', () => {
  it.each(MUTATIONS)('%s: each step disrupts at most one member, reruns change nothing, and the rollout converges to a fresh generation', async (_name, from, to) => {
    expect(TUTORIAL_TEXT.includes(from), `test setup: ${from} is not in the tutorial`).toBe(true);
    const dir = mkdtempSync(join(work, 'case-'));
    const out = join(dir, 'out');
    cpSync(base, out, { recursive: true });
    const spec = join(dir, 'cluster.yaml');
    writeFileSync(spec, TUTORIAL_TEXT.replace(from, to));

    let before = committedContents(out);
    const steps: string[][] = [];
    let result = await generate(spec, { outDir: out, now: NOW });
    // One step per member, and one for the worker groups.
    const members = result.cluster.model.controlPlane.members.length + 1;
    for (let step = 0; ; step++) {
      const after = committedContents(out);
      const disrupted = disruptedByApply(before, after);
      expect(disrupted.length, `step ${step}: ${disrupted.join(', ')}`).toBeLessThanOrEqual(1);
      // Workers (kubelets) move only once no API server is left behind: never with or before a member.
      const rolled = workersRoll(before, after);
      if (rolled) expect(disrupted.length === 0 && !result.pending.some((p) => p.startsWith('control-plane-')), `step ${step} rolls workers too early`).toBe(true);
      steps.push(rolled ? [...disrupted, 'workers'] : disrupted);
      // Rerunning generate on the same spec never advances the rollout.
      await generate(spec, { outDir: out, now: NOW });
      expect(committedContents(out)).toEqual(after);
      if (result.pending.length === 0) break;
      expect(step, 'the rollout must end within one step per member').toBeLessThan(members);
      before = after;
      result = await generate(spec, { outDir: out, now: NOW, rollout: 'next' });
    }
    expect(existsSync(join(out, 'rollout-pending.json'))).toBe(false);

    // Converged: byte-identical (outside key material) to a fresh generation of the new spec with the same keys.
    const fresh = join(dir, 'fresh');
    cpSync(join(out, 'pki'), join(fresh, 'pki'), { recursive: true });
    cpSync(join(out, 'users'), join(fresh, 'users'), { recursive: true });
    await generate(spec, { outDir: fresh, now: NOW });
    expect(committedContents(out)).toEqual(committedContents(fresh));
    console.info(`${_name}: ${steps.length} apply step(s): ${steps.map((s) => s.join(' ') || 'no member disrupted').join(' | ')}`);
  });
});

describe('worker groups added during a Kubernetes upgrade', () => {
  const NEW_GROUP = '  instanceGroups:\n    - name: batch\n      instanceType: t3.medium\n      minSize: 1\n      maxSize: 1\n';
  const BUMP: [string, string] = ['kubernetesVersion: 1.34.2', 'kubernetesVersion: 1.34.3'];

  async function scenario(text: string): Promise<{ spec: string; out: string }> {
    const dir = mkdtempSync(join(work, 'group-'));
    const out = join(dir, 'out');
    cpSync(base, out, { recursive: true });
    const spec = join(dir, 'cluster.yaml');
    writeFileSync(spec, text);
    return { spec, out };
  }

  it('refuses a new group that would run kubelets newer than members not yet replaced, naming both versions, and writes nothing', async () => {
    const { spec, out } = await scenario(TUTORIAL_TEXT.replace(...BUMP).replace('  instanceGroups:\n', NEW_GROUP));
    const before = committedContents(out);
    await expect(generate(spec, { outDir: out, now: NOW })).rejects.toThrow(/adds worker group batch with Kubernetes 1\.34\.3 while control-plane members still run 1\.34\.2/);
    expect(committedContents(out)).toEqual(before);
  });

  it('accepts the same group once the control plane has moved, and a new group without a version change', async () => {
    const bumped = await scenario(TUTORIAL_TEXT.replace(...BUMP));
    let result = await generate(bumped.spec, { outDir: bumped.out, now: NOW });
    for (let step = 0; result.pending.some((p) => p.startsWith('control-plane-')); step++) {
      expect(step).toBeLessThan(4);
      result = await generate(bumped.spec, { outDir: bumped.out, now: NOW, rollout: 'next' });
    }
    writeFileSync(bumped.spec, TUTORIAL_TEXT.replace(...BUMP).replace('  instanceGroups:\n', NEW_GROUP));
    await expect(generate(bumped.spec, { outDir: bumped.out, now: NOW, rollout: 'next' })).resolves.toBeDefined();
    const plain = await scenario(TUTORIAL_TEXT.replace('  instanceGroups:\n', NEW_GROUP));
    await expect(generate(plain.spec, { outDir: plain.out, now: NOW })).resolves.toBeDefined();
  });
});
