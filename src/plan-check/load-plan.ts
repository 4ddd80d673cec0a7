import { describeSize, FileTooLargeError, readBounded } from '../bounded-read.js';
import { UserError } from '../errors.js';
import { showValue } from '../show-value.js';
import { nestsDeeperThan } from '../read-back.js';

/** One entry of a plan's resource_changes, as `terraform show -json` prints it (format 1.x). */
export interface ResourceChange {
  address: string;
  mode: 'managed' | 'data';
  type: string;
  name: string;
  /** The module the resource is in (`module.cluster`); absent at the root module. */
  module_address?: string;
  /** Set for a deposed object (an old copy a failed create_before_destroy left behind). */
  deposed?: string;
  action_reason?: string;
  /**
   * Attribute values as the plan holds them: keys are the plan's data, so whoever looks one up by a name it read
   * from the plan uses ownValue (src/own-value.ts), never `before[key]` (`constructor` is no argument of Object's).
   */
  change: {
    actions: string[];
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    after_unknown?: Record<string, unknown> | boolean | null;
    /** Attribute paths that force the replacement: names and list indexes. */
    replace_paths?: Array<Array<string | number>>;
  };
}

export interface TerraformPlan {
  formatVersion: string;
  terraformVersion?: string;
  resourceChanges: ResourceChange[];
  /**
   * Addresses of the managed resources the state held when the plan was made (prior_state), with their module
   * (`module.cluster.aws_instance.x`). A targeted plan's resource_changes leave untargeted resources out; the state
   * still says they exist.
   */
  priorAddresses: ReadonlySet<string>;
}

/** The plan format's major version hakube reads (Terraform 1.x prints 1.0 to 1.2). */
const SUPPORTED_MAJOR = 1;
/** A plan of a large cluster is a few megabytes; anything far larger is not one. */
const MAX_PLAN_BYTES = 256 * 1024 * 1024;
/**
 * Levels of arrays and objects a plan may nest. A plan nests its modules and each resource's attribute blocks a few
 * dozen levels at most; far deeper is no plan Terraform wrote, and would exhaust the stack of every recursive reader
 * (JSON.stringify among them) after it.
 */
export const MAX_PLAN_NESTING = 512;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads `terraform show -json plan.out` output. Anything else (a binary plan, a state file, another JSON document,
 * an unsupported format major) is a UserError saying what to run instead.
 */
export function loadPlan(file: string): TerraformPlan {
  let text: string;
  try {
    text = readBounded(file, MAX_PLAN_BYTES).toString('utf8');
  } catch (err) {
    if (err instanceof FileTooLargeError) throw new UserError(`${file} is larger than ${describeSize(MAX_PLAN_BYTES)}; it is not a Terraform plan in JSON`);
    throw new UserError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parsePlan(text, file);
}

const HOW = 'make it with: terraform plan -out plan.out && terraform show -json plan.out > plan.json';

/** Parses and checks the shape of a JSON plan into typed data; `file` names it in errors. */
export function parsePlan(text: string, file: string): TerraformPlan {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    const binary = text.startsWith('PK');
    throw new UserError(`${file} is not JSON${binary ? ' (it looks like a binary plan file)' : ''}; ${HOW}`);
  }
  if (nestsDeeperThan(doc, MAX_PLAN_NESTING)) throw new UserError(`${file} holds values nested more than ${MAX_PLAN_NESTING} levels deep; it is not a Terraform plan. ${HOW}`);
  if (!isObject(doc) || typeof doc.format_version !== 'string') {
    throw new UserError(`${file} is not a Terraform JSON plan (no format_version); ${HOW}`);
  }
  const major = Number(doc.format_version.split('.')[0]);
  if (major !== SUPPORTED_MAJOR) {
    throw new UserError(`${file} is in plan format ${showValue(doc.format_version)}; hakube reads format ${SUPPORTED_MAJOR}.x (Terraform 1.x)`);
  }
  if (!('planned_values' in doc) && !('resource_changes' in doc)) {
    throw new UserError(`${file} is a Terraform state, not a plan (no planned_values or resource_changes); ${HOW}`);
  }
  // Terraform leaves resource_changes out of a plan that changes nothing; it never writes null.
  const raw = 'resource_changes' in doc ? doc.resource_changes : [];
  if (!Array.isArray(raw)) throw new UserError(`${file}: resource_changes is not a list; ${HOW}`);
  return {
    formatVersion: doc.format_version,
    ...(typeof doc.terraform_version === 'string' ? { terraformVersion: doc.terraform_version } : {}),
    resourceChanges: raw.map((entry, i) => resourceChange(entry, `${file}: resource_changes[${i}]`)),
    priorAddresses: priorAddresses(doc.prior_state),
  };
}

