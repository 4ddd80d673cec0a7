import type { DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import type { S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { ETCD_BACKUP_PREFIX } from '../../model/etcd-backups.js';
import type { ClusterModel } from '../../model/model.js';
import type { PolicyTargets } from './iam-policies.js';

/**
 * The control plane's right to upload etcd snapshots: put (and abort its own unfinished multipart uploads) under
 * the backup prefix, nothing else. No s3:GetObject or s3:DeleteObject, so a compromised machine can neither read
 * the cluster's history nor destroy its backups; S3 versioning keeps an overwritten key's earlier content.
 */
export function etcdBackupWriteStatements(model: ClusterModel, t: PolicyTargets): DataAwsIamPolicyDocumentStatement[] {
  return [
    {
      sid: 'WriteEtcdSnapshots',
      effect: 'Allow',
      actions: ['s3:AbortMultipartUpload', 's3:PutObject'],
      resources: [`${t.bucketArn}/${ETCD_BACKUP_PREFIX}*`],
    },
    {
      // Uploading under SSE-KMS needs a data key from the bucket's key, asked for by S3 on the machine's behalf.
      sid: 'EncryptEtcdSnapshotsThroughS3',
      effect: 'Allow',
      actions: ['kms:GenerateDataKey'],
      resources: [t.keyArn],
      condition: [{ test: 'StringEquals', variable: 'kms:ViaService', values: [`s3.${model.region}.amazonaws.com`] }],
    },
  ];
}

/**
 * Retention of etcd snapshots: the current version expires after `retentionDays`; in a versioned bucket that
 * leaves a delete marker, and the version it hides is removed one day later. Unfinished uploads go after a day.
 * S3 allows one lifecycle configuration per bucket: these rules go into the secrets bucket's one (secrets-bucket.ts).
 */
export function etcdBackupLifecycleRules(model: ClusterModel): S3BucketLifecycleConfigurationRule[] {
  return [
    {
      id: 'expire-etcd-snapshots',
      status: 'Enabled',
      filter: [{ prefix: ETCD_BACKUP_PREFIX }],
      expiration: [{ days: model.controlPlane.etcdBackups.retentionDays }],
      noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
    },
  ];
}
