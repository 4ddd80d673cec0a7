import type { Construct } from 'constructs';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { KmsKeyPolicy } from '@cdktf/provider-aws/lib/kms-key-policy/index.js';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketLifecycleConfiguration, type S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object/index.js';
import { isRotatedBootstrapToken } from '../../model/bootstrap-token.js';
import type { BucketObject } from '../../model/bucket-layout.js';
import type { ClusterModel } from '../../model/model.js';
import { bucketObjectAddress, resourceName } from './addresses.js';
import { sourceHashReference } from './bucket-object-hashes.js';
import { nameTag } from './cluster-tags.js';
import { declare } from './declare.js';
import { etcdBackupLifecycleRules } from './etcd-backups.js';
import { modulePath } from './module-path.js';
import { denyInsecureTransport } from './bucket-policy.js';

export interface SecretsResources {
  bucket: S3Bucket;
  key: KmsKey;
}

/** S3 allows 63 characters in a bucket name and Terraform appends a 26-character unique suffix to the prefix. */
const BUCKET_PREFIX_MAX = 37;
const BUCKET_PREFIX_SUFFIX = '-secrets-';

/** The secrets bucket's name prefix: the cluster slug, cut so the whole name fits, and what it holds. */
export function secretsBucketPrefix(model: ClusterModel): string {
  const room = BUCKET_PREFIX_MAX - BUCKET_PREFIX_SUFFIX.length;
  return `${model.slug.slice(0, room).replace(/[-.]+$/, '')}${BUCKET_PREFIX_SUFFIX}`;
}

/**
 * The private, versioned, KMS-encrypted bucket that hands certificates, keys and bootstrap files to the machines,
 * and one object per BucketObject. Objects are uploaded from local files (`source`) and tracked by `source_hash`,
 * so no file content ever enters the Terraform JSON or state, and plan reads none of those files.
 */
