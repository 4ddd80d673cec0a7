import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { addonFileNames } from '../../src/emit/addons/index.js';
import { generate } from '../../src/generate.js';
import { planRollout, type TerraformJson } from '../../src/ha/rollout-plan.js';
import { AWS_CHANGE_EFFECTS } from '../../src/model/aws-semantics.js';
import { bucketObjects } from '../../src/model/bucket-layout.js';
import { assessPlan, type PlanAssessment } from '../../src/plan-check/assess-plan.js';
import { parsePlan } from '../../src/plan-check/load-plan.js';
import { renderPlanCheck } from '../../src/plan-check/render-plan-check.js';
import { validateFile, validateText } from '../../src/spec/validate.js';
import { committedContents } from '../helpers/files.js';
import { resolvedTerraform } from '../helpers/resolved-terraform.js';
import { hasStackTrace, REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { syntheticPlan, type PlanOverrides } from './synthetic-plan.js';

const TUTORIAL = join(REPO_ROOT, 'examples/myfirstcluster.yaml');
const TUTORIAL_TEXT = readFileSync(TUTORIAL, 'utf8');
const NOW = new Date('2026-12-01T00:00:00Z');
const { model } = validateFile(TUTORIAL);
const objects = bucketObjects(model, addonFileNames(model));

let work = '';
let base = new Map<string, string>();


/** The tutorial's folder after generate (or `--all-members-at-once`) of the tutorial edited from `from` to `to`. */
async function changed(from: string, to: string, rollout?: 'all-members'): Promise<Map<string, string>> {
  const dir = mkdtempSync(join(work, 'case-'));
  cpSync(join(work, 'base'), join(dir, 'out'), { recursive: true });
  writeFileSync(join(dir, 'c.yaml'), TUTORIAL_TEXT.replace(from, to));
  await generate(join(dir, 'c.yaml'), { outDir: join(dir, 'out'), now: NOW, ...(rollout ? { rollout } : {}) });
  return committedContents(join(dir, 'out'));
}

function assess(previous: Map<string, string> | undefined, next: Map<string, string> | TerraformJson, overrides?: PlanOverrides): PlanAssessment {
  const nextTf = next instanceof Map ? resolvedTerraform(next) : next;
  const plan = syntheticPlan(previous ? resolvedTerraform(previous) : undefined, nextTf, overrides);
  return assessPlan(model, objects, parsePlan(JSON.stringify(plan), 'plan.json'));
}

const errors = (a: PlanAssessment) => a.findings.filter((f) => f.severity === 'error');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hakube-plan-check-'));
  await generate(TUTORIAL, { outDir: join(work, 'base'), now: NOW });
  base = committedContents(join(work, 'base'));
});

const VERSION_BUMP: [string, string] = ['kubernetesVersion: 1.34.2', 'kubernetesVersion: 1.34.3'];

