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

/** The lifecycle hook on every worker group: termination waits for the handler's drain, at most this long. */
export const TERMINATION_HOOK_NAME = 'hakube-drain-before-termination';
export const TERMINATION_HOOK_HEARTBEAT_SECONDS = 600;
