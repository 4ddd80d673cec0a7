import type { Construct } from 'constructs';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object/index.js';
import type { BucketObject } from '../../model/bucket-layout.js';
import type { ClusterModel } from '../../model/model.js';
import { bucketObjectAddress, resourceName } from './addresses.js';
import { sourceHashReference } from './bucket-object-hashes.js';
import { nameTag } from './cluster-tags.js';
import { declare } from './declare.js';
import { modulePath } from './module-path.js';

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
      {
        sid: 'DenyInsecureTransport',
        effect: 'Deny',
        principals: [{ type: '*', identifiers: ['*'] }],
        actions: ['s3:*'],
        resources: [bucket.arn, `${bucket.arn}/*`],
        condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
      },
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
    });
  }
  return { bucket, key };
}
