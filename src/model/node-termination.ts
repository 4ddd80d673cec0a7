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

/** The EventBridge rules of the cluster's queue that do not depend on its groups, by rule id. */
export const EC2_EVENT_RULE_IDS = ['spot_interruption', 'rebalance', 'instance_state_change'] as const;

/** The id of the rule that carries the lifecycle actions of the group with Terraform id `groupId`. */
export function lifecycleRuleId(groupId: string): string {
  return `${groupId}_termination`;
}

/** Rule names start with this (64 characters at most in all); the queue accepts events from these rules only. */
export function eventRuleNamePrefix(slug: string): string {
  return `${slug.slice(0, 30).replace(/-+$/, '')}-nth-`;
}

/**
 * The name of the rule with `ruleId`: EventBridge keeps one rule per name in an account's bus, and creating a rule
 * under a taken name replaces that rule, so two rule ids that give one name leave one of them without its events
 * (validation refuses that: HK244).
 */
export function eventRuleName(slug: string, ruleId: string): string {
  return `${eventRuleNamePrefix(slug)}${ruleId.replace(/_/g, '-')}`.slice(0, 64);
}

/** The lifecycle hook on every worker group: termination waits for the handler's drain, at most this long. */
export const TERMINATION_HOOK_NAME = 'hakube-drain-before-termination';
export const TERMINATION_HOOK_HEARTBEAT_SECONDS = 600;

/**
 * How long the handler's one drain of a node may take (its nodeTerminationGracePeriod, the chart's default): its
 * drain helper stops evicting then (aws-node-termination-handler v1.25.1 pkg/node/node.go, getDrainHelper:
 * `Timeout: time.Duration(nthConfig.NodeTerminationGracePeriod) * time.Second`), so a PodDisruptionBudget delays a
 * termination by at most the hook's heartbeat, never blocks it.
 */
export const DRAIN_TIMEOUT_SECONDS = 120;
