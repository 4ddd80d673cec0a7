import { describe, expect, it } from 'vitest';
import { clusterTagKey } from '../../src/emit/terraform/cluster-tags.js';
import { EXAMPLES, blocksOf, emitFile, resources, text, type Json } from './synthesized.js';

interface Statement {
  sid?: string;
  effect: string;
  actions?: string[];
  resources?: string[];
  condition?: Array<{ test: string; variable: string; values: string[] }>;
  principals?: Array<{ type: string; identifiers: string[] }>;
}

const READ_ONLY = /^[a-z0-9-]+:(Describe|Get|List|BatchGet|BatchCheck)/;

/**
 * The SSM agent's own registration and session channels (test/terraform/session-manager.test.ts pins the exact
 * list): AWS grants them on "*" in its own minimal Session Manager policy, and they change nothing but the agent's state.
 */
const SESSION_MANAGER_AGENT = /^(ssm:UpdateInstanceInformation|ssmmessages:(Create|Open)(Control|Data)Channel|ec2messages:[A-Za-z]+)$/;

describe.each(EXAMPLES)('secure defaults of %s', (example) => {
  const emitted = emitFile(example);
  const { model } = emitted;

  it('requires IMDSv2 with one hop on every instance and launch template, so pods off the host network get no credentials', () => {
    const machines = [...resources(emitted, 'aws_instance').values(), ...resources(emitted, 'aws_launch_template').values()];
    expect(machines.length).toBe(model.controlPlane.members.length + model.instanceGroups.length);
    for (const machine of machines) {
      expect(machine.metadata_options).toEqual({ http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1 });
    }
  });

  it('encrypts every volume and block device', () => {
    const volumes = resources(emitted, 'aws_ebs_volume');
    expect(volumes.size).toBe(model.controlPlane.members.length);
    for (const volume of volumes.values()) expect(volume.encrypted).toBe(true);
    for (const instance of resources(emitted, 'aws_instance').values()) {
      expect((instance.root_block_device as Json).encrypted).toBe(true);
    }
    for (const template of resources(emitted, 'aws_launch_template').values()) {
      const devices = template.block_device_mappings as Array<{ ebs: Json }>;
      expect(devices.length).toBeGreaterThan(0);
      for (const device of devices) expect(device.ebs.encrypted).toBe('true');
    }
  });

  it('opens ingress from CIDRs only where the spec names them', () => {
    const named = new Set([...model.api.allowedCIDRs, ...model.ssh.allowedCIDRs]);
    for (const [name, rule] of resources(emitted, 'aws_vpc_security_group_ingress_rule')) {
      if (rule.cidr_ipv4 !== undefined) expect(named.has(rule.cidr_ipv4 as string), name).toBe(true);
      expect(rule.cidr_ipv6, name).toBeUndefined();
      expect(typeof rule.description, name).toBe('string');
    }
    const anywhere = [...resources(emitted, 'aws_vpc_security_group_ingress_rule').values()].filter((r) => r.cidr_ipv4 === '0.0.0.0/0');
    expect(anywhere.length > 0).toBe(named.has('0.0.0.0/0'));
  });

  it('admits the API port on the control plane only from the load balancer and the cluster machines, never from api.allowedCIDRs directly', () => {
    const allowed = new Set(['control_plane', 'nodes', 'api_load_balancer'].map((g) => `\${aws_security_group.${g}.id}`));
    const apiRules = [...resources(emitted, 'aws_vpc_security_group_ingress_rule')].filter(
      ([, r]) =>
        r.security_group_id === '${aws_security_group.control_plane.id}' &&
        (r.ip_protocol === '-1' || ((r.from_port as number) <= model.api.port && model.api.port <= (r.to_port as number))),
    );
    expect(apiRules.length).toBeGreaterThan(0);
    for (const [name, rule] of apiRules) {
      expect(rule.cidr_ipv4, name).toBeUndefined();
      expect(allowed.has(rule.referenced_security_group_id as string), name).toBe(true);
    }
    expect(apiRules.some(([, r]) => r.referenced_security_group_id === '${aws_security_group.api_load_balancer.id}')).toBe(true);
  });

  it('has an SSH rule only when the spec allows SSH from somewhere', () => {
    const ssh = [...resources(emitted, 'aws_vpc_security_group_ingress_rule').values()].filter((r) => r.from_port === 22);
    if (model.ssh.allowedCIDRs.length === 0) expect(ssh).toEqual([]);
    else expect(new Set(ssh.map((r) => r.cidr_ipv4))).toEqual(new Set(model.ssh.allowedCIDRs));
  });

  it('holds no key material and never uploads file content inline', () => {
    for (const file of emitted.files) {
      expect(text(file)).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
    }
    for (const [name, object] of resources(emitted, 'aws_s3_object')) {
      expect(object.content, name).toBeUndefined();
      expect(object.content_base64, name).toBeUndefined();
      // The discovery documents are public (SSE-S3: anonymous readers cannot use a KMS key); every other object is a secret's.
      if (object.bucket === '${aws_s3_bucket.service_account_issuer.id}') expect(object.server_side_encryption, name).toBeUndefined();
      else expect(object.server_side_encryption, name).toBe('aws:kms');
    }
  });

  it('keeps the secrets bucket private, versioned, KMS-encrypted and TLS-only', () => {
    const [bucket] = resources(emitted, 'aws_s3_bucket').values();
    expect(bucket?.force_destroy).toBe(model.terraform.forceDestroyBucket);
    expect((bucket?.bucket_prefix as string).length).toBeLessThanOrEqual(37);
    expect(bucket?.bucket_prefix).toMatch(/^[a-z0-9][a-z0-9-]*-$/);
    const [access] = resources(emitted, 'aws_s3_bucket_public_access_block').values();
    expect(access).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    const [versioning] = resources(emitted, 'aws_s3_bucket_versioning').values();
    expect(versioning?.versioning_configuration).toEqual({ status: 'Enabled' });
    const [encryption] = resources(emitted, 'aws_s3_bucket_server_side_encryption_configuration').values();
    expect(encryption?.rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: '${aws_kms_key.secrets.arn}' }, bucket_key_enabled: true },
    ]);
    expect(resources(emitted, 'aws_kms_key').get('secrets')?.enable_key_rotation).toBe(true);
    const tls = blocksOf(emitted, 'data', 'aws_iam_policy_document').get('secrets_bucket_tls_only')?.statement as Statement[];
    expect(tls).toEqual([
      expect.objectContaining({
        effect: 'Deny',
        actions: ['s3:*'],
        condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
      }),
    ]);
    expect(resources(emitted, 'aws_s3_bucket_policy').get('secrets')?.policy).toBe('${data.aws_iam_policy_document.secrets_bucket_tls_only.json}');
  });

  it('grants no wildcard action and no unconditioned mutating action on every resource', () => {
    const documents = blocksOf(emitted, 'data', 'aws_iam_policy_document');
    expect(documents.size).toBeGreaterThan(0);
    for (const [name, document] of documents) {
      for (const statement of document.statement as Statement[]) {
        expect(statement.actions, name).not.toContain('*');
        // A statement with principals belongs to a resource policy (the KMS key's), where "*" is that resource alone.
        if (statement.effect !== 'Allow' || !statement.resources?.includes('*') || statement.condition || statement.principals) continue;
        for (const action of statement.actions ?? []) {
          if (name.endsWith('_session_manager') && SESSION_MANAGER_AGENT.test(action)) continue;
          expect(action, `${name} ${statement.sid}`).toMatch(READ_ONLY);
        }
      }
    }
  });

  it('conditions every mutating control-plane permission on the cluster tag', () => {
    const controllers = blocksOf(emitted, 'data', 'aws_iam_policy_document').get('control_plane_controllers')?.statement as Statement[];
    const tagKey = clusterTagKey(model);
    for (const statement of controllers) {
      const mutating = (statement.actions ?? []).filter((a) => !READ_ONLY.test(a));
      if (mutating.length === 0 || statement.actions?.includes('iam:CreateServiceLinkedRole')) continue;
      const variables = (statement.condition ?? []).map((c) => c.variable);
      expect(variables.some((v) => v === `aws:ResourceTag/${tagKey}` || v === `aws:RequestTag/${tagKey}`), statement.sid).toBe(true);
    }
  });

  it('lets only what the EBS CSI driver created be detached, changed, snapshotted or deleted, never an etcd volume', () => {
    const csiTag = (prefix: string) => ({ test: 'StringEquals', variable: `${prefix}/ebs.csi.aws.com/cluster`, values: ['true'] });
    const onVolumes = ['ec2:AttachVolume', 'ec2:CreateSnapshot', 'ec2:DeleteVolume', 'ec2:DetachVolume', 'ec2:ModifyVolume'];
    const covers = (statement: Statement, resource: string) => (statement.resources ?? []).some((r) => r === '*' || r.endsWith(`:${resource}/*`));
    const documents = blocksOf(emitted, 'data', 'aws_iam_policy_document');
    let checked = 0;
    for (const [name, document] of documents) {
      for (const statement of (document.statement as Statement[]).filter((st) => st.effect === 'Allow')) {
        const actions = statement.actions ?? [];
        const where = `${name} ${statement.sid}`;
        if (covers(statement, 'volume') && actions.some((a) => onVolumes.includes(a))) {
          expect(statement.condition, where).toContainEqual(csiTag('ec2:ResourceTag'));
          checked++;
        }
        if (covers(statement, 'snapshot') && actions.includes('ec2:DeleteSnapshot')) expect(statement.condition, where).toContainEqual(csiTag('ec2:ResourceTag'));
        if (covers(statement, 'volume') && actions.includes('ec2:CreateVolume')) expect(statement.condition, where).toContainEqual(csiTag('aws:RequestTag'));
        if (actions.includes('ec2:CreateTags') && !statement.condition?.some((c) => c.variable === 'ec2:CreateAction')) {
          // Tagging an etcd volume as the driver's would make it deletable.
          expect(statement.condition, where).toContainEqual({ test: 'Null', variable: 'aws:RequestTag/ebs.csi.aws.com/cluster', values: ['true'] });
        }
        if (name.startsWith('nodes_')) expect(actions.filter((a) => a.startsWith('ec2:') && !READ_ONLY.test(a)), where).toEqual([]);
      }
    }
    expect(checked).toBeGreaterThan(0);
    // The etcd volumes carry no driver tag, from the resource or the provider's default tags.
    const provider = [...emitted.parsed.values()].map((j) => (j.provider as Record<string, Json[]> | undefined)?.aws?.[0]).find((p) => p);
    const defaultTags = ((provider?.default_tags as Json[] | undefined)?.[0]?.tags ?? {}) as Json;
    expect(Object.keys(defaultTags)).not.toContain('ebs.csi.aws.com/cluster');
    for (const volume of resources(emitted, 'aws_ebs_volume').values()) expect(Object.keys(volume.tags as Json)).not.toContain('ebs.csi.aws.com/cluster');
  });

  it('lets each role read only its own bucket prefix and decrypt only through S3', () => {
    const documents = blocksOf(emitted, 'data', 'aws_iam_policy_document');
    for (const role of ['control_plane', 'nodes']) {
      const statements = documents.get(`${role}_bootstrap`)?.statement as Statement[];
      const prefix = role === 'control_plane' ? 'control-plane' : 'nodes';
      expect(statements).toEqual([
        expect.objectContaining({ actions: ['s3:GetObject'], resources: [`\${aws_s3_bucket.secrets.arn}/${prefix}/*`] }),
        expect.objectContaining({
          actions: ['kms:Decrypt'],
          resources: ['${aws_kms_key.secrets.arn}'],
          condition: [{ test: 'StringEquals', variable: 'kms:ViaService', values: [`s3.${model.region}.amazonaws.com`] }],
        }),
      ]);
    }
    const allowed = [...documents.values()]
      .flatMap((d) => d.statement as Statement[])
      .filter((st) => st.effect === 'Allow')
      .flatMap((st) => st.resources ?? []);
    const bucketResources = allowed.filter((r) => r.includes('aws_s3_bucket.secrets.arn'));
    // etcd-backups/ is write-only (test/terraform/etcd-backups.test.ts); the two token objects are the control
    // plane's to replace (test/terraform/bootstrap-token.test.ts).
    expect(bucketResources.sort()).toEqual([
      '${aws_s3_bucket.secrets.arn}/control-plane/*',
      '${aws_s3_bucket.secrets.arn}/control-plane/secrets/bootstrap-token',
      '${aws_s3_bucket.secrets.arn}/etcd-backups/*',
      '${aws_s3_bucket.secrets.arn}/nodes/*',
      '${aws_s3_bucket.secrets.arn}/nodes/secrets/bootstrap-token',
    ]);
  });
});
