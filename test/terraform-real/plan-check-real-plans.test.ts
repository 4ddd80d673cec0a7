import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberAddresses } from '../../src/emit/terraform/addresses.js';
import { BUCKET_OBJECT_HASHES_FILE } from '../../src/emit/terraform/bucket-object-hashes.js';
import { generate } from '../../src/generate.js';
import { validateFile } from '../../src/spec/validate.js';
import { committedContents } from '../helpers/files.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { membersOf, planEffects } from '../helpers/terraform/plan-effects.js';
import { worldForSpec } from '../helpers/terraform/aws-world.js';
import { effectiveChanges, realPlan, RealTerraform, type PlannedChange } from '../helpers/terraform/real-plan.js';
import type { AppliedState, PlanJson } from '../helpers/terraform/synthesize-state.js';
import { NOW, sharedBase } from './tutorial-base.js';

/**
 * plan-check judged on plans the real AWS provider made, next to the synthetic ones of test/plan-check: each
 * scenario is a real plan, and plan-check's verdict must agree with what that plan does to the members.
 */
const TUTORIAL = join(REPO_ROOT, 'examples/myfirstcluster.yaml');
const TUTORIAL_TEXT = readFileSync(TUTORIAL, 'utf8');
const MEMBERS = membersOf(validateFile(TUTORIAL).model);
const WORLD = worldForSpec(validateFile(TUTORIAL).spec);

let work = '';
let base = '';
let tf: RealTerraform;
let baseApplied: AppliedState;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hakube-real-plan-check-'));
  writeFileSync(join(work, 'cluster.yaml'), TUTORIAL_TEXT);
  const shared = await sharedBase('myfirstcluster.yaml');
  ({ dir: base, tf, applied: baseApplied } = shared);
});
afterAll(async () => {
  await tf?.close();
});

function planCheck(spec: string, plan: PlanJson): { code: number; verdict: string; undisrupted: number; stdout: string } {
  const file = join(mkdtempSync(join(work, 'plan-')), 'plan.json');
  writeFileSync(file, JSON.stringify(plan));
  const r = runCli(['plan-check', spec, file, '-o', 'json']);
  if (r.code !== 0 && r.code !== 1) throw new Error(`plan-check exit ${r.code}: ${r.stderr}`);
  const assessment = JSON.parse(r.stdout) as { verdict: string; etcd: { undisrupted: number } };
  return { code: r.code, verdict: assessment.verdict, undisrupted: assessment.etcd.undisrupted, stdout: r.stdout };
}

function copyOf(dir: string): string {
  const out = join(mkdtempSync(join(work, 'case-')), 'out');
  cpSync(dir, out, { recursive: true });
  return out;
}

const spec = () => join(work, 'cluster.yaml');

