/**
 * The committed record of a rollout in progress: the control-plane members whose change `generate` has held back,
 * and "workers" while the worker groups wait for the control plane.
 * It exists only while members are pending, so a finished rollout leaves the folder exactly as a fresh generate.
 */
export const ROLLOUT_RECORD_FILE = 'rollout-pending.json';

export interface RolloutRecord {
  pending: string[];
}

const NOTE =
  'Written by hakube: control-plane members whose change is held back so that one terraform apply disrupts at most one member. ' +
  'Apply this folder, check the cluster is healthy, then run hakube rollout next (docs/ha.md).';

export function renderRolloutRecord(record: RolloutRecord): string {
  return `${JSON.stringify({ '//': NOTE, pending: record.pending }, null, 2)}\n`;
}

/** The record in `text`, or undefined when it is not one hakube wrote (the caller names the file). */
export function parseRolloutRecord(text: string): RolloutRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const pending = (value as { pending?: unknown } | null)?.pending;
  // Control-plane members, and "workers" for the worker groups that follow them.
  if (!Array.isArray(pending) || !pending.every((m) => typeof m === 'string' && /^(control-plane-\d+|workers)$/.test(m))) return undefined;
  return { pending: [...pending] };
}
