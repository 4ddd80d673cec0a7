import { createHash } from 'node:crypto';

/**
 * Turns a `terraform show -json` plan into the Terraform state (format 4) that applying it would leave, for
 * planning the next change against. What the provider would only learn from AWS (ids, ARNs, DNS names) is
 * filled with deterministic fakes of the right type, taken from the provider's own schema. Values computed from
 * such fakes (user data that embeds a DNS name) then come out of the next plan as updates; realPlan() plans
 * again until nothing is left to fill in.
 */

export interface PlanResourceChange {
  address: string;
  mode: 'managed' | 'data';
  type: string;
  name: string;
  index?: string | number;
  provider_name: string;
  action_reason?: string;
  change: {
    actions: string[];
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    after_unknown?: unknown;
    replace_paths?: unknown[];
  };
}

export interface PlanJson {
  format_version: string;
  terraform_version: string;
  resource_changes?: PlanResourceChange[];
  [key: string]: unknown;
}

export interface StateResource {
  mode: 'managed' | 'data';
  type: string;
  name: string;
  provider: string;
  instances: Array<{ index_key?: string | number; schema_version: number; attributes: Record<string, unknown>; sensitive_attributes: unknown[] }>;
}

export interface StateV4 {
  version: 4;
  terraform_version: string;
  serial: number;
  lineage: string;
  outputs: Record<string, unknown>;
  resources: StateResource[];
  check_results: null;
}

/** A cty type as the provider schema writes it: "string", ["list","string"], ["object",{...}]... */
type CtyType = string | [string, unknown];
interface SchemaBlock {
  attributes?: Record<string, { type?: CtyType; nested_type?: unknown }>;
  block_types?: Record<string, { nesting_mode: string; block: SchemaBlock }>;
}
export interface ResourceSchema {
  version: number;
  block: SchemaBlock;
}
export type ResourceSchemas = Record<string, ResourceSchema>;

type Shape = { block: SchemaBlock } | { blocks: SchemaBlock } | { cty: CtyType } | undefined;

function childShape(shape: Shape, key: string): Shape {
  if (!shape) return undefined;
  if ('block' in shape) {
    const attribute = shape.block.attributes?.[key];
    if (attribute?.type !== undefined) return { cty: attribute.type };
    const nested = shape.block.block_types?.[key];
    if (nested) return nested.nesting_mode === 'single' || nested.nesting_mode === 'group' ? { block: nested.block } : { blocks: nested.block };
    return undefined;
  }
  if ('cty' in shape && Array.isArray(shape.cty) && shape.cty[0] === 'object') {
    const attributes = shape.cty[1] as Record<string, CtyType>;
    return attributes[key] !== undefined ? { cty: attributes[key] } : undefined;
  }
  if ('cty' in shape && Array.isArray(shape.cty) && shape.cty[0] === 'map') return { cty: shape.cty[1] as CtyType };
  return undefined;
}

function elementShape(shape: Shape): Shape {
  if (!shape) return undefined;
  if ('blocks' in shape) return { block: shape.blocks };
  if ('cty' in shape && Array.isArray(shape.cty) && (shape.cty[0] === 'list' || shape.cty[0] === 'set')) return { cty: shape.cty[1] as CtyType };
  return undefined;
}

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

export interface FakeContext {
  address: string;
  /** Differs between two creations of the same address, so a replaced resource gets a new id. */
  generation: number;
  region: string;
  accountId: string;
}

/** AWS's id prefixes, for ids the provider checks the shape of when another resource refers to them. */
const ID_PREFIX: Record<string, string> = {
  aws_instance: 'i-',
  aws_launch_template: 'lt-',
  aws_vpc: 'vpc-',
  aws_subnet: 'subnet-',
  aws_security_group: 'sg-',
  aws_vpc_security_group_ingress_rule: 'sgr-',
  aws_vpc_security_group_egress_rule: 'sgr-',
  aws_ebs_volume: 'vol-',
  aws_internet_gateway: 'igw-',
  aws_nat_gateway: 'nat-',
  aws_eip: 'eipalloc-',
  aws_route_table: 'rtb-',
  aws_route_table_association: 'rtbassoc-',
  aws_network_interface: 'eni-',
  aws_kms_key: 'mrk-',
};