describe('plan-check on real plans of the tutorial', () => {
  it('the folder planned against its own applied state: nothing to do, safe', async () => {
    const planned = await realPlan(WORLD, base, base, { settle: false });
    expect(effectiveChanges(planned.plan).map((c) => c.address)).toEqual([]);
    expect(planCheck(spec(), planned.plan)).toMatchObject({ code: 0, verdict: 'safe' });
  });

  it('plans without keys: with pki/ and users/ removed the plan is the same (empty)', async () => {
    const planned = await realPlan(WORLD, base, base, { withoutKeys: true, settle: false });
    expect(effectiveChanges(planned.plan).map((c) => c.address)).toEqual([]);
  });

  it('a tainted member (terraform taint, or a failed create): replaced, one member disrupted, safe', async () => {
    const tainted = structuredClone(baseApplied);
    const instance = tainted.state.resources.find((r) => r.mode === 'managed' && `${r.type}.${r.name}` === memberAddresses({ name: 'control-plane-3' }).instance);
    (instance!.instances[0] as { status?: string }).status = 'tainted';
    const planned = await tf.plan(base, tainted, { settle: false });
    const change = planned.plan.resource_changes?.find((c) => c.address === memberAddresses({ name: 'control-plane-3' }).instance);
    expect(change?.action_reason).toBe('replace_because_tainted');
    expect(planEffects(planned.plan, MEMBERS).disrupted).toHaveLength(1);
    expect(planCheck(spec(), planned.plan)).toMatchObject({ code: 0, verdict: 'safe', undisrupted: 2 });
  });

  it('-replace of one member: one member disrupted, safe', async () => {
    const planned = await tf.plan(base, baseApplied, { settle: false, planArgs: [`-replace=${memberAddresses({ name: 'control-plane-1' }).instance}`] });
    expect(planEffects(planned.plan, MEMBERS).disrupted).toHaveLength(1);
    expect(planCheck(spec(), planned.plan)).toMatchObject({ code: 0, verdict: 'safe', undisrupted: 2 });
  });

  it('-replace of two members: quorum lost, unsafe', async () => {
    const args = ['control-plane-1', 'control-plane-2'].map((name) => `-replace=${memberAddresses({ name }).instance}`);
    const planned = await tf.plan(base, baseApplied, { settle: false, planArgs: args });
    expect(planEffects(planned.plan, MEMBERS).disrupted).toHaveLength(2);
    expect(planCheck(spec(), planned.plan)).toMatchObject({ code: 1, verdict: 'unsafe', undisrupted: 1 });
  });

  it('-replace of an etcd volume: that member\'s data is gone, unsafe', async () => {
    const planned = await tf.plan(base, baseApplied, { settle: false, planArgs: [`-replace=${memberAddresses({ name: 'control-plane-2' }).etcdVolume}`] });
    expect(planEffects(planned.plan, MEMBERS).disrupted).toHaveLength(1);
    expect(planCheck(spec(), planned.plan)).toMatchObject({ code: 1, verdict: 'unsafe' });
  });

  it('a changed CA object: trust across the cluster changes, unsafe', async () => {
    const out = copyOf(base);
    const hashes = join(out, BUCKET_OBJECT_HASHES_FILE);
    const doc = JSON.parse(readFileSync(hashes, 'utf8')) as { locals: { bucket_object_hashes: Record<string, string> } };
    const caKey = Object.keys(doc.locals.bucket_object_hashes).find((k) => k.endsWith('pki/ca.crt'));
    expect(caKey, 'the CA certificate has a recorded hash').toBeDefined();
    doc.locals.bucket_object_hashes[caKey!] = 'f'.repeat(64);
    writeFileSync(hashes, `${JSON.stringify(doc, null, 2)}\n`);
    const planned = await tf.plan(out, baseApplied, { settle: false });
    expect(effectiveChanges(planned.plan).map((c) => `${c.type}:${c.change.actions.join('/')}`)).toContain('aws_s3_object:update');
    expect(planCheck(spec(), planned.plan)).toMatchObject({ code: 1, verdict: 'unsafe' });
  });

  it('-replace of the etcd security-group rule (2379-2380): plan-check names it', async () => {
    const sg = JSON.parse(readFileSync(join(base, 'security-groups.tf.json'), 'utf8')) as { resource: Record<string, Record<string, { from_port?: number }>> };
    const rule = Object.entries(sg.resource.aws_vpc_security_group_ingress_rule ?? {}).find(([, r]) => r.from_port === 2379);
    expect(rule, 'an ingress rule for etcd traffic').toBeDefined();
    const planned = await tf.plan(base, baseApplied, { settle: false, planArgs: [`-replace=aws_vpc_security_group_ingress_rule.${rule![0]}`] });
    const check = planCheck(spec(), planned.plan);
    expect(check.stdout).toContain(`aws_vpc_security_group_ingress_rule.${rule![0]}`);
  });

  it('--all-members-at-once of a version bump: the real plan replaces all three, plan-check says unsafe', async () => {
    const out = copyOf(base);
    const bumped = join(work, 'bumped.yaml');
    writeFileSync(bumped, TUTORIAL_TEXT.replace('kubernetesVersion: 1.34.2', 'kubernetesVersion: 1.34.3'));
    await generate(bumped, { outDir: out, now: NOW, rollout: 'all-members' });
    const planned = await tf.plan(out, baseApplied, { settle: false });
    expect(planEffects(planned.plan, MEMBERS).disrupted).toHaveLength(3);
    expect(planCheck(bumped, planned.plan)).toMatchObject({ code: 1, verdict: 'unsafe', undisrupted: 0 });
  });

  it('api.loadBalancer public -> internal: generate refuses; forced, the real plan changes every member and plan-check says unsafe', async () => {
    const out = copyOf(base);
    const internal = join(work, 'internal.yaml');
    writeFileSync(internal, TUTORIAL_TEXT.replace('loadBalancer: public', 'loadBalancer: internal'));
    const before = committedContents(out);
    const refused = runCli(['generate', internal, '--out', out]);
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stderr).toContain('aws_lb.api');
    expect(committedContents(out)).toEqual(before);
    const forced = runCli(['generate', internal, '--out', out, '--all-members-at-once']);
    expect(forced.code, forced.stderr).toBe(0);
    const planned = await tf.plan(out, baseApplied, { settle: false });
    expect(planned.plan.resource_changes?.find((c) => c.address === 'aws_lb.api')?.change.actions).toEqual(['delete', 'create']);
    expect(planEffects(planned.plan, MEMBERS).disrupted).toHaveLength(3);
    expect(planCheck(internal, planned.plan)).toMatchObject({ code: 1, verdict: 'unsafe' });
  });

  it('growing to five members, step 1 with -replace of a second running member: plan-check counts only running members and says unsafe', async () => {
    const out = copyOf(base);
    const five = join(work, 'five.yaml');
    writeFileSync(five, TUTORIAL_TEXT.replace('    count: 3\n', '    count: 5\n'));
    const result = await generate(five, { outDir: out, now: NOW });
    expect(result.pending.length).toBeGreaterThan(0);
    const step1: PlannedChange = await tf.plan(out, baseApplied, { settle: false });
    expect(planEffects(step1.plan, membersOf(validateFile(five).model)).disrupted.length).toBeLessThanOrEqual(1);
    expect(planCheck(five, step1.plan).code).toBe(0);
    // The same step, with an operator's -replace of a running member on top: two of the three running members go.
    const released = result.released ?? 'control-plane-1';
    const other = ['control-plane-1', 'control-plane-2', 'control-plane-3'].find((m) => m !== released)!;
    const forced = await tf.plan(out, baseApplied, { settle: false, planArgs: [`-replace=${memberAddresses({ name: other }).instance}`, `-replace=${memberAddresses({ name: released }).instance}`] });
    expect(planCheck(five, forced.plan)).toMatchObject({ code: 1, verdict: 'unsafe' });
  });
});