export function buildSecretsBucket(scope: Construct, model: ClusterModel, objects: BucketObject[]): SecretsResources {
  const key = declare(scope, KmsKey, 'secrets', {
    description: `hakube secrets bucket of ${model.name}`,
    enableKeyRotation: true,
    tags: nameTag(model, 'secrets'),
  });
  declare(scope, KmsAlias, 'secrets', { name: `alias/hakube/${model.slug}/secrets`, targetKeyId: key.keyId });

  const bucket = declare(scope, S3Bucket, 'secrets', {
    bucketPrefix: secretsBucketPrefix(model),
    forceDestroy: model.terraform.forceDestroyBucket,
    tags: nameTag(model, 'secrets'),
  });
  declare(scope, S3BucketOwnershipControls, 'secrets', {
    bucket: bucket.id,
    rule: { objectOwnership: 'BucketOwnerEnforced' },
  });
  const publicAccess = declare(scope, S3BucketPublicAccessBlock, 'secrets', {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  declare(scope, S3BucketVersioningA, 'secrets', {
    bucket: bucket.id,
    versioningConfiguration: { status: 'Enabled' },
  });
  const encryption = declare(scope, S3BucketServerSideEncryptionConfigurationA, 'secrets', {
    bucket: bucket.id,
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
  });
  const tlsOnly = declare(scope, DataAwsIamPolicyDocument, 'secrets_bucket_tls_only', {
    statement: [
      denyInsecureTransport(bucket.arn),
    ],
  });
  // After the public access block: S3 rejects policy changes while it is being put in place.
  declare(scope, S3BucketPolicy, 'secrets', { bucket: bucket.id, policy: tlsOnly.json, dependsOn: [publicAccess] });

  // Each attribute read makes a new cdktf token (with a captured stack trace): read them once for all objects.
  const bucketId = bucket.id;
  const keyArn = key.arn;
  const seen = new Set<string>();
  for (const object of objects) {
    const id = resourceName(bucketObjectAddress(object));
    if (seen.has(id)) throw new Error(`BUG: two bucket objects map to the Terraform name ${id}`);
    seen.add(id);
    declare(scope, S3Object, id, {
      bucket: bucketId,
      key: object.key,
      // Read by terraform apply only; plan compares the hash hakube recorded (bucket-object-hashes.tf.json).
      source: modulePath(object.source),
      sourceHash: sourceHashReference(object.key),
      serverSideEncryption: 'aws:kms',
      kmsKeyId: keyArn,
      // Uploaded after default encryption is set, so no object is ever stored under another key.
      dependsOn: [encryption],
      // The control plane replaces the bootstrap token every few hours: Terraform uploads the first one and never
      // again, or an apply would put back a token that has long expired.
      ...(isRotatedBootstrapToken(object.key) ? { lifecycle: { ignoreChanges: 'all' as const } } : {}),
    });
  }
  return { bucket, key };
}

/**
 * The bucket is versioned, so every overwritten or deleted object (a rotated CA key, an expired bootstrap token,
 * a replaced encryption config) would stay forever as a noncurrent version. This expires those versions after
 * `terraform.secretsNoncurrentVersionDays`, and removes the delete markers left with nothing behind them; the
 * current objects, which the machines read, never expire.
 */
export function secretsVersionLifecycleRules(model: ClusterModel): S3BucketLifecycleConfigurationRule[] {
  return [
    {
      id: 'expire-noncurrent-versions',
      status: 'Enabled',
      filter: [{}],
      noncurrentVersionExpiration: [{ noncurrentDays: model.terraform.secretsNoncurrentVersionDays }],
      expiration: [{ expiredObjectDeleteMarker: true }],
    },
  ];
}

/**
 * The secrets bucket's one lifecycle configuration. S3 keeps a single configuration per bucket (a second
 * aws_s3_bucket_lifecycle_configuration would replace the first on every apply), so every rule lives here. Where
 * rules overlap (snapshots' old versions), S3 applies the earliest expiration.
 */
export function buildSecretsLifecycle(scope: Construct, model: ClusterModel, bucket: S3Bucket): void {
  declare(scope, S3BucketLifecycleConfiguration, 'secrets', {
    bucket: bucket.id,
    rule: [...etcdBackupLifecycleRules(model), ...secretsVersionLifecycleRules(model)],
  });
}

export interface KeyUsers {
  partition: string;
  controlPlaneRoleArn: string;
  nodesRoleArn: string;
}

/**
 * The secrets key's own policy, instead of KMS's default (which lets any principal of the account that an IAM
 * policy allows do anything with the key, directly). The account root administers the key, and may use it only
 * through S3 (people and Terraform uploading or reading objects, who also need an IAM grant). The machine roles
 * may only decrypt, and the control plane also make data keys for what it uploads (etcd snapshots, bootstrap
 * tokens), each only through S3 in the cluster's region: no one decrypts with the key directly.
 */
export function buildSecretsKeyPolicy(scope: Construct, model: ClusterModel, key: KmsKey, users: KeyUsers): void {
  const account = declare(scope, DataAwsCallerIdentity, 'current', {});
  const root = `arn:${users.partition}:iam::${account.accountId}:root`;
  const throughS3 = { test: 'StringEquals', variable: 'kms:ViaService', values: [`s3.${model.region}.amazonaws.com`] };
  const document = declare(scope, DataAwsIamPolicyDocument, 'secrets_key', {
    statement: [
      {
        sid: 'AccountAdministersKey',
        effect: 'Allow',
        principals: [{ type: 'AWS', identifiers: [root] }],
        actions: [
          'kms:CancelKeyDeletion',
          'kms:Create*',
          'kms:Delete*',
          'kms:Describe*',
          'kms:Disable*',
          'kms:Enable*',
          'kms:Get*',
          'kms:List*',
          'kms:Put*',
          'kms:Revoke*',
          'kms:ScheduleKeyDeletion',
          'kms:TagResource',
          'kms:UntagResource',
          'kms:Update*',
        ],
        resources: ['*'],
      },
      {
        sid: 'AccountUsesKeyThroughS3',
        effect: 'Allow',
        principals: [{ type: 'AWS', identifiers: [root] }],
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        resources: ['*'],
        condition: [throughS3, { test: 'StringEquals', variable: 'kms:CallerAccount', values: [account.accountId] }],
      },
      {
        sid: 'MachinesDecryptThroughS3',
        effect: 'Allow',
        principals: [{ type: 'AWS', identifiers: [users.controlPlaneRoleArn, users.nodesRoleArn] }],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        condition: [throughS3],
      },
      {
        sid: 'ControlPlaneEncryptsThroughS3',
        effect: 'Allow',
        principals: [{ type: 'AWS', identifiers: [users.controlPlaneRoleArn] }],
        actions: ['kms:GenerateDataKey'],
        resources: ['*'],
        condition: [throughS3],
      },
    ],
  });
  // A resource of its own rather than the key's `policy`: the roles it names are created after the key.
  declare(scope, KmsKeyPolicy, 'secrets', { keyId: key.keyId, policy: document.json });
}
