import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addonFileNames } from '../../src/emit/addons/index.js';
import { UserError } from '../../src/errors.js';
import { bucketObjects } from '../../src/model/bucket-layout.js';
import { assessPlan, type PlanAssessment } from '../../src/plan-check/assess-plan.js';
import { parsePlan } from '../../src/plan-check/load-plan.js';
import { renderPlanCheck } from '../../src/plan-check/render-plan-check.js';
import { validateFile } from '../../src/spec/validate.js';
import { committedContents } from '../helpers/files.js';
import { resolvedTerraform } from '../helpers/resolved-terraform.js';
import { hasStackTrace, REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { syntheticPlan } from './synthetic-plan.js';

// Plans are files anyone who can open a pull request shapes: whatever they hold, plan-check gives a verdict or a
// UserError (exit 1) naming what is wrong, in time linear in the plan, and output a terminal or a PR comment holds.

const TUTORIAL = join(REPO_ROOT, 'examples/myfirstcluster.yaml');
const BIN = join(REPO_ROOT, 'bin/hakube.js');
const { model } = validateFile(TUTORIAL);
const objects = bucketObjects(model, addonFileNames(model));
const GOLDEN = resolvedTerraform(committedContents(join(REPO_ROOT, 'generated/myfirstcluster.k8s.local')));

type Plan = Record<string, unknown> & { resource_changes: Array<Record<string, unknown>> };

/** The tutorial's plan that changes nothing: every resource of the golden folder, in state and unchanged. */
function quietPlan(): Plan {
  return syntheticPlan(GOLDEN, GOLDEN) as Plan;
}

const assessText = (text: string, options?: { module?: string }): PlanAssessment => assessPlan(model, objects, parsePlan(text, 'plan.json'), options);
const assessRaw = (plan: unknown, options?: { module?: string }): PlanAssessment => assessText(JSON.stringify(plan), options);

/** The UserError `run` throws; fails the test when it returns or throws anything else. */
function userError(run: () => unknown): UserError {
  try {
    run();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected a UserError, got a result');
}

const work = mkdtempSync(join(tmpdir(), 'hakube-hostile-plans-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function deleted(address: string, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const name = address.slice(address.lastIndexOf('.') + 1);
  return { address, mode: 'managed', type, name, change: { actions: ['delete'], before: {}, after: null }, ...extra };
}

/** JSON text of a value nested `depth` levels deep (lists and objects in turn): JSON.stringify cannot write it. */
function nestedJson(depth: number): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 === 0 ? '[' : '{"a":';
    close = (i % 2 === 0 ? ']' : '}') + close;
  }
  return `${open}"x"${close}`;
}

/** Stands for a deeply nested value in a plan until its JSON text is written. */
const DEEP = 'DEEP-VALUE-PLACEHOLDER';
const withDeep = (plan: unknown, depth: number): string => JSON.stringify(plan).replace(`"${DEEP}"`, nestedJson(depth));

describe('plan-check stays linear in the size of the plan', () => {
  it('many member-like instances and many deposed deletes: each deposed object is looked up once', () => {
    const MEMBERS = 4000;
    const DEPOSED = 4000;
    const plan = quietPlan();
    for (let i = 4; i < 4 + MEMBERS; i++) {
      plan.resource_changes.push({ address: `aws_instance.control_plane_${i}`, mode: 'managed', type: 'aws_instance', name: `control_plane_${i}`, change: { actions: ['no-op'], before: { ami: 'a' }, after: { ami: 'a' } } });
    }
    for (let i = 0; i < DEPOSED; i++) plan.resource_changes.push(deleted(`aws_launch_template.t${i}`, 'aws_launch_template', { deposed: `d${i}` }));
    // Two deposed copies of etcd volumes: one of a spec member, one of a member-like instance the plan holds.
    plan.resource_changes.push(deleted('aws_ebs_volume.etcd_control_plane_2', 'aws_ebs_volume', { deposed: 'v1' }));
    plan.resource_changes.push(deleted(`aws_ebs_volume.etcd_control_plane_${MEMBERS}`, 'aws_ebs_volume', { deposed: 'v2' }));
    const a = assessRaw(plan);
    expect(a.etcd.membersBefore).toBe(3 + MEMBERS);
    expect(a.etcd.undisrupted).toBe(3 + MEMBERS);
    expect(a.findings.filter((f) => f.severity === 'info' && f.message.includes('deletes deposed object'))).toHaveLength(DEPOSED);
    expect(a.findings.filter((f) => f.severity === 'error').map((f) => f.message)).toEqual([
      expect.stringContaining('deposed copy of the etcd data volume of control-plane-2 '),
      expect.stringContaining(`deposed copy of the etcd data volume of control-plane-${MEMBERS} `),
    ]);
  });
});

describe('plan-check refuses a plan of the wrong shape with a UserError, at any depth', () => {
  it('replace_paths holding numbers or objects is refused; index steps in a path are read', () => {
    for (const replacePaths of [[1, 2], [{ a: 1 }], [[{ a: 1 }]], 'ami', [null], [[['x']]]]) {
      const plan = quietPlan();
      plan.resource_changes.push({ ...deleted('aws_instance.other', 'aws_instance'), change: { actions: ['delete', 'create'], before: {}, after: {}, replace_paths: replacePaths } });
      expect(userError(() => assessRaw(plan)).message, JSON.stringify(replacePaths)).toMatch(/resource_changes\[\d+\]\.change\.replace_paths/);
    }
    const plan = quietPlan();
    plan.resource_changes.push({ ...deleted('aws_instance.other', 'aws_instance'), action_reason: 'replace_because_cannot_update', change: { actions: ['delete', 'create'], before: {}, after: {}, replace_paths: [['ebs_block_device', 0, 'volume_size']] } });
    expect(assessRaw(plan).findings).toContainEqual(expect.objectContaining({ address: 'aws_instance.other', message: 'replaced because a changed argument forces it (ebs_block_device.0.volume_size)' }));
  });

  it('a value nested 10,000 levels deep is refused, wherever it is; 400 levels are read', () => {
    const deep = DEEP;
    const placements: Array<(p: Plan) => void> = [
      (p) => Object.assign((p.resource_changes.find((c) => c.address === 'aws_instance.control_plane_1')!.change as Record<string, unknown>), { after_unknown: { tags: deep } }),
      (p) => Object.assign((p.resource_changes.find((c) => c.address === 'aws_instance.control_plane_1')!.change as Record<string, unknown>), { actions: ['update'], after: { ami: deep } }),
      (p) => Object.assign((p.resource_changes.find((c) => c.address === 'aws_kms_key.secrets')!.change as Record<string, unknown>), { actions: ['update'], after: { policy: deep } }),
      (p) => Object.assign(p, { prior_state: deep }),
      (p) => Object.assign(p, { variables: deep }),
    ];
    for (const [i, place] of placements.entries()) {
      const plan = quietPlan();
      place(plan);
      expect(userError(() => assessText(withDeep(plan, 10_000))).message, `placement ${i}`).toMatch(/nested more than \d+ levels deep/);
      expect(['safe', 'unsafe'], `placement ${i}`).toContain(assessText(withDeep(plan, 400)).verdict);
    }
  });

  it('resource types, reasons and names that are Object.prototype keys are plain data', () => {
    for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const plan = quietPlan();
      plan.resource_changes.push(deleted(`${key}.x`, key, { action_reason: key }));
      // A member instance whose changed argument is a prototype key: an argument hakube does not know, which may stop it.
      const member = plan.resource_changes.find((c) => c.address === 'aws_instance.control_plane_1')!;
      member.change = { actions: ['update'], before: { ...(member.change as { before: object }).before }, after: { ...(member.change as { after: object }).after, [key]: 'y' } };
      const a = assessRaw(plan);
      for (const f of a.findings) expect(['error', 'warning', 'info'], key).toContain(f.severity);
      expect(a.findings, key).toContainEqual({ severity: 'info', address: `${key}.x`, message: `deleted because ${key}` });
      expect(a.etcd.disrupted, key).toEqual([{ member: 'control-plane-1', effect: `stopped and started to change ${key}` }]);
      for (const format of ['table', 'json', 'markdown'] as const) expect(renderPlanCheck(a, format)).not.toMatch(/native code|\[object Object\]|undefined/);
    }
  });

  it('a module named "__proto__" or "constructor" is a module like any other', () => {
    for (const name of ['__proto__', 'constructor']) {
      const plan = quietPlan();
      const inModule = { ...plan, resource_changes: plan.resource_changes.map((c) => ({ ...c, address: `module.${name}.${String(c.address)}`, module_address: `module.${name}` })) };
      delete (inModule as Record<string, unknown>).prior_state;
      expect(assessRaw(inModule).verdict, name).toBe('safe');
      expect(assessRaw(inModule, { module: `module.${name}` }).verdict, name).toBe('safe');
    }
  });
});