describe('plan-check on plans of hakube\'s own Terraform', () => {
  it('a new cluster is safe: every member is created together', () => {
    const a = assess(undefined, base);
    expect(errors(a)).toEqual([]);
    expect(a.verdict).toBe('safe');
    expect(a.etcd).toMatchObject({ membersBefore: 0, created: ['control-plane-1', 'control-plane-2', 'control-plane-3'] });
  });

  it('a staged step of a version bump is safe: one member replaced, quorum holds (a warning)', async () => {
    const a = assess(base, await changed(...VERSION_BUMP));
    expect(a.verdict).toBe('safe');
    expect(a.etcd.disrupted.map((d) => d.member)).toEqual(['control-plane-1']);
    expect(a.etcd.disrupted[0]!.effect).toMatch(/^replaced because a changed argument forces it \(user_data_base64\)/);
    expect(a.findings.find((f) => f.address === 'etcd')).toMatchObject({ severity: 'warning' });
    // Workers wait for the control plane: their launch template is not in this step.
    expect(a.findings.some((f) => f.address === 'aws_launch_template.nodes')).toBe(false);
  });

  it('the same bump written for every member at once is unsafe: 3 of 3 members replaced', async () => {
    const a = assess(base, await changed(...VERSION_BUMP, 'all-members'));
    expect(a.verdict).toBe('unsafe');
    expect(a.etcd).toMatchObject({ membersBefore: 3, quorum: 2, undisrupted: 0 });
    expect(errors(a).map((f) => f.message).join('\n')).toContain('3 of 3 etcd members are disrupted at once');
  });

  it('an instance-type change for every member stops all three: unsafe', async () => {
    const a = assess(base, await changed('    instanceType: t3.medium\n  instanceGroups:', '    instanceType: m6i.large\n  instanceGroups:', 'all-members'));
    expect(a.verdict).toBe('unsafe');
    expect(a.etcd.disrupted.map((d) => d.effect)).toEqual(Array(3).fill('stopped and started to change instance_type'));
  });

  it('a tainted member makes an otherwise safe step unsafe, and -replace of one member alone is tolerated', async () => {
    const step = await changed(...VERSION_BUMP);
    const tainted = assess(base, step, { tainted: ['aws_instance.control_plane_3'] });
    expect(tainted.verdict).toBe('unsafe');
    expect(tainted.etcd.disrupted.map((d) => `${d.member}: ${d.effect}`)).toEqual([
      expect.stringMatching(/^control-plane-1: replaced/),
      'control-plane-3: replaced because it is tainted',
    ]);
    const replaced = assess(base, base, { replace: ['aws_instance.control_plane_2'] });
    expect(replaced.verdict).toBe('safe');
    expect(replaced.etcd.disrupted).toEqual([{ member: 'control-plane-2', effect: 'replaced because of -replace' }]);
  });

  it('a changed CA object is unsafe; a re-issued leaf certificate is a warning', () => {
    const withHash = (key: string) => {
      const next = new Map(base);
      const file = 'bucket-object-hashes.tf.json';
      next.set(file, next.get(file)!.replace(new RegExp(`("${key}": )"[0-9a-f]{64}"`), `$1"${'0'.repeat(64)}"`));
      expect(next.get(file)).not.toBe(base.get(file));
      return next;
    };
    const ca = assess(base, withHash('control-plane/pki/ca.crt'));
    expect(ca.verdict).toBe('unsafe');
    expect(errors(ca)).toEqual([
      expect.objectContaining({ address: 'aws_s3_object.control_plane_pki_ca_crt', message: expect.stringContaining('the cluster CA certificate') }),
    ]);
    const sa = assess(base, withHash('control-plane/pki/sa.key'));
    expect(errors(sa).map((f) => f.address)).toEqual(['aws_s3_object.control_plane_pki_sa_key']);
    const leaf = assess(base, withHash('control-plane/pki/front-proxy-client.crt'));
    expect(leaf.verdict).toBe('safe');
    expect(leaf.findings).toEqual([expect.objectContaining({ severity: 'warning', address: 'aws_s3_object.control_plane_pki_front_proxy_client_crt' })]);
  });

  it('replacing an etcd data volume, or detaching it from a running member, is unsafe', () => {
    const next = resolvedTerraform(base) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    const moved = structuredClone(next);
    moved.resource.aws_ebs_volume!.etcd_control_plane_2!.availability_zone = 'us-west-2c';
    const volume = assess(base, moved);
    expect(volume.verdict).toBe('unsafe');
    expect(errors(volume).map((f) => f.address)).toContain('aws_ebs_volume.etcd_control_plane_2');
    const detached = assess(base, base, { replace: ['aws_volume_attachment.etcd_control_plane_1'] });
    expect(detached.verdict).toBe('unsafe');
    expect(errors(detached)[0]!.message).toContain('detaches the etcd data volume of control-plane-1 while the member runs');
  });

  it('deleting the rule that carries etcd peer traffic, or replacing the secrets bucket, is unsafe', () => {
    const next = resolvedTerraform(base) as { resource: Record<string, Record<string, unknown>> };
    const withoutRule = structuredClone(next);
    const rules = withoutRule.resource.aws_vpc_security_group_ingress_rule as Record<string, { from_port?: number }>;
    const etcdRule = Object.keys(rules).find((k) => rules[k]!.from_port === 2379)!;
    delete rules[etcdRule];
    const cut = assess(base, withoutRule);
    expect(cut.verdict).toBe('unsafe');
    expect(errors(cut)[0]!.message).toContain('etcd client, etcd peer traffic');
    const bucket = assess(base, base, { replace: ['aws_s3_bucket.secrets'] });
    expect(errors(bucket).map((f) => f.address)).toEqual(['aws_s3_bucket.secrets']);
  });

  it('new worker machines are a warning (an instance refresh), not a reason to stop', async () => {
    const a = assess(base, await changed('      instanceType: t3.medium\n      minSize', '      instanceType: m6i.large\n      minSize'));
    expect(a.verdict).toBe('safe');
    expect(a.findings).toEqual([expect.objectContaining({ severity: 'warning', address: 'aws_launch_template.nodes', message: expect.stringContaining('recycled by an instance refresh') })]);
  });

  it('a worker group change is safe and says so', async () => {
    const a = assess(base, await changed('      maxSize: 2', '      maxSize: 4'));
    expect(a.verdict).toBe('safe');
    expect(a.etcd.disrupted).toEqual([]);
    expect(a.findings).toEqual([expect.objectContaining({ severity: 'info', address: 'aws_autoscaling_group.nodes', message: expect.stringContaining('max_size') })]);
  });

  it('renders a pull-request comment, stable JSON and a table', async () => {
    const unsafe = assess(base, await changed(...VERSION_BUMP, 'all-members'));
    const markdown = renderPlanCheck(unsafe, 'markdown');
    expect(markdown.split('\n')[0]).toBe('### ❌ hakube plan-check: unsafe to apply (1 problem)');
    expect(markdown).toContain('**etcd / control plane:** 3 members, quorum 2: 3 disrupted');
    expect(markdown).toContain('| ❌ | `etcd` |');
    const json = JSON.parse(renderPlanCheck(unsafe, 'json')) as { verdict: string; etcd: { disrupted: unknown[] }; findings: Array<{ severity: string; address: string; message: string }> };
    expect(json.verdict).toBe('unsafe');
    expect(json.etcd.disrupted).toHaveLength(3);
    expect(Object.keys(json.findings[0]!)).toEqual(['severity', 'address', 'message']);
    expect(renderPlanCheck(assess(base, base), 'markdown')).toContain('### ✅ hakube plan-check: safe to apply');
    expect(renderPlanCheck(unsafe, 'table')).toMatch(/^UNSAFE: 1 error\(s\)/);
  });
});

