import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addonFileNames } from '../../src/emit/addons/index.js';
import { UserError } from '../../src/errors.js';
import { bucketObjects } from '../../src/model/bucket-layout.js';
import { assessPlan } from '../../src/plan-check/assess-plan.js';
import { MAX_PLAN_NESTING, parsePlan } from '../../src/plan-check/load-plan.js';
import { renderPlanCheck } from '../../src/plan-check/render-plan-check.js';
import { validateFile } from '../../src/spec/validate.js';
import { committedContents } from '../helpers/files.js';
import { resolvedTerraform } from '../helpers/resolved-terraform.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { syntheticPlan } from './synthetic-plan.js';

// A property of load-plan and everything after it: whatever a plan file holds at whatever place, plan-check gives a
// verdict it can render in every format, or a UserError (exit 1) with a one-line message; never another exception
// (exit 70, a stack trace). The plans are hakube's own (the tutorial's golden Terraform through the synthetic-plan
// generator), mutated at every path by seeded substitutions, so a failure reproduces from its seed and path.

const TUTORIAL = join(REPO_ROOT, 'examples/myfirstcluster.yaml');
const { model } = validateFile(TUTORIAL);
const objects = bucketObjects(model, addonFileNames(model));
const GOLDEN = resolvedTerraform(committedContents(join(REPO_ROOT, 'generated/myfirstcluster.k8s.local')));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

/** mulberry32: a small seeded generator, so every case is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type PlanJson = { resource_changes: Array<Record<string, unknown>>; prior_state?: { values: { root_module: { resources: Array<{ address: string }> } } } };

/**
 * The plan with the resources plan-check reads by role (members, their volumes and attachments, the secrets bucket
 * and key, CA objects) and two of every other type: each mutation then costs a fraction of a whole plan's check.
 */
function slim(plan: PlanJson): PlanJson {
  const perType = new Map<string, number>();
  const kept = plan.resource_changes.filter((c) => {
    const address = String(c.address);
    if (/control_plane|secrets|\/ca\.(crt|key)/.test(address)) return true;
    perType.set(String(c.type), (perType.get(String(c.type)) ?? 0) + 1);
    return perType.get(String(c.type))! <= 2;
  });
  const addresses = new Set(kept.map((c) => String(c.address)));
  const prior = plan.prior_state;
  return {
    ...plan,
    resource_changes: kept,
    // plan-check reads a prior resource's address, mode and deposed key, never its values.
    ...(prior ? { prior_state: { ...prior, values: { root_module: { resources: prior.values.root_module.resources.filter((r) => addresses.has(r.address)).map(({ address }) => ({ address, mode: 'managed' })) } } } } : {}),
  };
}

/** Plans of hakube's own Terraform with every kind of change plan-check reads: replaced, tainted, deposed, updated. */
function fixtures(): Json[] {
  const quiet = slim(syntheticPlan(GOLDEN, GOLDEN) as PlanJson);
  const replaced = slim(syntheticPlan(GOLDEN, GOLDEN, { replace: ['aws_instance.control_plane_1', 'aws_s3_bucket.secrets'], tainted: ['aws_ebs_volume.etcd_control_plane_2'] }) as PlanJson);
  const member = replaced.resource_changes.find((c) => c.address === 'aws_instance.control_plane_3')!;
  const before = (member.change as { before: Record<string, unknown> }).before;
  member.change = { actions: ['update'], before, after: { ...before, instance_type: 'm6i.large', tags: { a: 'b' } }, after_unknown: { tags: { a: true } } };
  replaced.resource_changes.push(
    { address: 'aws_ebs_volume.etcd_control_plane_1', mode: 'managed', type: 'aws_ebs_volume', name: 'etcd_control_plane_1', deposed: '00000001', change: { actions: ['delete'], before: { size: 10 }, after: null } },
    { address: 'aws_vpc_security_group_ingress_rule.x', mode: 'managed', type: 'aws_vpc_security_group_ingress_rule', name: 'x', action_reason: 'replace_because_cannot_update', change: { actions: ['delete', 'create'], before: { from_port: 2379, to_port: 2380, ip_protocol: 'tcp' }, after: {}, replace_paths: [['security_group_id'], ['tags', 0]] } },
  );
  // The same cluster as a module: the module-finding paths.
  const { prior_state: _prior, ...withoutPrior } = quiet;
  const inModule = {
    ...withoutPrior,
    resource_changes: quiet.resource_changes.slice(0, 40).map((c) => ({ ...c, address: `module.cluster.${String(c.address)}`, module_address: 'module.cluster' })),
  };
  return [quiet, replaced, inModule].map((p) => JSON.parse(JSON.stringify(p)) as Json);
}