describe('plan-check output stays readable whatever the number of findings', () => {
  const FINDINGS = 150_000;
  const many = quietPlan();
  for (let i = 0; i < FINDINGS; i++) many.resource_changes.push(deleted(`aws_launch_template.t${i}`, 'aws_launch_template', { deposed: `d${i}` }));
  let assessment: PlanAssessment | undefined;
  const assessed = () => (assessment ??= assessRaw(many));

  it('150,000 findings: the table shows the first ones and counts the rest', () => {
    const table = renderPlanCheck(assessed(), 'table');
    const lines = table.trimEnd().split('\n');
    expect(lines.length).toBeLessThan(1100);
    expect(table).toContain('aws_launch_template.t0 ');
    expect(lines.at(-1)).toMatch(/^\.\.\. and 14\d,\d{3} more finding\(s\); -o json lists every one$/);
  });

  it('150,000 findings: the markdown fits a GitHub comment (65,536 characters) and counts the rest', () => {
    const markdown = renderPlanCheck(assessed(), 'markdown');
    expect(markdown.length).toBeLessThanOrEqual(65_536);
    expect(markdown).toContain('`aws_launch_template.t0`');
    expect(markdown).toMatch(/\n\.\.\. and 14\d,\d{3} more finding\(s\) \(hakube plan-check -o json lists every one\)\n$/);
  });

  it('150,000 findings: the JSON lists every one', () => {
    const json = JSON.parse(renderPlanCheck(assessed(), 'json')) as { findings: unknown[] };
    expect(json.findings).toHaveLength(FINDINGS);
  });

  it('findings with enormous addresses still fit a comment', () => {
    const plan = quietPlan();
    for (let i = 0; i < 40; i++) plan.resource_changes.push(deleted(`aws_launch_template.${'`'.repeat(i)}${'x`'.repeat(5000)}${i}`, 'aws_launch_template', { deposed: `d${i}` }));
    const markdown = renderPlanCheck(assessRaw(plan), 'markdown');
    expect(markdown.length).toBeLessThanOrEqual(65_536);
    expect(markdown).toMatch(/more finding\(s\)/);
  });

  it('the command prints each format of 150,000 findings and exits 0 (only infos): never a stack trace', () => {
    const file = join(work, 'many.json');
    writeFileSync(file, JSON.stringify(many));
    for (const format of ['table', 'markdown', 'json']) {
      // Into a file: the complete JSON is larger than what spawnSync buffers.
      const out = openSync(join(work, `output.${format}`), 'w');
      const r = spawnSync(process.execPath, [BIN, 'plan-check', TUTORIAL, file, '-o', format], { stdio: ['ignore', out, 'pipe'], encoding: 'utf8' });
      closeSync(out);
      expect(hasStackTrace(r.stderr), r.stderr.slice(0, 500)).toBe(false);
      expect(r.status, `${format}: ${r.stderr.slice(0, 500)}`).toBe(0);
      expect(readFileSync(join(work, `output.${format}`), 'utf8')).toContain(format === 'json' ? 'aws_launch_template.t149999"' : 'aws_launch_template.t0');
    }
  });
});

