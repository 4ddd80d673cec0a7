/** Drain before termination: hooks on every group, one queue fed by EventBridge, least-privilege handler policy. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { LEGACY_TERMINATION_HOOK_NAME, nodeTerminationQueueName, terminationHookName } from '../../src/model/node-termination.js';
import { addonPlan } from '../../src/emit/addons/addon-plan.js';
import { blocksOf, EXAMPLES, emitEdited, emitFile, resources, type Emitted } from './synthesized.js';

const TUTORIAL = 'examples/myfirstcluster.yaml';

/** The tutorial with its worker groups replaced by `count` groups g1..gN. */
function withGroups(count: number): Emitted {
  const text = readFileSync(TUTORIAL, 'utf8');
  const groups = text.slice(text.indexOf('  instanceGroups:\n'), text.indexOf('  addons:\n'));
  const many = Array.from({ length: count }, (_, i) => `    - name: g${i + 1}\n      instanceType: t3.medium\n      minSize: 1\n      maxSize: 1\n`).join('');
  return emitEdited(TUTORIAL, groups, `  instanceGroups:\n${many}`);
}

interface LifecyclePattern {
  source: string[];
  'detail-type': string[];
  detail: { LifecycleHookName: string[] };
}

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
        name: terminationHookName(model),
        autoscaling_group_name: `\${aws_autoscaling_group.${group.id}.name}`,
        lifecycle_transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        default_result: 'CONTINUE',
        // A renamed hook is replaced: the new one is created before the old one goes.
        lifecycle: { create_before_destroy: true },
      });
      expect(Number(hook.heartbeat_timeout)).toBeGreaterThanOrEqual(300);
    }
  });

  test('one rule carries the lifecycle actions of every group: it matches exactly the hooks\' name and the old shared one', () => {
    const rule = resources(emitted, 'aws_cloudwatch_event_rule').get('node_termination_lifecycle_action')!;
    const pattern = String(rule.event_pattern);
    expect(pattern.length).toBeLessThan(2048);
    expect(JSON.parse(pattern)).toEqual({
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance-terminate Lifecycle Action'],
      detail: { LifecycleHookName: [terminationHookName(model), 'hakube-drain-before-termination'] },
    });
    for (const hook of resources(emitted, 'aws_autoscaling_lifecycle_hook').values()) {
      expect((JSON.parse(pattern) as LifecyclePattern).detail.LifecycleHookName[0]).toBe(hook.name);
    }
    expect(LEGACY_TERMINATION_HOOK_NAME).toBe('hakube-drain-before-termination');
  });

  test('no group is updated (an instance refresh terminates machines) before every rule reaches the queue', () => {
    const targets = [...resources(emitted, 'aws_cloudwatch_event_target').keys()].map((name) => `aws_cloudwatch_event_target.${name}`);
    expect(targets).toHaveLength(4);
    for (const asg of resources(emitted, 'aws_autoscaling_group').values()) {
      expect(asg.depends_on as string[]).toEqual(expect.arrayContaining(targets));
    }
  });

  test('EventBridge rules for the lifecycle actions, Spot interruption, rebalance and state change, all to the queue', () => {
    const rules = resources(emitted, 'aws_cloudwatch_event_rule');
    const targets = resources(emitted, 'aws_cloudwatch_event_target');
    const detailTypes = [...rules.values()].map((r) => (JSON.parse(String(r.event_pattern)) as { 'detail-type': string[] })['detail-type'][0]);
    expect(new Set(detailTypes)).toEqual(
      new Set(['EC2 Instance-terminate Lifecycle Action', 'EC2 Spot Instance Interruption Warning', 'EC2 Instance Rebalance Recommendation', 'EC2 Instance State-change Notification']),
    );
    expect(rules.size).toBe(4);
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
    // Every rule's ARN falls under the ArnLike prefix.
    const sourceArn = statement.condition.find((c: { variable: string }) => c.variable === 'aws:SourceArn');
    expect(sourceArn.test).toBe('ArnLike');
    const [arnPattern] = sourceArn.values as string[];
    expect(arnPattern).toMatch(/:rule\/[a-z0-9-]+-nth-\*$/);
    const namePrefix = arnPattern!.slice(arnPattern!.indexOf(':rule/') + ':rule/'.length, -1);
    for (const rule of resources(emitted, 'aws_cloudwatch_event_rule').values()) expect(String(rule.name).startsWith(namePrefix), String(rule.name)).toBe(true);
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

describe('node termination at scale', () => {
  test('the EventBridge rule count does not grow with the worker groups: 4 rules for 1 group and for 200', () => {
    for (const count of [1, 200]) {
      const emitted = withGroups(count);
      expect(emitted.model.instanceGroups).toHaveLength(count);
      expect(resources(emitted, 'aws_cloudwatch_event_rule').size).toBe(4);
      expect(resources(emitted, 'aws_cloudwatch_event_target').size).toBe(4);
      const hooks = [...resources(emitted, 'aws_autoscaling_lifecycle_hook').values()];
      expect(hooks).toHaveLength(count);
      const rule = resources(emitted, 'aws_cloudwatch_event_rule').get('node_termination_lifecycle_action')!;
      const pattern = JSON.parse(String(rule.event_pattern)) as LifecyclePattern;
      for (const hook of hooks) expect(pattern.detail.LifecycleHookName).toEqual([hook.name, LEGACY_TERMINATION_HOOK_NAME]);
    }
  });

  test('the hook name is the cluster\'s, fits the 255 characters of a hook name, and is cut the same way every time', () => {
    const { model } = emitFile(TUTORIAL);
    expect(terminationHookName(model)).toBe('hakube-drain-myfirstcluster-k8s-local');
    const long = { ...model, slug: 'a-'.repeat(200) };
    const name = terminationHookName(long);
    expect(name.length).toBeLessThanOrEqual(255);
    expect(name).toMatch(/^hakube-drain-[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/);
    expect(terminationHookName(long)).toBe(name);
  });
});