type Resources = { resource: Record<string, Record<string, Record<string, unknown>>> };

/** The tutorial's resolved Terraform, edited by `edit` (a copy). */
function edited(edit: (tf: Resources) => void): TerraformJson {
  const tf = structuredClone(resolvedTerraform(base)) as Resources;
  edit(tf);
  return tf as unknown as TerraformJson;
}

function planOf(previous: TerraformJson | undefined, next: TerraformJson, overrides?: PlanOverrides): Record<string, unknown> & { resource_changes: Array<Record<string, unknown>> } {
  return syntheticPlan(previous, next, overrides) as Record<string, unknown> & { resource_changes: Array<Record<string, unknown>> };
}

const assessRaw = (plan: unknown, options?: { module?: string }) => assessPlan(model, objects, parsePlan(JSON.stringify(plan), 'plan.json'), options);

/** The plan as Terraform prints it when the generated folder is used as `module.<name>`. */
function inModule(plan: ReturnType<typeof planOf>, name: string): ReturnType<typeof planOf> {
  const prior = plan.prior_state as { values: { root_module: { resources: Array<{ address: string }> } } } | undefined;
  const address = `module.${name}`;
  return {
    ...plan,
    ...(prior
      ? { prior_state: { ...prior, values: { root_module: { child_modules: [{ address, resources: prior.values.root_module.resources.map((r) => ({ ...r, address: `${address}.${r.address}` })) }] } } } }
      : {}),
    resource_changes: plan.resource_changes.map((c) => ({ ...c, address: `${address}.${String(c.address)}`, module_address: address })),
  };
}