/** Every path into `value`: each object key and array index, at every depth. */
function pathsOf(value: Json, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  const entries: Array<[string | number, Json]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

/** Stands for a value whose JSON text is written in after JSON.stringify (a depth it cannot write, prototype keys). */
const RAW = (n: number) => `RAW-JSON-${n}`;

function nestedJson(depth: number): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 3 === 2 ? '{"constructor":' : '[';
    close = (i % 3 === 2 ? '}' : ']') + close;
  }
  return `${open}1${close}`;
}

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/** The substitutions: each puts a value of another type (or a deeper one, or a prototype key) where the plan had one. */
const SUBSTITUTIONS: Array<{ name: string; value: (next: () => number) => { json?: Json; raw?: string; renameTo?: string } }> = [
  { name: 'null', value: () => ({ json: null }) },
  { name: 'number', value: (r) => ({ json: [0, -1, 1.5, 1e308, 2 ** 53 + 1][Math.floor(r() * 5)]! }) },
  { name: 'boolean', value: (r) => ({ json: r() < 0.5 }) },
  { name: 'string', value: (r) => ({ json: ['', 'constructor', '__proto__', 'delete', 'x\u001b[2J\n|`*', 'a'.repeat(10_000)][Math.floor(r() * 6)]! }) },
  { name: 'array', value: (r) => ({ json: [[], [null], [1, 'a'], [['x']], [{}]][Math.floor(r() * 5)]! }) },
  { name: 'object', value: (r) => ({ json: ([{}, { a: 1 }, { actions: ['delete'] }, { address: 'x' }] as Json[])[Math.floor(r() * 4)]! }) },
  { name: 'deep', value: (r) => ({ raw: nestedJson([MAX_PLAN_NESTING - 20, MAX_PLAN_NESTING + 1, 10_000][Math.floor(r() * 3)]!) }) },
  { name: 'prototype-keys object', value: () => ({ raw: `{${PROTOTYPE_KEYS.map((k) => `"${k}":{"${k}":true}`).join(',')}}` }) },
  { name: 'prototype-key name', value: (r) => ({ renameTo: PROTOTYPE_KEYS[Math.floor(r() * PROTOTYPE_KEYS.length)]! }) },
];

/** The plan text with `substitution` at `path`: set, or the key at its end renamed. */
function mutated(plan: Json, path: Path, substitution: ReturnType<(typeof SUBSTITUTIONS)[number]['value']>, raws: string[]): Json {
  const copy = structuredClone(plan);
  let parent = copy as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
  const last = path.at(-1)!;
  if (substitution.renameTo !== undefined) {
    if (Array.isArray(parent)) parent[last as number] = { [substitution.renameTo]: parent[last as number]! };
    else {
      const value = parent[last]!;
      delete parent[last];
      Object.defineProperty(parent, substitution.renameTo, { value, enumerable: true, writable: true, configurable: true });
    }
  } else if (substitution.raw !== undefined) {
    raws.push(substitution.raw);
    parent[last] = RAW(raws.length - 1);
  } else parent[last] = substitution.json!;
  return copy;
}

function toText(plan: Json, raws: string[]): string {
  let text = JSON.stringify(plan);
  raws.forEach((raw, i) => (text = text.replace(`"${RAW(i)}"`, raw)));
  return text;
}

type Outcome = 'verdict' | 'user error';

