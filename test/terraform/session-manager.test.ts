import { describe, expect, it } from 'vitest';
import { memberAddresses, resourceName } from '../../src/emit/terraform/addresses.js';
import { EXAMPLES, blocksOf, emitEdited, emitFile, resources, type Json } from './synthesized.js';

interface Statement {
  sid?: string;
  actions?: string[];
  resources?: string[];
  condition?: unknown;
}

const SESSION_MANAGER_ACTIONS = [
  'ssm:UpdateInstanceInformation',
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
  'ec2messages:AcknowledgeMessage',
  'ec2messages:DeleteMessage',
  'ec2messages:FailMessage',
  'ec2messages:GetEndpoint',
  'ec2messages:GetMessages',
  'ec2messages:SendReply',
];

function sessionManagerPolicy(emitted: ReturnType<typeof emitFile>, role: 'control_plane' | 'nodes'): Statement[] | undefined {
  return blocksOf(emitted, 'data', 'aws_iam_policy_document').get(`${role}_session_manager`)?.statement as Statement[] | undefined;
}

describe.each(EXAMPLES)('%s: Session Manager is the default way in', (example) => {
  const emitted = emitFile(example);

  it('gives both machine roles the agent\'s Session Manager permissions, and nothing of the managed policy beyond them', () => {
    for (const role of ['control_plane', 'nodes'] as const) {
      const statements = sessionManagerPolicy(emitted, role);
      expect(statements, role).toBeDefined();
      expect(statements!.flatMap((s) => s.actions ?? []).sort()).toEqual([...SESSION_MANAGER_ACTIONS].sort());
      // AmazonSSMManagedInstanceCore also grants these; ssm:GetParameter(s) would read every parameter of the account.
      expect(JSON.stringify(statements)).not.toMatch(/GetParameter|GetDocument|PutInventory|Association|ssm:\*|ssmmessages:\*|ec2messages:\*/);
      const policy = resources(emitted, 'aws_iam_role_policy').get(`${role}_session_manager`);
      expect(policy).toMatchObject({ name: 'session_manager', role: `\${aws_iam_role.${role}.id}`, policy: `\${data.aws_iam_policy_document.${role}_session_manager.json}` });
    }
    // Managed policies are attached only to service-account roles (iam.serviceAccountExternalPermissions), never to the machines'.
    const attachedRoles = [...resources(emitted, 'aws_iam_role_policy_attachment').values()].map((a) => a.role);
    expect(attachedRoles.filter((r) => !String(r).startsWith('${aws_iam_role.sa_'))).toEqual([]);
  });

  it('outputs the instance id of every control-plane member, for aws ssm start-session --target', () => {
    const outputs = emitted.parsed.get('outputs.tf.json') as { output: Record<string, { value: Json }> };
    const ids = outputs.output.control_plane_instance_ids?.value;
    expect(ids).toEqual(
      Object.fromEntries(emitted.model.controlPlane.members.map((m) => [m.name, `\${aws_instance.${resourceName(memberAddresses(m).instance)}.id}`])),
    );
    for (const name of Object.keys(ids)) expect(resources(emitted, 'aws_instance').has(resourceName(memberAddresses(emitted.model.controlPlane.members.find((m) => m.name === name)!).instance))).toBe(true);
  });
});

describe('ssm.enabled: false', () => {
  const emitted = emitEdited('examples/myfirstcluster.yaml', '  controlPlane:', '  ssm:\n    enabled: false\n  controlPlane:');

  it('leaves both roles without any Session Manager permission', () => {
    expect(emitted.model.ssm.enabled).toBe(false);
    for (const role of ['control_plane', 'nodes'] as const) expect(sessionManagerPolicy(emitted, role)).toBeUndefined();
    const everyAction = [...blocksOf(emitted, 'data', 'aws_iam_policy_document').values()].flatMap((d) => (d.statement as Statement[]).flatMap((s) => s.actions ?? []));
    expect(everyAction.filter((a) => /^(ssm|ssmmessages|ec2messages):/.test(a))).toEqual([]);
  });
});