describe('plan-check finds what a plan hides outside the obvious', () => {
  it('sees the cluster inside a module, and asks which when two modules hold one', async () => {
    const plan = planOf(resolvedTerraform(base), resolvedTerraform(await changed(...VERSION_BUMP, 'all-members')));
    const wrapped = assessRaw(inModule(plan, 'cluster'));
    expect(wrapped.verdict).toBe('unsafe');
    expect(wrapped.etcd.disrupted.map((d) => d.member)).toEqual(['control-plane-1', 'control-plane-2', 'control-plane-3']);
    const located = wrapped.findings.filter((f) => f.address !== 'etcd');
    expect(located.length).toBeGreaterThan(0);
    expect(located.every((f) => f.address.startsWith('module.cluster.'))).toBe(true);
    const two = { ...plan, resource_changes: [...inModule(plan, 'a').resource_changes, ...inModule(plan, 'b').resource_changes] };
    expect(() => assessRaw(two)).toThrow(/several modules \(module\.a, module\.b\); name one with --module/);
    expect(assessRaw(two, { module: 'module.b' }).verdict).toBe('unsafe');
    expect(() => assessRaw(two, { module: 'module.c' })).toThrow(/changes nothing in module module\.c/);
  });

  it('counts any in-place member change that may stop the machine (a capacity reservation, an argument it does not know), not tags', () => {
    const reservation = assess(base, edited((tf) => {
      for (const m of ['control_plane_1', 'control_plane_2', 'control_plane_3']) tf.resource.aws_instance![m]!.capacity_reservation_specification = { capacity_reservation_preference: 'none' };
    }));
    expect(reservation.verdict).toBe('unsafe');
    expect(reservation.etcd.disrupted[0]!.effect).toBe('stopped and started to change capacity_reservation_specification.capacity_reservation_preference');
    const unknown = assess(base, edited((tf) => {
      tf.resource.aws_instance!.control_plane_1!.some_future_argument = true;
    }));
    expect(unknown.etcd.disrupted).toEqual([{ member: 'control-plane-1', effect: 'stopped and started to change some_future_argument' }]);
    const tags = assess(base, edited((tf) => {
      for (const m of ['control_plane_1', 'control_plane_2', 'control_plane_3']) tf.resource.aws_instance![m]!.tags = { Name: 'renamed' };
    }));
    expect(tags.verdict).toBe('safe');
    expect(tags.etcd.disrupted).toEqual([]);
  });

  it('a CA object whose tags change keeps its content: info, not an error; a first hash record is a warning', () => {
    const address = 'aws_s3_object.control_plane_pki_ca_crt';
    const retagged = assess(base, edited((tf) => {
      tf.resource.aws_s3_object!.control_plane_pki_ca_crt!.tags = { team: 'platform' };
    }));
    expect(retagged.verdict).toBe('safe');
    expect(retagged.findings).toEqual([expect.objectContaining({ severity: 'info', address, message: expect.stringContaining('content is unchanged') })]);
    const previous = edited((tf) => {
      delete tf.resource.aws_s3_object!.control_plane_pki_ca_crt!.source_hash;
    });
    const recorded = assessPlan(model, objects, parsePlan(JSON.stringify(planOf(previous, resolvedTerraform(base))), 'plan.json'));
    expect(recorded.verdict).toBe('safe');
    expect(recorded.findings).toEqual([expect.objectContaining({ severity: 'warning', address, message: expect.stringContaining('for the first time') })]);
  });

  it('removing a member the spec dropped deletes its volume with a warning, not an error', () => {
    const withFourth = edited((tf) => {
      for (const [type, from, to] of [
        ['aws_instance', 'control_plane_3', 'control_plane_4'],
        ['aws_ebs_volume', 'etcd_control_plane_3', 'etcd_control_plane_4'],
        ['aws_volume_attachment', 'etcd_control_plane_3', 'etcd_control_plane_4'],
      ] as const) {
        tf.resource[type]![to] = structuredClone(tf.resource[type]![from]!);
      }
    });
    const removed = assessPlan(model, objects, parsePlan(JSON.stringify(planOf(withFourth, resolvedTerraform(base))), 'plan.json'));
    expect(removed.verdict).toBe('safe');
    expect(removed.findings).toContainEqual(expect.objectContaining({ severity: 'warning', address: 'aws_ebs_volume.etcd_control_plane_4', message: expect.stringContaining('etcdctl member remove') }));
    expect(removed.etcd.disrupted).toEqual([{ member: 'control-plane-4', effect: expect.stringContaining('deleted') }]);
  });

  it('a rule changed in place to stop carrying etcd traffic, a disabled KMS key, a replaced VPC are unsafe', () => {
    const narrowed = assess(base, edited((tf) => {
      const rules = tf.resource.aws_vpc_security_group_ingress_rule!;
      const etcd = Object.values(rules).find((r) => r.from_port === 2379)!;
      etcd.from_port = 2381;
      etcd.to_port = 2381;
    }));
    expect(narrowed.verdict).toBe('unsafe');
    expect(errors(narrowed)[0]!.message).toContain('stops carrying etcd client, etcd peer traffic');
    const disabled = assess(base, edited((tf) => {
      tf.resource.aws_kms_key!.secrets!.is_enabled = false;
    }));
    expect(errors(disabled).map((f) => f.address)).toEqual(['aws_kms_key.secrets']);
    const vpc = assess(base, base, { replace: ['aws_vpc.cluster'] });
    expect(errors(vpc).map((f) => f.address)).toEqual(['aws_vpc.cluster']);
    const targets = assess(base, base, { replace: ['aws_lb_target_group.api'] });
    expect(targets.findings).toContainEqual(expect.objectContaining({ severity: 'warning', address: 'aws_lb_target_group.api', message: expect.stringContaining('unreachable') }));
  });

  it('a deposed copy of an etcd volume is an error to delete; other deposed objects are listed', () => {
    const plan = planOf(resolvedTerraform(base), resolvedTerraform(base));
    plan.resource_changes.push(
      { address: 'aws_ebs_volume.etcd_control_plane_2', mode: 'managed', type: 'aws_ebs_volume', name: 'etcd_control_plane_2', deposed: '00000001', change: { actions: ['delete'], before: {}, after: null } },
      { address: 'aws_launch_template.nodes', mode: 'managed', type: 'aws_launch_template', name: 'nodes', deposed: '00000002', change: { actions: ['delete'], before: {}, after: null } },
    );
    const a = assessRaw(plan);
    expect(a.verdict).toBe('unsafe');
    expect(errors(a)[0]!.message).toContain('deposed copy of the etcd data volume of control-plane-2');
    expect(a.findings).toContainEqual(expect.objectContaining({ severity: 'info', address: 'aws_launch_template.nodes', message: expect.stringContaining('deposed object 00000002') }));
  });

  it('refuses resource_changes: null, which Terraform never writes', () => {
    expect(() => parsePlan(JSON.stringify({ format_version: '1.2', resource_changes: null }), 'plan.json')).toThrow(/resource_changes is not a list/);
    expect(parsePlan(JSON.stringify({ format_version: '1.2', planned_values: {} }), 'plan.json').resourceChanges).toEqual([]);
  });
});

