import { UserError } from '../errors.js';
import { showValue } from '../show-value.js';

/**
 * The committed record of a rollout in progress: the control-plane members whose change `generate` has held back,
 * and "workers" while the worker groups wait for the control plane.
 * It exists only while members are pending, so a finished rollout leaves the folder exactly as a fresh generate.
 */
export const ROLLOUT_RECORD_FILE = 'rollout-pending.json';

/** The pending entry for worker groups held until the control plane has moved (kubelets never newer than the API). */
export const WORKERS_UNIT = 'workers';

export interface RolloutRecord {
  pending: string[];
}

const NOTE =
  'Written by hakube: control-plane members whose change is held back so that one terraform apply disrupts at most one member. ' +
  'Apply this folder, check the cluster is healthy, then run hakube rollout next (docs/ha.md).';

export function renderRolloutRecord(record: RolloutRecord): string {
  return `${JSON.stringify({ '//': NOTE, pending: record.pending }, null, 2)}\n`;
}

/**
 * The most control-plane members a spec has: schemas/cluster.schema.json, controlPlane.count's maximum (a test
 * keeps the two equal). Members are control-plane-1 to control-plane-<count>.
 */
export const MAX_CONTROL_PLANE_MEMBERS = 7;
/** A record names each member at most once, and "workers": never more entries than this. */
const MAX_PENDING = MAX_CONTROL_PLANE_MEMBERS + 1;

/**
 * The record in `text` (the file `path`, committed in the output folder): a UserError when it is not one hakube
 * could have written, saying why, so that no hand-edited or hostile record reaches the commands that read it.
 */
export function parseRolloutRecord(text: string, path: string): RolloutRecord {
  const refuse = (why: string) => new UserError(`${path} is not a rollout record hakube wrote (${why}); restore it from git`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refuse('not JSON');
  }
  const pending = typeof value === 'object' && value !== null && Object.hasOwn(value, 'pending') ? (value as { pending: unknown }).pending : undefined;
  if (!Array.isArray(pending)) throw refuse('no list of pending members');
  if (pending.length > MAX_PENDING) throw refuse(`it holds ${pending.length.toLocaleString('en-US')} entries; hakube writes at most ${MAX_PENDING}, one per member and "workers"`);
  const seen = new Set<string>();
  for (const entry of pending) {
    // Control-plane members, and "workers" for the worker groups that follow them.
    const member = typeof entry === 'string' ? /^control-plane-([1-9]\d{0,2})$/.exec(entry) : null;
    if (entry !== WORKERS_UNIT && !member) throw refuse(`${showValue(entry)} is neither a control-plane member nor "workers"`);
    if (member && (Number(member[1]) < 1 || Number(member[1]) > MAX_CONTROL_PLANE_MEMBERS)) {
      throw refuse(`it names ${entry as string}; a spec has at most ${MAX_CONTROL_PLANE_MEMBERS} control-plane members`);
    }
    if (seen.has(entry as string)) throw refuse(`it names ${entry as string} twice`);
    seen.add(entry as string);
  }
  return { pending: [...seen] };
}