function fakeString(ctx: FakeContext, path: string[]): string {
  const key = path[path.length - 1] ?? '';
  const h = digest(ctx.address, path.join('.'), String(ctx.generation));
  const [type] = ctx.address.split('.');
  if (key === 'arn' || key.endsWith('_arn')) return `arn:aws:hakube-fake:${ctx.region}:${ctx.accountId}:${type}/${h.slice(0, 12)}`;
  if (key === 'dns_name' || key.endsWith('_dns')) return `fake-${h.slice(0, 12)}.${ctx.region}.amazonaws.com`;
  if (key.endsWith('_base64')) return Buffer.from(`fake ${h.slice(0, 12)}`).toString('base64');
  if (key === 'id' && path.length === 1 && ID_PREFIX[type!]) return `${ID_PREFIX[type!]}${h.slice(0, 17)}`;
  return `fake${h.slice(0, 17)}`;
}

function fake(shape: Shape, ctx: FakeContext, path: string[]): unknown {
  if (!shape) return null;
  if ('blocks' in shape) return [];
  if ('block' in shape) return null;
  const cty = shape.cty;
  if (cty === 'string') return fakeString(ctx, path);
  if (cty === 'number') return 0;
  if (cty === 'bool') return false;
  if (Array.isArray(cty)) {
    if (cty[0] === 'list' || cty[0] === 'set' || cty[0] === 'tuple') return [];
    if (cty[0] === 'map') return {};
    if (cty[0] === 'object') {
      const attributes = cty[1] as Record<string, CtyType>;
      return Object.fromEntries(Object.keys(attributes).map((k) => [k, fake({ cty: attributes[k]! }, ctx, [...path, k])]));
    }
  }
  return null;
}

/** The planned value with every unknown part replaced by a fake. */
export function fillUnknowns(value: unknown, unknown: unknown, shape: Shape, ctx: FakeContext, path: string[] = []): unknown {
  if (unknown === true) return fake(shape, ctx, path);
  if (Array.isArray(unknown) && Array.isArray(value)) {
    return value.map((v, i) => fillUnknowns(v, unknown[i], elementShape(shape), ctx, [...path, String(i)]));
  }
  if (unknown && typeof unknown === 'object' && !Array.isArray(unknown)) {
    const base = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    const out: Record<string, unknown> = { ...base };
    for (const [key, u] of Object.entries(unknown as Record<string, unknown>)) {
      out[key] = fillUnknowns(base[key] ?? null, u, childShape(shape, key), ctx, [...path, key]);
    }
    return out;
  }
  return value;
}

function stateAddress(c: Pick<PlanResourceChange, 'type' | 'name'>): string {
  return `${c.type}.${c.name}`;
}

/** `${type.name.attribute}` and nothing else: the value is the referenced attribute itself. */
const DIRECT_REFERENCE = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/;

type Resolve = (expression: string) => unknown;

/** A referenced value as the referring attribute holds it: Terraform converts a number to a string attribute. */
function coerce(value: unknown, shape: Shape): unknown {
  const cty = shape && 'cty' in shape ? shape.cty : undefined;
  if (cty === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
  return value;
}

/**
 * The planned value with each unknown part that the configuration sets to exactly another resource's attribute
 * (an instance id in a volume attachment, a list of security group ids, a launch template id in a nested block)
 * replaced by that resource's value, as the apply would have it. Anything computed less directly stays a fake
 * and comes out of the next plan.
 */
function resolveAt(value: unknown, unknown: unknown, config: unknown, shape: Shape, resolve: Resolve): unknown {
  if (unknown === true) {
    if (typeof config === 'string') {
      const target = resolve(config);
      return target === undefined ? value : coerce(target, shape);
    }
    if (Array.isArray(config) && config.every((c) => typeof c === 'string')) {
      const targets = config.map((c) => coerce(resolve(c as string), elementShape(shape)));
      return targets.every((t) => t !== undefined) ? targets : value;
    }
    return value;
  }
  if (Array.isArray(unknown) && Array.isArray(value)) {
    // hakube writes a nested block as an object; the plan holds it as a list of one.
    const configs = Array.isArray(config) ? config : [config];
    return value.map((v, i) => resolveAt(v, unknown[i], configs[i], elementShape(shape), resolve));
  }
  if (unknown && typeof unknown === 'object' && value && typeof value === 'object' && !Array.isArray(value)) {
    const block = config && typeof config === 'object' && !Array.isArray(config) ? (config as Record<string, unknown>) : {};
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [key, u] of Object.entries(unknown as Record<string, unknown>)) out[key] = resolveAt(out[key], u, block[key], childShape(shape, key), resolve);
    return out;
  }
  return value;
}

interface Planned {
  attributes: Record<string, unknown>;
  unknown: unknown;
  schema: ResourceSchema;
  config: Record<string, unknown> | undefined;
}