describe('plan-check counts only the members that exist before the apply', () => {
  // The tutorial grown to five members: members 4 and 5 are in the spec, not in the state.
  const grown = validateText(TUTORIAL_TEXT.replace('count: 3', 'count: 5'), 'grown.yaml').model;
  const grownObjects = bucketObjects(grown, addonFileNames(grown));
  const assessGrown = (plan: unknown) => assessPlan(grown, grownObjects, parsePlan(JSON.stringify(plan), 'plan.json'));
  const grow = () => changed('count: 3', 'count: 5');

  it('the first step of growing 3 -> 5 with -replace of a second member is unsafe: 2 of the 3 running members go', async () => {
    const a = assessGrown(planOf(resolvedTerraform(base), resolvedTerraform(await grow()), { replace: ['aws_instance.control_plane_2'] }));
    expect(a.etcd.disrupted.map((d) => d.member)).toEqual(['control-plane-1', 'control-plane-2']);
    expect(a.etcd).toMatchObject({ membersBefore: 3, membersAfter: 3, quorum: 2, undisrupted: 1, created: [] });
    expect(a.verdict).toBe('unsafe');
    expect(errors(a).map((f) => f.message).join('\n')).toContain('2 of 3 etcd members are disrupted at once');
  });

  it('the same first step alone is safe: 2 of 3 existing members stay up, quorum 2', async () => {
    const a = assessGrown(planOf(resolvedTerraform(base), resolvedTerraform(await grow())));
    expect(a.etcd).toMatchObject({ membersBefore: 3, quorum: 2, undisrupted: 2 });
    expect(a.verdict).toBe('safe');
    expect(a.findings.find((f) => f.address === 'etcd')?.message).toContain('2 of 3 members stay up, quorum 2 holds');
  });

  it('a member created in the same apply raises the quorum without keeping it: creating 4 while replacing 1 is unsafe', async () => {
    const step = structuredClone(resolvedTerraform(await grow())) as Resources;
    for (const [type, from, to] of [
      ['aws_instance', 'control_plane_3', 'control_plane_4'],
      ['aws_ebs_volume', 'etcd_control_plane_3', 'etcd_control_plane_4'],
      ['aws_volume_attachment', 'etcd_control_plane_3', 'etcd_control_plane_4'],
    ] as const) {
      step.resource[type]![to] = structuredClone(step.resource[type]![from]!);
    }
    const a = assessGrown(planOf(resolvedTerraform(base), step as unknown as TerraformJson));
    // etcd counts member 4 from `member add` on: 4 members, quorum 3, and only members 2 and 3 are up.
    expect(a.etcd).toMatchObject({ membersBefore: 3, membersAfter: 4, quorum: 3, undisrupted: 2, created: ['control-plane-4'] });
    expect(a.verdict).toBe('unsafe');
  });

  it('a targeted plan leaves untargeted members out of resource_changes; the prior state still counts them', () => {
    const plan = planOf(resolvedTerraform(base), resolvedTerraform(base), { replace: ['aws_instance.control_plane_1'], target: ['aws_instance.control_plane_1'] });
    expect(plan.resource_changes.map((c) => c.address)).toEqual(['aws_instance.control_plane_1']);
    for (const p of [plan, inModule(plan, 'cluster')]) {
      const a = assessRaw(p);
      expect(a.etcd).toMatchObject({ membersBefore: 3, quorum: 2, undisrupted: 2 });
      expect(a.verdict).toBe('safe');
    }
  });
});

