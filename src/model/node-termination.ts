import type { ClusterModel } from './model.js';

/**
 * Names shared by the Terraform that creates the node-termination queue and the add-on that reads it
 * (aws-node-termination-handler in queue mode, docs/node-termination.md).
 */
export function nodeTerminationQueueName(model: ClusterModel): string {
  // SQS names: at most 80 characters of letters, digits, '-' and '_'; the slug has only letters, digits and '-'.
  const suffix = '-node-termination';
  return `${model.slug.slice(0, 80 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/**
 * The name of the lifecycle hook on every worker group, the same for all groups of the cluster and no other's: one
 * EventBridge rule matching it carries the lifecycle actions of every group (a rule per group would run into the
 * event bus's 300-rule quota, which the whole account and region share).
 */
export function terminationHookName(model: ClusterModel): string {
  // Hook names: at most 255 characters of letters, digits, '-', '_' and '/'; the slug has only letters, digits and '-'.
  const prefix = 'hakube-drain-';
  return `${prefix}${model.slug.slice(0, 255 - prefix.length).replace(/-+$/, '')}`;
}

/**
 * The hook name of every group in output of hakube from before the single lifecycle rule per cluster. A running cluster
 * keeps hooks of that name until the apply that replaces them, and their events must reach its queue meanwhile.
 */
export const LEGACY_TERMINATION_HOOK_NAME = 'hakube-drain-before-termination';

/** Termination waits for the handler's drain at most this long. */
export const TERMINATION_HOOK_HEARTBEAT_SECONDS = 600;
