import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateText } from '../../src/spec/validate.js';
import { ROLE_NAME_MAX, serviceAccountRoleName } from '../../src/model/service-account-issuer.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { blocksOf, emitFile, emitModel, resources, type Json } from './synthesized.js';

const EXAMPLE = 'examples/private-multigroup.yaml';
const ISSUER_HOST = 'prod-eu-example-com-oidc-7f3k.s3.eu-central-1.amazonaws.com';
const DISCOVERY_BLOCK = `  serviceAccountIssuerDiscovery:
    discoveryStore: prod-eu-example-com-oidc-7f3k
    enableAWSOIDCProvider: true
`;

const emitted = emitFile(EXAMPLE);
const file = (path: string) => emitted.parsed.get(path) as Json;
const one = (type: string, name: string) => resources(emitted, type).get(name) as Json;
const policyDocument = (name: string) => blocksOf(emitted, 'data', 'aws_iam_policy_document').get(name) as { statement: Json[] };

describe('IAM roles for service accounts: the discovery bucket', () => {
  it('is created with the exact name from the spec, in its own file', () => {
    expect(one('aws_s3_bucket', 'service_account_issuer')).toMatchObject({ bucket: 'prod-eu-example-com-oidc-7f3k' });
    expect(Object.keys((file('service-account-issuer.tf.json').resource as Json).aws_s3_bucket as Json)).toEqual(['service_account_issuer']);
  });

  it('blocks ACLs and lets only the bucket policy make objects public; SSE-S3, never KMS', () => {
    expect(one('aws_s3_bucket_public_access_block', 'service_account_issuer')).toMatchObject({
      block_public_acls: true,
      ignore_public_acls: true,
      block_public_policy: false,
      restrict_public_buckets: false,
    });
    expect(one('aws_s3_bucket_ownership_controls', 'service_account_issuer')).toMatchObject({ rule: { object_ownership: 'BucketOwnerEnforced' } });
    const sse = one('aws_s3_bucket_server_side_encryption_configuration', 'service_account_issuer') as { rule: Array<{ apply_server_side_encryption_by_default: Json }> };
    expect(sse.rule[0]?.apply_server_side_encryption_by_default).toEqual({ sse_algorithm: 'AES256' });
  });

  /**
   * S3 applies "the most restrictive combination of the bucket-level and account-level settings" (S3 User Guide,
   * "Blocking public access to your Amazon S3 storage"): each setting the bucket turns off for its public policy is
   * one the account may still turn on, which hakube cannot see offline. The guide says what each does to this bucket.
   */
  it('every block the bucket relies on being off is explained at the account level in the guide', () => {
    const block = one('aws_s3_bucket_public_access_block', 'service_account_issuer');
    const reliedOn = Object.entries(block).filter(([, value]) => value === false).map(([key]) => key);
    expect(reliedOn.sort()).toEqual(['block_public_policy', 'restrict_public_buckets']);
    const guide = readFileSync(join(REPO_ROOT, 'docs/iam-roles-for-service-accounts.md'), 'utf8');
    const section = guide.slice(guide.indexOf("### The account's S3 Block Public Access"), guide.indexOf('## The API server'));
    expect(section.length).toBeGreaterThan(100);
    expect(section).toContain('aws s3control get-public-access-block');
    for (const setting of reliedOn) {
      const accountName = setting.split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
      expect(section, setting).toContain(`\`${accountName}\` on`);
    }
  });

  it('makes exactly the two discovery objects public: the only Allow to "*" names those two keys, and only s3:GetObject', () => {
    const statements = policyDocument('service_account_issuer_bucket').statement;
    const publicAllows = statements.filter((s) => s.effect === 'Allow');
    expect(publicAllows).toHaveLength(1);
    expect(publicAllows[0]).toMatchObject({
      actions: ['s3:GetObject'],
      principals: [{ type: '*', identifiers: ['*'] }],
      resources: ['${aws_s3_bucket.service_account_issuer.arn}/.well-known/openid-configuration', '${aws_s3_bucket.service_account_issuer.arn}/openid/v1/jwks'],
    });
    expect(statements.filter((s) => s.effect !== 'Allow').every((s) => s.effect === 'Deny')).toBe(true);
    expect(one('aws_s3_bucket_policy', 'service_account_issuer')).toMatchObject({
      depends_on: ['aws_s3_bucket_public_access_block.service_account_issuer'],
    });
  });

  it('is the only thing anywhere in the Terraform that allows anonymous access', () => {
    const anonymousAllows = [...blocksOf(emitted, 'data', 'aws_iam_policy_document')].flatMap(([name, doc]) =>
      ((doc as { statement: Json[] }).statement ?? [])
        .filter((s) => s.effect !== 'Deny' && JSON.stringify(s.principals ?? []).includes('"*"'))
        .map((s) => `${name}: ${JSON.stringify(s.resources)}`),
    );
    expect(anonymousAllows).toEqual([
      'service_account_issuer_bucket: ["${aws_s3_bucket.service_account_issuer.arn}/.well-known/openid-configuration","${aws_s3_bucket.service_account_issuer.arn}/openid/v1/jwks"]',
    ]);
  });

  it('holds nothing else: two objects, the generated documents, as application/json', () => {
    const objects = [...resources(emitted, 'aws_s3_object')].filter(([, o]) => o.bucket === '${aws_s3_bucket.service_account_issuer.id}');
    expect(objects.map(([, o]) => [o.key, o.source, o.content_type]).sort()).toEqual([
      ['.well-known/openid-configuration', '${path.module}/oidc/openid-configuration.json', 'application/json'],
      ['openid/v1/jwks', '${path.module}/oidc/jwks.json', 'application/json'],
    ]);
    for (const [, o] of objects) {
      expect(o).not.toHaveProperty('kms_key_id');
      // Tracked by the committed file's own hash, read at plan: no hash literal that changes with every fresh key.
      expect(o.source_hash).toBe(`\${filesha256(join("/", [path.module, "${String(o.source).replace('${path.module}/', '')}"]))}`);
    }
  });

  it('leaves the secrets bucket as it is without discovery but for the pod identity webhook, uploaded to control-plane/ only', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const without = emitModel(validateText(text.slice(0, text.indexOf(DISCOVERY_BLOCK)) + text.slice(text.indexOf('  controlPlane:\n')), EXAMPLE).model);
    const withDiscovery = structuredClone(file('secrets.tf.json')) as { resource: { aws_s3_object: Record<string, { key: string }> } };
    const objects = withDiscovery.resource.aws_s3_object;
    const webhookKeys = Object.values(objects)
      .map((o) => o.key)
      .filter((key) => key.includes('pod-identity-webhook'))
      .sort();
    expect(webhookKeys).toEqual([
      'control-plane/addons/pod-identity-webhook.yaml',
      'control-plane/pki/pod-identity-webhook/ca.crt',
      'control-plane/pki/pod-identity-webhook/serving.crt',
      'control-plane/pki/pod-identity-webhook/serving.key',
    ]);
    for (const [name, o] of Object.entries(objects)) if (o.key.includes('pod-identity-webhook')) delete objects[name];
    expect(without.parsed.get('secrets.tf.json')).toEqual(withDiscovery);
    expect(without.parsed.has('service-account-issuer.tf.json')).toBe(false);
    expect(without.parsed.get('iam.tf.json')).toEqual(file('iam.tf.json'));
  });
});