/** `attributes` with the argument at `path` (`block.argument`) set to a value it never had. */
function withChanged(attributes: Record<string, unknown>, path: string[]): Record<string, unknown> {
  const [key, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) return { ...attributes, [key]: `changed-${key}` };
  const current = attributes[key];
  const block = (Array.isArray(current) ? current[0] : current) as Record<string, unknown> | undefined;
  return { ...attributes, [key]: withChanged(block ?? {}, rest) };
}

describe('staging and plan-check read one table of AWS semantics', () => {
  const members = ['control_plane_1', 'control_plane_2', 'control_plane_3'];

  it.each(['ebs_optimized', 'cpu_options.core_count'])('a change of %s on every member is staged one member per apply, and plan-check calls it unsafe at once', (path) => {
    const next = edited((tf) => {
      for (const m of members) tf.resource.aws_instance![m] = withChanged(tf.resource.aws_instance![m]!, path.split('.'));
    });
    const rollout = planRollout(resolvedTerraform(base), next);
    expect(rollout.disrupted).toEqual(['control-plane-1', 'control-plane-2', 'control-plane-3']);
    expect(rollout.staged).toBe(true);
    expect(assess(base, next).verdict).toBe('unsafe');
  });

  it('for every aws_instance argument in the table, staging disrupts a member exactly when plan-check does', () => {
    const previous = resolvedTerraform(base);
    const lifecycle = (previous as unknown as Resources).resource.aws_instance!.control_plane_1!.lifecycle as { ignore_changes?: string[] } | undefined;
    const ignored = new Set(lifecycle?.ignore_changes ?? []);
    const disagreements: string[] = [];
    for (const path of Object.keys(AWS_CHANGE_EFFECTS.aws_instance!)) {
      // Terraform plans no change for an ignored argument; the synthetic plan does not know ignore_changes.
      if (ignored.has(path)) continue;
      const next = edited((tf) => {
        tf.resource.aws_instance!.control_plane_1 = withChanged(tf.resource.aws_instance!.control_plane_1!, path.split('.'));
      });
      const staged = planRollout(previous, next).disrupted.includes('control-plane-1');
      const checked = assess(base, next).etcd.disrupted.some((d) => d.member === 'control-plane-1');
      if (staged !== checked) disagreements.push(`${path}: staging ${staged}, plan-check ${checked}`);
    }
    expect(disagreements).toEqual([]);
  });
});