/** A value before or after the change: an object of attributes, or null where there is none. */
function attributes(value: unknown, where: string, field: string): JsonObject | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw new UserError(`${where}.change.${field} is not an object of attributes or null`);
  return value;
}

/** A replace path: attribute names and list indexes, as Terraform writes them. */
function isPath(value: unknown): value is Array<string | number> {
  return Array.isArray(value) && value.every((step) => typeof step === 'string' || (typeof step === 'number' && Number.isInteger(step)));
}

/** One entry of resource_changes, every field hakube reads checked for its type; `where` names it in errors. */
function resourceChange(entry: unknown, where: string): ResourceChange {
  const change = isObject(entry) ? entry.change : undefined;
  if (
    !isObject(entry) ||
    typeof entry.address !== 'string' ||
    typeof entry.type !== 'string' ||
    typeof entry.name !== 'string' ||
    !isObject(change) ||
    !Array.isArray(change.actions) ||
    !change.actions.every((a) => typeof a === 'string')
  ) {
    throw new UserError(`${where} is not a resource change (address, type, name, change.actions)`);
  }
  for (const field of ['mode', 'module_address', 'deposed', 'action_reason'] as const) {
    if (entry[field] !== undefined && typeof entry[field] !== 'string') throw new UserError(`${where}.${field} is not a string`);
  }
  if (entry.mode !== undefined && entry.mode !== 'managed' && entry.mode !== 'data') throw new UserError(`${where}.mode is neither "managed" nor "data"`);
  const afterUnknown = change.after_unknown;
  if (afterUnknown !== undefined && afterUnknown !== null && !isObject(afterUnknown) && typeof afterUnknown !== 'boolean') {
    throw new UserError(`${where}.change.after_unknown is not an object, a boolean or null`);
  }
  const replacePaths = change.replace_paths;
  if (replacePaths !== undefined && replacePaths !== null && !(Array.isArray(replacePaths) && replacePaths.every(isPath))) {
    throw new UserError(`${where}.change.replace_paths is not a list of attribute paths (lists of names and indexes)`);
  }
  return {
    address: entry.address,
    mode: entry.mode === 'data' ? 'data' : 'managed',
    type: entry.type,
    name: entry.name,
    ...(typeof entry.module_address === 'string' ? { module_address: entry.module_address } : {}),
    ...(typeof entry.deposed === 'string' ? { deposed: entry.deposed } : {}),
    ...(typeof entry.action_reason === 'string' ? { action_reason: entry.action_reason } : {}),
    change: {
      actions: change.actions as string[],
      before: attributes(change.before, where, 'before'),
      after: attributes(change.after, where, 'after'),
      after_unknown: afterUnknown === undefined ? null : (afterUnknown as JsonObject | boolean | null),
      ...(Array.isArray(replacePaths) ? { replace_paths: replacePaths as Array<Array<string | number>> } : {}),
    },
  };
}

/**
 * The current (not deposed) managed resources of prior_state's modules, which Terraform omits from a plan made on
 * an empty state. Entries of another shape are skipped: they name nothing hakube looks for.
 */
function priorAddresses(priorState: unknown): Set<string> {
  const found = new Set<string>();
  const visit = (module: unknown): void => {
    if (!isObject(module)) return;
    for (const r of Array.isArray(module.resources) ? module.resources : []) {
      if (isObject(r) && typeof r.address === 'string' && r.mode !== 'data' && r.deposed_key === undefined) found.add(r.address);
    }
    for (const child of Array.isArray(module.child_modules) ? module.child_modules : []) visit(child);
  };
  visit(isObject(priorState) && isObject(priorState.values) ? priorState.values.root_module : undefined);
  return found;
}