describe('rollout next --state on real states', () => {
  it('refuses before the step is applied and advances after it, from the raw state and from terraform show -json', async () => {
    const out = copyOf(base);
    const bumped = join(work, 'bumped-state.yaml');
    writeFileSync(bumped, TUTORIAL_TEXT.replace('kubernetesVersion: 1.34.2', 'kubernetesVersion: 1.34.3'));
    const first = await generate(bumped, { outDir: out, now: NOW });
    expect(first.pending.length).toBeGreaterThan(0);
    const step = await tf.plan(out, baseApplied);
    const files: Record<string, { prior: string; applied: string }> = {
      raw: { prior: JSON.stringify(baseApplied.state), applied: JSON.stringify(step.applied.state) },
      'show -json': { prior: await tf.shownState(out, baseApplied), applied: await tf.shownState(out, step.applied) },
    };
    expect(JSON.parse(files['show -json']!.applied)).toMatchObject({ format_version: expect.stringMatching(/^1\./), values: { root_module: { resources: expect.any(Array) } } });
    const before = committedContents(out);
    for (const [form, texts] of Object.entries(files)) {
      const priorFile = join(work, `prior-${form.replace(/\W/g, '')}.json`);
      writeFileSync(priorFile, texts.prior);
      const refused = runCli(['rollout', 'next', bumped, '--out', out, '--state', priorFile]);
      expect(refused.code, `${form}: ${refused.stdout}${refused.stderr}`).toBe(1);
      expect(refused.stderr).toContain("control-plane-1: runs user data other than the folder's cloud-init/control-plane-1.yaml");
      expect(committedContents(out)).toEqual(before);
    }
    // Advancing twice on the same applied state: the second refuses (its step is not applied), whichever the form.
    const appliedFile = join(work, 'applied-shown.json');
    writeFileSync(appliedFile, files['show -json']!.applied);
    const advanced = runCli(['rollout', 'next', bumped, '--out', out, '--state', appliedFile]);
    expect(advanced.code, advanced.stdout + advanced.stderr).toBe(0);
    expect(committedContents(out)).not.toEqual(before);
    const afterOne = committedContents(out);
    const again = runCli(['rollout', 'next', bumped, '--out', out, '--state', appliedFile]);
    expect(again.code, again.stdout + again.stderr).toBe(1);
    expect(again.stderr).toContain("control-plane-2: runs user data other than the folder's cloud-init/control-plane-2.yaml");
    expect(committedContents(out)).toEqual(afterOne);
  });
});