describe('hakube plan-check (the command)', () => {
  it('exits 1 for an unsafe plan and 0 for a safe one, printing the verdict', async () => {
    const dir = mkdtempSync(join(work, 'cli-'));
    const unsafePlan = join(dir, 'unsafe.json');
    writeFileSync(unsafePlan, JSON.stringify(syntheticPlan(resolvedTerraform(base), resolvedTerraform(await changed(...VERSION_BUMP, 'all-members')))));
    const unsafe = runCli(['plan-check', TUTORIAL, unsafePlan, '-o', 'markdown']);
    expect(unsafe.code).toBe(1);
    expect(unsafe.stdout).toContain('unsafe to apply');
    expect(unsafe.stderr).toContain('the plan is unsafe to apply');
    const safePlan = join(dir, 'safe.json');
    writeFileSync(safePlan, JSON.stringify(syntheticPlan(resolvedTerraform(base), resolvedTerraform(await changed(...VERSION_BUMP)))));
    const safe = runCli(['plan-check', TUTORIAL, safePlan, '-o', 'json']);
    expect(safe.code, safe.stderr).toBe(0);
    expect(JSON.parse(safe.stdout).verdict).toBe('safe');
  });

  it('refuses what is not a JSON plan of format 1.x with a clear message and no stack trace', () => {
    const dir = mkdtempSync(join(work, 'bad-'));
    const cases: Array<[string, string, RegExp]> = [
      ['binary.out', 'PK\u0003\u0004binary plan', /not JSON \(it looks like a binary plan file\).*terraform show -json/],
      ['state.json', JSON.stringify({ format_version: '1.0', values: { root_module: {} } }), /is a Terraform state, not a plan/],
      ['future.json', JSON.stringify({ format_version: '2.0', resource_changes: [] }), /plan format "2\.0"; hakube reads format 1\.x/],
      ['other.json', JSON.stringify({ hello: 'world' }), /not a Terraform JSON plan/],
      ['broken.json', JSON.stringify({ format_version: '1.2', resource_changes: [{ address: 'x' }] }), /resource_changes\[0\] is not a resource change/],
    ];
    for (const [name, content, message] of cases) {
      writeFileSync(join(dir, name), content);
      const r = runCli(['plan-check', TUTORIAL, join(dir, name)]);
      expect(r.code, name).toBe(1);
      expect(r.stderr, name).toMatch(message);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
    const missing = runCli(['plan-check', TUTORIAL, join(dir, 'none.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read');
    // An endless file is read up to the limit only, then refused.
    const endless = runCli(['plan-check', TUTORIAL, '/dev/zero']);
    expect(endless.code).toBe(1);
    expect(endless.stderr).toContain('/dev/zero is larger than 256 MiB');
  });
});

describe('plan-check prints the strings a plan holds as text, never as terminal control or markdown', () => {
  it('module addresses in an error are escaped too (the CLI prints the message as it is)', async () => {
    const plan = planOf(resolvedTerraform(base), resolvedTerraform(base));
    const two = { ...plan, resource_changes: [...inModule(plan, 'a\u001b[2J').resource_changes, ...inModule(plan, 'b\u0007\nc').resource_changes] };
    for (const options of [undefined, { module: 'module.c\u001b[31m' }]) {
      let message = '';
      try {
        assessRaw(two, options);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain('module.a\\u001b[2J');
      expect(message).not.toMatch(/[\u0000-\u001f]/);
    }
  });

  const EVIL = ['aws_s3_object.x\u001b[31m', 'aws_s3_object.bel\u0007', 'aws_s3_object.a\nb\u2028c\u009b', 'aws_s3_object.`tick', 'aws_s3_object.``x```', 'aws_s3_object.x`](http://x)![i](http://x/i.png)|'];
  const plan = planOf(resolvedTerraform(base), resolvedTerraform(base));
  EVIL.forEach((address, i) =>
    plan.resource_changes.push({ address, mode: 'managed', type: 'aws_s3_object', name: 'x', deposed: `0000000${i}\u001b]8;;http://x\u0007`, change: { actions: ['delete'], before: {}, after: null } }),
  );
  const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

  it('the table shows control characters escaped', () => {
    const table = renderPlanCheck(assessRaw(plan), 'table');
    expect(table).toContain('aws_s3_object.x\\u001b[31m');
    for (const line of table.split('\n')) expect(line).not.toMatch(CONTROL);
    expect(table.split('\n').filter((l) => l.includes('deposed object'))).toHaveLength(EVIL.length);
  });

  it('each address is one code span in its row, closed by its own fence; messages open no link', () => {
    const markdown = renderPlanCheck(assessRaw(plan), 'markdown');
    expect(markdown).not.toMatch(CONTROL);
    const rows = markdown.split('\n').filter((l) => l.includes('deposed object'));
    expect(rows).toHaveLength(EVIL.length);
    const spans = rows.map((row) => {
      // CommonMark: a code span opens with a run of n backticks and closes at the next run of exactly n.
      const rest = row.replace(/^\| \S+ \| /, '');
      const fence = /^`+/.exec(rest)![0];
      const close = [...rest.slice(fence.length).matchAll(/`+/g)].find((m) => m[0].length === fence.length)!;
      let content = rest.slice(fence.length, fence.length + close.index);
      if (/^ .* $/s.test(content) && content.trim() !== '') content = content.slice(1, -1);
      const after = rest.slice(fence.length * 2 + close.index);
      expect(after).toMatch(/^ \| deletes deposed object /);
      expect(after).not.toMatch(/[^\\][[\]]/);
      return content.replace(/\\\|/g, '|');
    });
    expect(spans.sort()).toEqual(EVIL.map((a) => a.replace(/[\n\u2028\u009b]/g, (c) => ({ '\n': '\\n', '\u2028': '\\u2028', '\u009b': '\\u009b' })[c]!).replace(/[\u001b\u0007]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).sort());
  });
});