/** What plan-check makes of `text`: a verdict rendered in every format, or a UserError; anything else fails. */
function outcome(text: string, where: string): Outcome {
  try {
    const assessment = assessPlan(model, objects, parsePlan(text, 'plan.json'));
    expect(['safe', 'unsafe'], where).toContain(assessment.verdict);
    for (const f of assessment.findings) expect(['error', 'warning', 'info'], where).toContain(f.severity);
    expect(typeof renderPlanCheck(assessment, 'table'), where).toBe('string');
    expect(typeof renderPlanCheck(assessment, 'json'), where).toBe('string');
    expect(renderPlanCheck(assessment, 'markdown').length, where).toBeLessThanOrEqual(65_536);
    return 'verdict';
  } catch (err) {
    if (!(err instanceof UserError)) throw new Error(`${where}: ${(err as Error).stack ?? String(err)}`);
    expect(err.message, where).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(err.message.length, where).toBeLessThan(3000);
    return 'user error';
  }
}

describe('plan-check on plans mutated at every path (seeded)', () => {
  const SEED = 0x24_07;
  const plans = fixtures();

  it('each path of each fixture, each with one substitution: a verdict or a UserError', () => {
    const next = random(SEED);
    const counts = new Map<string, Record<Outcome, number>>();
    let cases = 0;
    plans.forEach((plan, p) => {
      // The attribute values of the first and last fixture are those of the second: their paths are mutated there.
      const paths = pathsOf(plan).filter((path) => p === 1 || !(path[0] === 'resource_changes' && path[2] === 'change' && (path[3] === 'before' || path[3] === 'after') && path.length > 4));
      for (const [i, path] of paths.entries()) {
        // Every kind at every path would be 9 full plan-checks per path; rotating the kinds from a seeded start
        // still gives each path one and each kind a ninth of the paths.
        const kind = SUBSTITUTIONS[(i + Math.floor(next() * SUBSTITUTIONS.length)) % SUBSTITUTIONS.length]!;
        const raws: string[] = [];
        const text = toText(mutated(plan, path, kind.value(next), raws), raws);
        const result = outcome(text, `fixture ${p}, ${kind.name} at ${JSON.stringify(path)} (seed ${SEED})`);
        const count = counts.get(kind.name) ?? { verdict: 0, 'user error': 0 };
        count[result] += 1;
        counts.set(kind.name, count);
        cases += 1;
      }
    });
    // Every substitution was tried, and both outcomes happen: the property was exercised, not skipped.
    expect([...counts.keys()].sort()).toEqual(SUBSTITUTIONS.map((s) => s.name).sort());
    expect([...counts.values()].reduce((n, c) => n + c.verdict, 0)).toBeGreaterThan(100);
    expect([...counts.values()].reduce((n, c) => n + c['user error'], 0)).toBeGreaterThan(100);
    expect(cases).toBeGreaterThan(2000);
    console.log(`fuzz-plan: ${cases} single-substitution cases`, Object.fromEntries(counts));
  });

  it('every substitution kind at each resource change of the richest fixture, three at once: a verdict or a UserError', () => {
    const next = random(SEED + 1);
    const plan = plans[1]!;
    const paths = pathsOf(plan).filter((p) => p[0] === 'resource_changes' && p.length >= 3);
    let cases = 0;
    for (let n = 0; n < 500; n++) {
      const raws: string[] = [];
      let current: Json = plan;
      const applied: string[] = [];
      for (let k = 0; k < 3; k++) {
        const path = paths[Math.floor(next() * paths.length)]!;
        const kind = SUBSTITUTIONS[Math.floor(next() * SUBSTITUTIONS.length)]!;
        try {
          current = mutated(current, path, kind.value(next), raws);
          applied.push(`${kind.name} at ${JSON.stringify(path)}`);
        } catch {
          // An earlier substitution removed the path's parent: this one has nowhere to go.
        }
      }
      outcome(toText(current, raws), `case ${n} (seed ${SEED + 1}): ${applied.join('; ')}`);
      cases += 1;
    }
    expect(cases).toBe(500);
  });
});
