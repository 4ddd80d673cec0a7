import type { Construct } from 'constructs';
import type { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group/index.js';
import { AutoscalingLifecycleHook } from '@cdktf/provider-aws/lib/autoscaling-lifecycle-hook/index.js';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule/index.js';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target/index.js';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue/index.js';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy/index.js';
import type { ClusterModel } from '../../model/model.js';
import {
  EC2_EVENT_RULE_IDS,
  TERMINATION_HOOK_HEARTBEAT_SECONDS,
  TERMINATION_HOOK_NAME,
  eventRuleName,
  eventRuleNamePrefix,
  lifecycleRuleId,
  nodeTerminationQueueName,
} from '../../model/node-termination.js';
import { CLUSTER_TAG_VALUE, clusterTagKey, nameTag } from './cluster-tags.js';
import { declare } from './declare.js';

interface EventRule {
  id: string;
  description: string;
  pattern: Record<string, unknown>;
}

/**
 * The events that mean a machine is about to go away, each an EventBridge rule feeding the queue (the set kops
 * and the aws-node-termination-handler README use for queue mode). One lifecycle rule per worker group, so adding a
 * group only adds resources; the EC2 events cannot be narrowed to the cluster, and those of other machines of the
 * account find no node and are dropped by the handler.
 */
function eventRules(model: ClusterModel): EventRule[] {
  const [spotInterruption, rebalance, instanceStateChange] = EC2_EVENT_RULE_IDS;
  return [
    ...model.instanceGroups.map((g) => ({
      id: lifecycleRuleId(g.id),
      description: `instances of ${g.asgName} about to be terminated (lifecycle hook)`,
      pattern: {
        source: ['aws.autoscaling'],
        'detail-type': ['EC2 Instance-terminate Lifecycle Action'],
        detail: { AutoScalingGroupName: [g.asgName] },
      },
    })),
    { id: spotInterruption, description: 'EC2 Spot interruption warnings', pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] } },
    { id: rebalance, description: 'EC2 rebalance recommendations', pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] } },
    {
      id: instanceStateChange,
      description: 'EC2 instances stopping or terminating',
      pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['stopping', 'stopped', 'shutting-down', 'terminated'] } },
    },
  ];
}

/**
 * What aws-node-termination-handler needs in queue mode (its README's IAM policy), and nothing more: read and
 * delete the cluster's own queue, complete lifecycle actions of the cluster's own groups, describe instances.
 */
export function nodeTerminationHandlerStatements(model: ClusterModel, queueArn: string): DataAwsIamPolicyDocumentStatement[] {
  return [
    { sid: 'ConsumeTerminationQueue', effect: 'Allow', actions: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'], resources: [queueArn] },
    {
      sid: 'CompleteClusterLifecycleActions',
      effect: 'Allow',
      actions: ['autoscaling:CompleteLifecycleAction'],
      resources: ['*'],
      condition: [{ test: 'StringEquals', variable: `aws:ResourceTag/${clusterTagKey(model)}`, values: [CLUSTER_TAG_VALUE] }],
    },
    {
      sid: 'DescribeInstancesAndGroups',
      effect: 'Allow',
      actions: ['autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeTags', 'ec2:DescribeInstances'],
      resources: ['*'],
    },
  ];
}

export interface NodeTerminationInputs {
  autoscalingGroups: Map<string, AutoscalingGroup>;
  /** The control-plane role: the handler runs on the control plane with its instance credentials. */
  controlPlaneRole: IamRole;
  partition: string;
}

/**
 * Drain before termination: a lifecycle hook on every worker group holds a terminating instance (instance
 * refresh, scale-in) until aws-node-termination-handler has cordoned and drained its node, honouring
 * PodDisruptionBudgets, or the hook's heartbeat runs out. The hooks' events, Spot interruptions, rebalance
 * recommendations and instance state changes reach the handler through one encrypted SQS queue.
 */
export function buildNodeTermination(scope: Construct, model: ClusterModel, inputs: NodeTerminationInputs): SqsQueue {
  const queue = declare(scope, SqsQueue, 'node_termination', {
    name: nodeTerminationQueueName(model),
    // Events older than five minutes are of no use: the machine is gone or the hook has timed out.
    messageRetentionSeconds: 300,
    sqsManagedSseEnabled: true,
    tags: nameTag(model, 'node-termination'),
  });
  const queueArn = queue.arn;
  const ruleNames = new Set<string>();
  for (const rule of eventRules(model)) {
    const name = eventRuleName(model.slug, rule.id);
    // Validation refuses a spec that names two rules alike (HK244): one would replace the other in AWS.
    if (ruleNames.has(name)) throw new Error(`BUG: two EventBridge rules named ${name}`);
    ruleNames.add(name);
    const declared = declare(scope, CloudwatchEventRule, `node_termination_${rule.id}`, {
      name,
      description: `hakube: ${rule.description}, to ${nodeTerminationQueueName(model)}`,
      eventPattern: JSON.stringify(rule.pattern),
      tags: nameTag(model, `node-termination-${rule.id.replace(/_/g, '-')}`),
    });
    declare(scope, CloudwatchEventTarget, `node_termination_${rule.id}`, { rule: declared.name, arn: queueArn });
  }
  const account = declare(scope, DataAwsCallerIdentity, 'node_termination', {});
  const sendPolicy = declare(scope, DataAwsIamPolicyDocument, 'node_termination_queue', {
    statement: [
      {
        sid: 'EventBridgeRulesOfThisCluster',
        effect: 'Allow',
        actions: ['sqs:SendMessage'],
        principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
        resources: [queueArn],
        // The cluster's own rules, by name prefix (a list of ARNs would change whenever a group is added).
        condition: [
          { test: 'ArnLike', variable: 'aws:SourceArn', values: [`arn:${inputs.partition}:events:${model.region}:${account.accountId}:rule/${eventRuleNamePrefix(model.slug)}*`] },
          { test: 'StringEquals', variable: 'aws:SourceAccount', values: [account.accountId] },
        ],
      },
    ],
  });
  declare(scope, SqsQueuePolicy, 'node_termination', { queueUrl: queue.url, policy: sendPolicy.json });

  for (const group of model.instanceGroups) {
    const asg = inputs.autoscalingGroups.get(group.name);
    if (!asg) throw new Error(`BUG: instance group ${group.name} has no auto-scaling group`);
    declare(scope, AutoscalingLifecycleHook, `${group.id}_drain`, {
      name: TERMINATION_HOOK_NAME,
      autoscalingGroupName: asg.name,
      lifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      // If the handler is down, termination goes ahead after the heartbeat: a drain is best effort, never a hang.
      defaultResult: 'CONTINUE',
      heartbeatTimeout: TERMINATION_HOOK_HEARTBEAT_SECONDS,
    });
  }

  const handlerPolicy = declare(scope, DataAwsIamPolicyDocument, 'control_plane_node_termination_handler', {
    statement: nodeTerminationHandlerStatements(model, queueArn),
  });
  declare(scope, IamRolePolicy, 'control_plane_node_termination_handler', {
    name: 'node-termination-handler',
    role: inputs.controlPlaneRole.id,
    policy: handlerPolicy.json,
  });
  return queue;
}
