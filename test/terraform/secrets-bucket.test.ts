import { describe, expect, it } from 'vitest';
import { validateText } from '../../src/spec/validate.js';
import { BASE_SPEC, issuesOf, only } from '../helpers/spec-text.js';
import { EXAMPLES, blocksOf, emitFile, emitModel, resources, type Json } from './synthesized.js';

interface Statement {
  sid: string;
  effect: string;
  principals?: Array<{ type: string; identifiers: string[] }>;
  actions: string[];
  resources: string[];
  condition?: Array<{ test: string; variable: string; values: string[] }>;
}

const withTerraform = (lines: string) => `${BASE_SPEC}  terraform:\n${lines}`;

describe.each(EXAMPLES)('secrets bucket of %s', (example) => {
  const emitted = emitFile(example);

  it('has one lifecycle configuration holding the snapshot rule and the noncurrent-version rule (default 30 days)', () => {
    const lifecycle = resources(emitted, 'aws_s3_bucket_lifecycle_configuration');
    expect([...lifecycle.keys()]).toEqual(['secrets']);
    expect(lifecycle.get('secrets')!.bucket).toBe('${aws_s3_bucket.secrets.id}');
    const rules = lifecycle.get('secrets')!.rule as Json[];
    expect(rules.map((r) => r.id)).toEqual(['expire-etcd-snapshots', 'expire-noncurrent-versions']);
    expect(rules[1]).toEqual({
      id: 'expire-noncurrent-versions',
      status: 'Enabled',
      filter: [{}],
      noncurrent_version_expiration: [{ noncurrent_days: 30 }],
      expiration: [{ expired_object_delete_marker: true }],
    });
  });

  it('gives the KMS key an explicit policy: the account administers and uses it only through S3, the roles decrypt through S3', () => {
    const policies = resources(emitted, 'aws_kms_key_policy');
    expect([...policies.keys()]).toEqual(['secrets']);
    expect(policies.get('secrets')).toEqual({ key_id: '${aws_kms_key.secrets.key_id}', policy: '${data.aws_iam_policy_document.secrets_key.json}' });
    const statements = blocksOf(emitted, 'data', 'aws_iam_policy_document').get('secrets_key')!.statement as Statement[];
    const bySid = new Map(statements.map((s) => [s.sid, s]));
    expect([...bySid.keys()]).toEqual(['AccountAdministersKey', 'AccountUsesKeyThroughS3', 'MachinesDecryptThroughS3', 'ControlPlaneEncryptsThroughS3']);
    const root = 'arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root';
    const throughS3 = { test: 'StringEquals', variable: 'kms:ViaService', values: [`s3.${emitted.model.region}.amazonaws.com`] };
    // Administration never includes using the key; every use is conditioned on S3 doing it.
    const administers = bySid.get('AccountAdministersKey')!;
    expect(administers.principals).toEqual([{ type: 'AWS', identifiers: [root] }]);
    for (const action of administers.actions) expect(action).not.toMatch(/Decrypt|Encrypt|GenerateDataKey|^kms:\*$/);
    for (const sid of ['AccountUsesKeyThroughS3', 'MachinesDecryptThroughS3', 'ControlPlaneEncryptsThroughS3']) {
      expect(bySid.get(sid)!.condition).toContainEqual(throughS3);
    }
    expect(bySid.get('MachinesDecryptThroughS3')).toMatchObject({
      principals: [{ type: 'AWS', identifiers: ['${aws_iam_role.control_plane.arn}', '${aws_iam_role.nodes.arn}'] }],
      actions: ['kms:Decrypt'],
    });
    expect(bySid.get('ControlPlaneEncryptsThroughS3')).toMatchObject({
      principals: [{ type: 'AWS', identifiers: ['${aws_iam_role.control_plane.arn}'] }],
      actions: ['kms:GenerateDataKey'],
    });
    expect(statements.every((s) => s.effect === 'Allow' && s.principals!.every((p) => p.type === 'AWS'))).toBe(true);
  });
});

it('takes the noncurrent-version days from terraform.secretsNoncurrentVersionDays, minimum 1', () => {
  const emitted = emitModel(validateText(withTerraform('    secretsNoncurrentVersionDays: 7\n'), 'spec.yaml').model);
  const rules = resources(emitted, 'aws_s3_bucket_lifecycle_configuration').get('secrets')!.rule as Json[];
  expect(rules.find((r) => r.id === 'expire-noncurrent-versions')!.noncurrent_version_expiration).toEqual([{ noncurrent_days: 7 }]);
  const zero = issuesOf(withTerraform('    secretsNoncurrentVersionDays: 0\n')).filter((i) => i.severity === 'error');
  expect(zero.map((i) => i.pointer)).toEqual(['/spec/terraform/secretsNoncurrentVersionDays']);
  expect(only(zero, zero[0]!.code)[0]!.position?.line).toBe(withTerraform('    secretsNoncurrentVersionDays: 0\n').split('\n').length - 1);
});