function resolveDirectReferences(resources: Map<string, Planned>): void {
  const resolve: Resolve = (expression) => {
    const m = DIRECT_REFERENCE.exec(expression);
    return m ? resources.get(`${m[1]}.${m[2]}`)?.attributes[m[3]!] : undefined;
  };
  // A reference may point at a value that is itself resolved in this pass: a few passes settle chains.
  for (let pass = 0; pass < 4; pass++) {
    let changed = false;
    for (const planned of resources.values()) {
      const next = resolveAt(planned.attributes, planned.unknown, planned.config, { block: planned.schema.block }, resolve) as Record<string, unknown>;
      if (JSON.stringify(next) !== JSON.stringify(planned.attributes)) {
        planned.attributes = next;
        changed = true;
      }
    }
    if (!changed) return;
  }
}

/**
 * What the provider's Read stores differently from what its plan shows. aws_instance plans `user_data` as a hash
 * (of the configured `user_data_base64`, or of nothing when neither is configured), but Read sets `user_data` only
 * when that is what is configured; a state holding the planned hash would be hashed again by every plan.
 */
function asRead(type: string, attributes: Record<string, unknown>, configured: Record<string, unknown> | undefined): void {
  if (type === 'aws_instance' && configured !== undefined && configured.user_data === undefined) attributes.user_data = null;
}

export interface ApplyOptions {
  schemas: ResourceSchemas;
  /** Every resource block of the configuration that was planned (merged *.tf.json), by type and name. */
  configuration: Record<string, Record<string, Record<string, unknown>>>;
  generation: number;
  region: string;
  accountId: string;
}

/**
 * A synthesized state and, per resource address, the top-level attributes that hold (wholly or partly) a fake:
 * what the apply would have learned, and what a later plan of the same configuration may still compute.
 */
export interface AppliedState {
  state: StateV4;
  fakes: Record<string, string[]>;
}

function containsUnknown(unknown: unknown): boolean {
  if (unknown === true) return true;
  if (Array.isArray(unknown)) return unknown.some(containsUnknown);
  if (unknown && typeof unknown === 'object') return Object.values(unknown).some(containsUnknown);
  return false;
}

function isNoOp(c: PlanResourceChange): boolean {
  return c.change.actions.length === 1 && (c.change.actions[0] === 'no-op' || c.change.actions[0] === 'read');
}

function creates(c: PlanResourceChange): boolean {
  return c.change.actions.includes('create');
}

interface PlannedModuleResource {
  mode: string;
  type: string;
  name: string;
  provider_name: string;
  schema_version: number;
  values: Record<string, unknown>;
}

/** The data sources the plan read (its prior state holds what it read at plan time), as the state records them. */
function dataSources(plan: PlanJson, schemas: ResourceSchemas): StateResource[] {
  const prior = plan.prior_state as { values?: { root_module?: { resources?: PlannedModuleResource[] } } } | undefined;
  return (prior?.values?.root_module?.resources ?? [])
    .filter((r) => r.mode === 'data')
    .map((r) => ({
      mode: 'data',
      type: r.type,
      name: r.name,
      provider: `provider["${r.provider_name}"]`,
      instances: [{ schema_version: r.schema_version ?? schemas[r.type]?.version ?? 0, attributes: r.values, sensitive_attributes: [] }],
    }));
}

function emptyState(terraformVersion: string): StateV4 {
  return { version: 4, terraform_version: terraformVersion, serial: 0, lineage: `hakube-test-${digest('lineage').slice(0, 8)}`, outputs: {}, resources: [], check_results: null };
}

