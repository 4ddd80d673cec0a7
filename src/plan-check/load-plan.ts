import { describeSize, FileTooLargeError, readBounded } from '../bounded-read.js';
import { UserError } from '../errors.js';

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
  change: {
    actions: string[];
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    after_unknown?: Record<string, unknown> | boolean | null;
    replace_paths?: unknown[][];
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

function isObject(value: unknown): value is Record<string, unknown> {
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

/** Parses and checks the shape of a JSON plan; `file` names it in errors. */
export function parsePlan(text: string, file: string): TerraformPlan {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    const binary = text.startsWith('PK');
    throw new UserError(`${file} is not JSON${binary ? ' (it looks like a binary plan file)' : ''}; ${HOW}`);
  }
  if (!isObject(doc) || typeof doc.format_version !== 'string') {
    throw new UserError(`${file} is not a Terraform JSON plan (no format_version); ${HOW}`);
  }
  const major = Number(doc.format_version.split('.')[0]);
  if (major !== SUPPORTED_MAJOR) {
    throw new UserError(`${file} is in plan format ${doc.format_version}; hakube reads format ${SUPPORTED_MAJOR}.x (Terraform 1.x)`);
  }
  if (!('planned_values' in doc) && !('resource_changes' in doc)) {
    throw new UserError(`${file} is a Terraform state, not a plan (no planned_values or resource_changes); ${HOW}`);
  }
  // Terraform leaves resource_changes out of a plan that changes nothing; it never writes null.
  const raw = 'resource_changes' in doc ? doc.resource_changes : [];
  if (!Array.isArray(raw)) throw new UserError(`${file}: resource_changes is not a list; ${HOW}`);
  const resourceChanges = raw.map((entry, i): ResourceChange => {
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
      throw new UserError(`${file}: resource_changes[${i}] is not a resource change (address, type, name, change.actions)`);
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
        before: isObject(change.before) ? change.before : null,
        after: isObject(change.after) ? change.after : null,
        after_unknown: isObject(change.after_unknown) || typeof change.after_unknown === 'boolean' ? change.after_unknown : null,
        ...(Array.isArray(change.replace_paths) ? { replace_paths: change.replace_paths as unknown[][] } : {}),
      },
    };
  });
  return {
    formatVersion: doc.format_version,
    ...(typeof doc.terraform_version === 'string' ? { terraformVersion: doc.terraform_version } : {}),
    resourceChanges,
    priorAddresses: priorAddresses(doc.prior_state),
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