describe('the errors that list a plan\'s modules are bounded', () => {
  it('a plan of 3 MB of module names: the error names a few and counts the rest', () => {
    const plan = quietPlan();
    const changes: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 30_000; i++) changes.push({ ...deleted(`module.m${'x'.repeat(90)}${i}.aws_vpc.v`, 'aws_vpc'), module_address: `module.m${'x'.repeat(90)}${i}` });
    const text = JSON.stringify({ ...plan, resource_changes: changes });
    expect(text.length).toBeGreaterThan(3_000_000);
    const message = userError(() => assessText(text, { module: 'module.cluster' })).message;
    expect(message.length).toBeLessThan(2000);
    expect(message).toMatch(/^the plan changes nothing in module module\.cluster; it changes module\.mx+0, .* and 29,\d{3} more module\(s\)$/);
    // Several modules holding a cluster: the same bound.
    const clusters: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 30_000; i++) clusters.push({ ...deleted(`module.c${'x'.repeat(90)}${i}.aws_s3_bucket.secrets`, 'aws_s3_bucket'), module_address: `module.c${'x'.repeat(90)}${i}` });
    const several = userError(() => assessRaw({ ...plan, resource_changes: clusters })).message;
    expect(several.length).toBeLessThan(2000);
    expect(several).toMatch(/^the plan holds hakube clusters in several modules \(module\.cx+0, .* and 29,\d{3} more\); name one with --module$/);
  });
});

describe('hakube plan-check on hostile plans exits 1 with a message, never 70', () => {
  it('replace_paths of numbers, a value 10,000 levels deep, a prototype-key type', () => {
    const cases: Array<[string, (p: Plan) => void, RegExp | 'verdict']> = [
      ['numbers.json', (p) => p.resource_changes.push({ ...deleted('aws_instance.o', 'aws_instance'), change: { actions: ['delete', 'create'], before: {}, after: {}, replace_paths: [1, 2] } }), /replace_paths/],
      ['deep.json', (p) => Object.assign(p, { planned_values: DEEP }), /nested more than \d+ levels deep/],
      ['proto.json', (p) => p.resource_changes.push(deleted('constructor.x', 'constructor', { action_reason: '__proto__' })), 'verdict'],
    ];
    for (const [name, edit, expected] of cases) {
      const plan = quietPlan();
      edit(plan);
      writeFileSync(join(work, name), withDeep(plan, 10_000));
      const r = runCli(['plan-check', TUTORIAL, join(work, name)]);
      expect(hasStackTrace(r.stderr), `${name}: ${r.stderr.slice(0, 500)}`).toBe(false);
      if (expected === 'verdict') {
        expect(r.code, `${name}: ${r.stderr.slice(0, 500)}`).toBe(0);
        expect(r.stdout).toContain('deleted because __proto__');
      } else {
        expect(r.code, name).toBe(1);
        expect(r.stderr, name).toMatch(expected);
      }
    }
  });
});