/** The state after applying `plan` to `prior`: what it creates, updates or keeps, with unknowns filled in. */
export function applyPlanToState(plan: PlanJson, prior: AppliedState | undefined, options: ApplyOptions): AppliedState {
  const resources = new Map<string, Planned>();
  const meta = new Map<string, PlanResourceChange>();
  const fakes: Record<string, string[]> = {};
  for (const c of plan.resource_changes ?? []) {
    if (c.mode !== 'managed') continue;
    if (c.index !== undefined) throw new Error(`synthesize-state: ${c.address} uses count/for_each, which hakube never writes`);
    if (c.change.actions.length === 1 && c.change.actions[0] === 'delete') continue;
    if (c.change.after === null) continue;
    const schema = options.schemas[c.type];
    if (!schema) throw new Error(`synthesize-state: the provider has no schema for ${c.type}`);
    const address = stateAddress(c);
    const ctx: FakeContext = { address, generation: options.generation, region: options.region, accountId: options.accountId };
    const unknown = c.change.after_unknown ?? {};
    const attributes = fillUnknowns(c.change.after, unknown, { block: schema.block }, ctx) as Record<string, unknown>;
    const config = options.configuration[c.type]?.[c.name];
    asRead(c.type, attributes, config);
    resources.set(address, { attributes, unknown, schema, config });
    meta.set(address, c);
    const kept = creates(c) ? [] : (prior?.fakes[address] ?? []);
    const fresh = Object.entries(unknown as Record<string, unknown>).filter(([, u]) => containsUnknown(u)).map(([k]) => k);
    const all = [...new Set([...kept, ...fresh])].sort();
    if (all.length > 0) fakes[address] = all;
  }
  resolveDirectReferences(resources);
  const base = prior?.state ?? emptyState(plan.terraform_version);
  const read = dataSources(plan, options.schemas);
  return {
    state: {
      ...base,
      terraform_version: plan.terraform_version,
      serial: base.serial + 1,
      resources: [...[...resources].map(([address, { attributes }]): StateResource => {
        const c = meta.get(address)!;
        return {
          mode: 'managed',
          type: c.type,
          name: c.name,
          provider: `provider["${c.provider_name}"]`,
          instances: [{ schema_version: options.schemas[c.type]!.version, attributes, sensitive_attributes: [] }],
        };
      }), ...read],
    },
    fakes,
  };
}

/**
 * A value as the legacy plugin SDK compares it: most of the AWS provider cannot tell null from "", false, 0 or an
 * empty collection, and its plans change one into the other without meaning anything.
 */
function legacyValue(value: unknown): unknown {
  if (value === null || value === undefined || value === '' || value === false || value === 0) return null;
  if (Array.isArray(value)) {
    const items = value.map(legacyValue);
    return items.length === 0 ? null : items;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => [k, legacyValue(v)] as const)
      .filter(([, v]) => v !== null)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return entries.length === 0 ? null : Object.fromEntries(entries);
  }
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(legacyValue(a)) === JSON.stringify(legacyValue(b));
}

export interface Settled extends AppliedState {
  /** Attributes filled in from the plan. */
  adopted: string[];
  /** Changes no fake explains: arguments hakube wrote that the provider plans differently, resources added or removed. */
  drift: string[];
}

/**
 * Takes into the state what a plan of the same configuration computes for attributes that were fakes (user data
 * rendered from a DNS name, a policy document made of ARNs): the values the apply would have stored. Whatever
 * else the plan changes is drift.
 */
export function settleState(applied: AppliedState, plan: PlanJson): Settled {
  const state = structuredClone(applied.state);
  const fakes: Record<string, string[]> = structuredClone(applied.fakes);
  const byAddress = new Map(state.resources.filter((r) => r.mode === 'managed').map((r) => [`${r.type}.${r.name}`, r.instances[0]!.attributes]));
  const adopted: string[] = [];
  const drift: string[] = [];
  for (const c of plan.resource_changes ?? []) {
    if (c.mode !== 'managed' || isNoOp(c)) continue;
    const address = stateAddress(c);
    const attributes = byAddress.get(address);
    if (!attributes || c.change.actions.join() === 'create' || c.change.actions.join() === 'delete') {
      drift.push(`${address} (${c.change.actions.join('/')})`);
      continue;
    }
    const faked = new Set(fakes[address] ?? []);
    const unknown = (c.change.after_unknown ?? {}) as Record<string, unknown>;
    const after = c.change.after ?? {};
    const before = c.change.before ?? {};
    for (const key of faked) {
      if (containsUnknown(unknown[key]) || JSON.stringify(after[key] ?? null) === JSON.stringify(attributes[key] ?? null)) continue;
      attributes[key] = after[key] ?? null;
      faked.delete(key);
      adopted.push(`${address}.${key}`);
    }
    fakes[address] = [...faked];
    // A replacement resets every computed attribute; only what the configuration sets can drift.
    const configured = Object.keys(after).filter((k) => !applied.fakes[address]?.includes(k));
    for (const key of configured) {
      if (unknown[key] === true || !sameValue(before[key], after[key])) {
        if (creates(c) && unknown[key] === true) continue;
        const show = (v: unknown) => (unknown[key] === true && v === after[key] ? '(known after apply)' : JSON.stringify(v ?? null).slice(0, 300));
        drift.push(`${address}.${key}: ${show(before[key])} -> ${show(after[key])}`);
      }
    }
  }
  return { state: { ...state, serial: state.serial + 1 }, fakes, adopted, drift };
}
