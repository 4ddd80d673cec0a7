import { describe, expect, it } from 'vitest';
import { validateText } from '../../src/spec/validate.js';
import { BASE_SPEC, withLine } from '../helpers/spec-text.js';
import { EXAMPLES, blocksOf, emitFile, emitModel, resources, type Json } from './synthesized.js';

interface Statement {
  sid?: string;
  actions?: string[];
  resources?: string[];
}

function policyStatements(emitted: ReturnType<typeof emitFile>, id: string): Statement[] {
  const documents = blocksOf(emitted, 'data', 'aws_iam_policy_document');
  const document = documents.get(id);
  if (!document) throw new Error(`no policy document ${id} (have ${[...documents.keys()].join(', ')})`);
  return document.statement as Statement[];
}

describe.each(EXAMPLES)('etcd backups in %s', (example) => {
  const emitted = emitFile(example);

  it('lets the control plane put objects under etcd-backups/ and nothing more there', () => {
    const statements = policyStatements(emitted, 'control_plane_etcd_backups');
    const s3 = statements.filter((s) => s.actions?.some((a) => a.startsWith('s3:')));
    expect(s3).toEqual([{ sid: 'WriteEtcdSnapshots', effect: 'Allow', actions: ['s3:AbortMultipartUpload', 's3:PutObject'], resources: ['${aws_s3_bucket.secrets.arn}/etcd-backups/*'] }]);
    // No role may read or delete a snapshot: every read grant is scoped to the role's own bootstrap prefix.
    for (const [id, document] of blocksOf(emitted, 'data', 'aws_iam_policy_document')) {
      for (const statement of (document.statement as Statement[]) ?? []) {
        const touchesBackups = (statement.resources ?? []).some((r) => r.includes('etcd-backups') || r === '${aws_s3_bucket.secrets.arn}/*');
        const readsOrDeletes = (statement.actions ?? []).some((a) => /^s3:(Get|Delete|List|\*)/.test(a));
        if (statement.sid !== 'DenyInsecureTransport') expect(touchesBackups && readsOrDeletes, `${id} ${statement.sid}`).toBe(false);
      }
    }
  });

  it('expires snapshots after the spec retention (default 7 days)', () => {
    const lifecycle = resources(emitted, 'aws_s3_bucket_lifecycle_configuration');
    expect([...lifecycle.keys()]).toEqual(['secrets']);
    const rules = lifecycle.get('secrets')!.rule as Json[];
    expect(rules.filter((r) => r.id === 'expire-etcd-snapshots')).toEqual([
      {
        id: 'expire-etcd-snapshots',
        status: 'Enabled',
        filter: [{ prefix: 'etcd-backups/' }],
        expiration: [{ days: 7 }],
        noncurrent_version_expiration: [{ noncurrent_days: 1 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 1 }],
      },
    ]);
  });
});

it('takes the retention from controlPlane.etcdBackups.retentionDays', () => {
  const spec = withLine('    count: 3\n', '    count: 3\n    etcdBackups:\n      intervalMinutes: 15\n      retentionDays: 30\n', BASE_SPEC);
  const emitted = emitModel(validateText(spec, 'spec.yaml').model);
  const rules = resources(emitted, 'aws_s3_bucket_lifecycle_configuration').get('secrets')!.rule as Json[];
  expect(rules.find((r) => r.id === 'expire-etcd-snapshots')!.expiration).toEqual([{ days: 30 }]);
});