describe('IAM roles for service accounts: provider and roles', () => {
  it('creates the IAM OIDC provider for the issuer with sts.amazonaws.com as its only client, after the documents', () => {
    expect(one('aws_iam_openid_connect_provider', 'service_account_issuer')).toMatchObject({
      url: `https://${ISSUER_HOST}`,
      client_id_list: ['sts.amazonaws.com'],
      depends_on: ['aws_s3_object.service_account_issuer_openid_configuration', 'aws_s3_object.service_account_issuer_jwks'],
    });
    expect(one('aws_iam_openid_connect_provider', 'service_account_issuer')).not.toHaveProperty('thumbprint_list');
  });

  it('gives each service account a role only its own tokens for STS can assume', () => {
    const trust = policyDocument('sa_analytics__reports_exporter_trust').statement;
    expect(trust).toEqual([
      {
        effect: 'Allow',
        actions: ['sts:AssumeRoleWithWebIdentity'],
        principals: [{ type: 'Federated', identifiers: ['${aws_iam_openid_connect_provider.service_account_issuer.arn}'] }],
        condition: [
          { test: 'StringEquals', variable: `${ISSUER_HOST}:sub`, values: ['system:serviceaccount:analytics:reports-exporter'] },
          { test: 'StringEquals', variable: `${ISSUER_HOST}:aud`, values: ['sts.amazonaws.com'] },
        ],
      },
    ]);
    expect(one('aws_iam_role', 'sa_analytics__reports_exporter')).toMatchObject({
      name: 'prod-eu-example-com-sa-analytics-reports-exporter',
      assume_role_policy: '${data.aws_iam_policy_document.sa_analytics__reports_exporter_trust.json}',
    });
  });

  it('attaches the managed policies and puts the inline policy as written', () => {
    const attachments = [...resources(emitted, 'aws_iam_role_policy_attachment').values()];
    expect(attachments).toEqual([{ role: '${aws_iam_role.sa_analytics__reports_exporter.name}', policy_arn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }]);
    const inline = one('aws_iam_role_policy', 'sa_orders__queue_worker_inline') as { role: string; policy: string };
    expect(inline.role).toBe('${aws_iam_role.sa_orders__queue_worker.id}');
    expect(JSON.parse(inline.policy).Statement[0].Action).toEqual(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']);
  });

  it('outputs the issuer, the provider and each role by namespace/name', () => {
    const outputs = file('outputs.tf.json').output as Record<string, { value: unknown }>;
    expect(outputs.service_account_issuer?.value).toBe(`https://${ISSUER_HOST}`);
    expect(outputs.oidc_provider_arn?.value).toBe('${aws_iam_openid_connect_provider.service_account_issuer.arn}');
    expect(outputs.service_account_role_arns?.value).toEqual({
      'analytics/reports-exporter': '${aws_iam_role.sa_analytics__reports_exporter.arn}',
      'orders/queue-worker': '${aws_iam_role.sa_orders__queue_worker.arn}',
    });
  });

  it('with enableAWSOIDCProvider false and no permissions, publishes the issuer only', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const edited = text.slice(0, text.indexOf('  iam:\n')).replace('enableAWSOIDCProvider: true', 'enableAWSOIDCProvider: false') + text.slice(text.indexOf('  controlPlane:\n'));
    const issuerOnly = emitModel(validateText(edited, EXAMPLE).model);
    expect(resources(issuerOnly, 'aws_s3_bucket').has('service_account_issuer')).toBe(true);
    expect(resources(issuerOnly, 'aws_iam_openid_connect_provider').size).toBe(0);
    expect(resources(issuerOnly, 'aws_iam_role_policy_attachment').size).toBe(0);
    const outputs = issuerOnly.parsed.get('outputs.tf.json')?.output as Record<string, unknown>;
    expect(Object.keys(outputs)).toContain('service_account_issuer');
    expect(Object.keys(outputs)).not.toContain('service_account_role_arns');
  });
});

describe('service-account role names', () => {
  it('are readable when they fit and hashed to at most 64 characters, distinct, when not', () => {
    expect(serviceAccountRoleName('prod-eu-example-com', 'orders', 'queue-worker')).toBe('prod-eu-example-com-sa-orders-queue-worker');
    const long = 'a-very-long-service-account-name-that-goes-on-and-on';
    const a = serviceAccountRoleName('prod-eu-example-com', 'team-payments', long);
    const b = serviceAccountRoleName('prod-eu-example-com', 'team-payments', `${long}-2`);
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(ROLE_NAME_MAX);
      expect(name).toMatch(/^prod-eu-example-com-sa-team-payments-a-very-long.*-[0-9a-f]{10}$/);
      expect(name).toMatch(/^[\w+=,.@-]+$/);
    }
    expect(a).not.toBe(b);
  });
});
