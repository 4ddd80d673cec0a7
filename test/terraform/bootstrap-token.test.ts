import { describe, expect, it } from 'vitest';
import { blocksOf, EXAMPLES, emitFile, resources, type Json } from './synthesized.js';

interface Statement {
  sid?: string;
  actions?: string[];
  resources?: string[];
}

describe.each(EXAMPLES)('bootstrap token rotation in %s', (example) => {
  const emitted = emitFile(example);

  it('uploads the first token once and then leaves both token objects to the control plane', () => {
    const objects = resources(emitted, 'aws_s3_object');
    const rotated = [...objects].filter(([, o]) => (o.lifecycle as Json | undefined)?.ignore_changes === 'all').map(([, o]) => o.key);
    expect(rotated.sort()).toEqual(['control-plane/secrets/bootstrap-token', 'nodes/secrets/bootstrap-token']);
    // Every other object follows the folder on each apply.
    expect([...objects.values()].filter((o) => o.lifecycle === undefined).length).toBe(objects.size - 2);
  });

  it('lets the control plane put exactly the two token objects, encrypting through S3; the nodes role writes nothing', () => {
    const documents = blocksOf(emitted, 'data', 'aws_iam_policy_document');
    const statements = documents.get('control_plane_bootstrap_token')!.statement as Statement[];
    expect(statements.map((s) => [s.sid, s.actions, s.resources])).toEqual([
      ['PublishBootstrapToken', ['s3:PutObject'], ['${aws_s3_bucket.secrets.arn}/control-plane/secrets/bootstrap-token', '${aws_s3_bucket.secrets.arn}/nodes/secrets/bootstrap-token']],
      ['EncryptBootstrapTokenThroughS3', ['kms:GenerateDataKey'], ['${aws_kms_key.secrets.arn}']],
    ]);
    for (const [id, document] of documents) {
      if (!id.startsWith('nodes_')) continue;
      for (const statement of document.statement as Statement[]) expect(statement.actions?.some((a) => /^s3:(Put|Delete)/.test(a)), `${id} ${statement.sid}`).toBe(false);
    }
  });
});
