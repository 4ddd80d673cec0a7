/** Drain before termination: hooks on every group, one queue fed by EventBridge, least-privilege handler policy. */
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { DRAIN_TIMEOUT_SECONDS, nodeTerminationQueueName, TERMINATION_HOOK_HEARTBEAT_SECONDS, TERMINATION_HOOK_NAME } from '../../src/model/node-termination.js';
import { addonPlan } from '../../src/emit/addons/addon-plan.js';
import { blocksOf, EXAMPLES, emitFile, resources } from './synthesized.js';

describe.each(EXAMPLES)('node termination of %s', (example) => {
  const emitted = emitFile(example);
  const { model } = emitted;
  const queue = resources(emitted, 'aws_sqs_queue').get('node_termination')!;

  test('an encrypted queue named for the cluster, short retention', () => {
    expect(queue.name).toBe(nodeTerminationQueueName(model));
    expect(queue.sqs_managed_sse_enabled).toBe(true);
    expect(queue.message_retention_seconds).toBe(300);
    expect(String(queue.name).length).toBeLessThanOrEqual(80);
  });

  test('every worker group has a termination lifecycle hook that never blocks forever', () => {
    const hooks = resources(emitted, 'aws_autoscaling_lifecycle_hook');
    expect(hooks.size).toBe(model.instanceGroups.length);
    for (const group of model.instanceGroups) {
      const hook = hooks.get(`${group.id}_drain`)!;
      expect(hook).toMatchObject({
        name: TERMINATION_HOOK_NAME,
        autoscaling_group_name: `\${aws_autoscaling_group.${group.id}.name}`,
        lifecycle_transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        default_result: 'CONTINUE',
      });
      expect(Number(hook.heartbeat_timeout)).toBeGreaterThanOrEqual(300);
    }
  });

  test('EventBridge rules for each group lifecycle, Spot interruption, rebalance and state change, all to the queue', () => {
    const rules = resources(emitted, 'aws_cloudwatch_event_rule');
    const targets = resources(emitted, 'aws_cloudwatch_event_target');
    const detailTypes = [...rules.values()].map((r) => (JSON.parse(String(r.event_pattern)) as { 'detail-type': string[] })['detail-type'][0]);
    expect(new Set(detailTypes)).toEqual(
      new Set(['EC2 Instance-terminate Lifecycle Action', 'EC2 Spot Instance Interruption Warning', 'EC2 Instance Rebalance Recommendation', 'EC2 Instance State-change Notification']),
    );
    for (const group of model.instanceGroups) {
      const pattern = JSON.parse(String(rules.get(`node_termination_${group.id}_termination`)!.event_pattern)) as { detail: { AutoScalingGroupName: string[] } };
      expect(pattern.detail.AutoScalingGroupName).toEqual([group.asgName]);
    }
    // The count validation's warning HK243 (src/spec/rules.ts) assumes, against the event bus's rule quota.
    expect(rules.size).toBe(model.instanceGroups.length + 3);
    // One rule per name in AWS: a second one under a taken name would replace the first (HK244).
    expect(new Set([...rules.values()].map((r) => r.name)).size).toBe(rules.size);
    expect([...targets.keys()].sort()).toEqual([...rules.keys()].sort());
    for (const [name, target] of targets) {
      expect(target.arn).toBe('${aws_sqs_queue.node_termination.arn}');
      expect(target.rule).toBe(`\${aws_cloudwatch_event_rule.${name}.name}`);
    }
    for (const rule of rules.values()) expect(String(rule.name).length).toBeLessThanOrEqual(64);
  });

  test('only this account\'s EventBridge rules of this cluster may send to the queue', () => {
    const doc = blocksOf(emitted, 'data', 'aws_iam_policy_document').get('node_termination_queue') as any;
    expect(doc.statement).toHaveLength(1);
    const [statement] = doc.statement;
    expect(statement.actions).toEqual(['sqs:SendMessage']);
    expect(statement.principals).toEqual([{ type: 'Service', identifiers: ['events.amazonaws.com'] }]);
    const variables = statement.condition.map((c: { variable: string }) => c.variable).sort();
    expect(variables).toEqual(['aws:SourceAccount', 'aws:SourceArn']);
    const policy = resources(emitted, 'aws_sqs_queue_policy').get('node_termination')!;
    expect(policy.queue_url).toBe('${aws_sqs_queue.node_termination.url}');
  });

  test('the handler policy on the control-plane role: its queue, lifecycle actions of cluster-tagged groups, describes', () => {
    const doc = blocksOf(emitted, 'data', 'aws_iam_policy_document').get('control_plane_node_termination_handler') as any;
    const actions = doc.statement.flatMap((s: { actions: string[] }) => s.actions).sort();
    expect(actions).toEqual([
      'autoscaling:CompleteLifecycleAction',
      'autoscaling:DescribeAutoScalingInstances',
      'autoscaling:DescribeTags',
      'ec2:DescribeInstances',
      'sqs:DeleteMessage',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
    for (const s of doc.statement) {
      if (s.actions.some((a: string) => a.startsWith('sqs:'))) expect(s.resources).toEqual(['${aws_sqs_queue.node_termination.arn}']);
      if (s.actions.includes('autoscaling:CompleteLifecycleAction')) expect(s.condition[0].variable).toBe(`aws:ResourceTag/kubernetes.io/cluster/${model.name}`);
      expect(s.effect).toBe('Allow');
    }
    const attached = resources(emitted, 'aws_iam_role_policy').get('control_plane_node_termination_handler')!;
    expect(attached.role).toBe('${aws_iam_role.control_plane.id}');
  });

  test('the handler is installed in queue mode, pinned, on the control plane, with the queue looked up by name', () => {
    const plan = addonPlan(model);
    const step = plan.steps.find((s) => s.kind === 'helm' && s.chart.release === 'aws-node-termination-handler');
    expect(step).toMatchObject({ chart: { version: '0.27.1', repository: 'oci://public.ecr.aws/aws-ec2/helm' }, queueUrlValue: { key: 'queueURL', queueName: queue.name } });
    const values = plan.files.find((f) => f.file === 'aws-node-termination-handler-values.yaml')!.content;
    expect(values).toContain('enableSqsTerminationDraining: true');
    expect(values).toContain(`awsRegion: ${model.region}`);
    expect(values).toContain('node-role.kubernetes.io/control-plane');
  });
});

/**
 * Events about machines that are not (or never became) nodes of this cluster must leave the queue, and a terminating
 * worker that never became a node must not hold its lifecycle hook. Upstream, aws-node-termination-handler v1.25.1
 * (the image of chart 0.27.1):
 * - pkg/monitor/sqsevent/sqs-monitor.go, processInterruptionEvents: `case m.CheckIfManaged &&
 *   !eventWrapper.InterruptionEvent.IsManaged:` "dropping interruption event for unmanaged node", and a message whose
 *   events were all dropped is deleted (`m.deleteMessages`); IsManaged is whether the instance has the tag named
 *   by managedTag (getNodeInfo: `if _, ok := nodeInfo.Tags[m.ManagedTag]; !ok`).
 * - pkg/interruptionevent/internal/common/handler.go, GetNodeName: with useProviderId a node not found is an error
 *   (`parse node name from providerID`), and draincordon/handler.go returns it before its post-drain task, which is
 *   what deletes the message and completes the lifecycle action; without useProviderId the node name is the
 *   instance's private DNS name, a node not found sets nodeFound = false, and `(err == nil || (!nodeFound &&
 *   h.commonHandler.NthConfig.DeleteSqsMsgIfNodeNotFound)) && drainEvent.PostDrainTask != nil` runs that task.
 */
describe.each(EXAMPLES)('termination events of machines that are not nodes of %s', (example) => {
  const { model } = emitFile(example);
  const values = parse(addonPlan(model).files.find((f) => f.file === 'aws-node-termination-handler-values.yaml')!.content) as Record<string, unknown>;

  test('events about machines without the cluster tag are dropped and deleted by the handler', () => {
    expect(values.checkTagBeforeDraining).toBe(true);
    // Every machine of the cluster carries it: workers from their launch template, the control plane from default_tags.
    expect(values.managedTag).toBe(`kubernetes.io/cluster/${model.name}`);
  });

  test('a cluster machine without a node (it never joined) has its message deleted and its lifecycle action completed', () => {
    // The node is looked up by the instance's private DNS name, the name each machine registers with (its IMDS
    // local-hostname, templates/partials/prepare-node.sh.hbs), so a missing node is "not found", not an error.
    expect(values.useProviderId).toBe(false);
    expect(values.deleteSqsMsgIfNodeNotFound).toBe(true);
  });
});

/**
 * Draining is bounded, whatever PodDisruptionBudgets say: the handler's drain helper stops after
 * nodeTerminationGracePeriod (v1.25.1 pkg/node/node.go, getDrainHelper: `Timeout:
 * time.Duration(nthConfig.NodeTerminationGracePeriod) * time.Second`) and the lifecycle hook continues the termination
 * when its heartbeat runs out (default_result CONTINUE). The docs state both numbers; they come from here.
 */
test('one drain is given a stated time, shorter than the lifecycle hook holds the machine', () => {
  const { model } = emitFile(EXAMPLES[0]!);
  const values = parse(addonPlan(model).files.find((f) => f.file === 'aws-node-termination-handler-values.yaml')!.content) as Record<string, unknown>;
  expect(values.nodeTerminationGracePeriod).toBe(DRAIN_TIMEOUT_SECONDS);
  expect(DRAIN_TIMEOUT_SECONDS).toBeLessThan(TERMINATION_HOOK_HEARTBEAT_SECONDS);
});

