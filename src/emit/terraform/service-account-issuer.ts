import type { Construct } from 'constructs';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object/index.js';
import type { ClusterModel } from '../../model/model.js';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH, STS_AUDIENCE, serviceAccountSubject } from '../../model/service-account-issuer.js';
import { JWKS_FILE, OPENID_CONFIGURATION_FILE } from '../oidc/discovery-documents.js';
import { terraformId } from '../../model/model.js';
import { nameTag } from './cluster-tags.js';
import { declare } from './declare.js';
import { moduleFileSha256, modulePath } from './module-path.js';
import { denyInsecureTransport } from './bucket-policy.js';

export interface ServiceAccountIssuerResources {
  issuerUrl: string;
  bucket: S3Bucket;
  provider?: IamOpenidConnectProvider;
  /** Role of each service account, by "namespace/name". */
  roles: Map<string, IamRole>;
}

/** Each published object: its key in the discovery bucket and the generated file it is uploaded from. */
const PUBLISHED: Array<{ id: string; key: string; source: string }> = [
  { id: 'openid_configuration', key: OPENID_CONFIGURATION_PATH, source: OPENID_CONFIGURATION_FILE },
  { id: 'jwks', key: JWKS_PATH, source: JWKS_FILE },
];

/**
 * IAM roles for service accounts: the discovery bucket with its two public objects, the IAM OIDC provider that
 * trusts the issuer, and one role per iam.serviceAccountExternalPermissions entry. Nothing when the spec has no
 * serviceAccountIssuerDiscovery.
 */
export function buildServiceAccountIssuer(scope: Construct, model: ClusterModel): ServiceAccountIssuerResources | undefined {
  const issuer = model.serviceAccountIssuer;
  if (!issuer) return undefined;
  // The exact name from the spec (not a prefix): the issuer URL is in every API server's flags before apply.
  const bucket = declare(scope, S3Bucket, 'service_account_issuer', {
    bucket: issuer.bucket,
    forceDestroy: model.terraform.forceDestroyBucket,
    tags: nameTag(model, 'service-account-issuer'),
  });
  declare(scope, S3BucketOwnershipControls, 'service_account_issuer', { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
  // ACLs can never make anything public; only the bucket policy below may, and it names two keys.
  const publicAccess = declare(scope, S3BucketPublicAccessBlock, 'service_account_issuer', {
    bucket: bucket.id,
    blockPublicAcls: true,
    ignorePublicAcls: true,
    blockPublicPolicy: false,
    restrictPublicBuckets: false,
  });
  // SSE-S3, not KMS: anonymous readers (STS) cannot be granted use of a KMS key.
  const encryption = declare(scope, S3BucketServerSideEncryptionConfigurationA, 'service_account_issuer', {
    bucket: bucket.id,
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
  });
  const bucketArn = bucket.arn;
  const policy = declare(scope, DataAwsIamPolicyDocument, 'service_account_issuer_bucket', {
    statement: [
      {
        sid: 'PublicReadOfDiscoveryDocuments',
        effect: 'Allow',
        principals: [{ type: '*', identifiers: ['*'] }],
        actions: ['s3:GetObject'],
        resources: PUBLISHED.map((p) => `${bucketArn}/${p.key}`),
      },
      denyInsecureTransport(bucketArn),
    ],
  });
  // After the public access block: S3 refuses a public policy while the block is still being relaxed.
  declare(scope, S3BucketPolicy, 'service_account_issuer', { bucket: bucket.id, policy: policy.json, dependsOn: [publicAccess] });
  const objects = PUBLISHED.map((p) =>
    declare(scope, S3Object, `service_account_issuer_${p.id}`, {
      bucket: bucket.id,
      key: p.key,
      source: modulePath(p.source),
      // Committed and public, unlike the files under pki/: plan may read it.
      sourceHash: moduleFileSha256(p.source),
      contentType: 'application/json',
      dependsOn: [encryption],
    }),
  );

  const roles = new Map<string, IamRole>();
  if (!issuer.enableAWSOIDCProvider) return { issuerUrl: issuer.url, bucket, roles };
  // No thumbprint_list (optional since AWS provider 5.81): IAM verifies S3's certificate with its trusted CAs.
  // Created after the documents, which IAM may fetch when the provider is made.
  const provider = declare(scope, IamOpenidConnectProvider, 'service_account_issuer', {
    url: issuer.url,
    clientIdList: [STS_AUDIENCE],
    tags: nameTag(model, 'service-account-issuer'),
    dependsOn: objects,
  });
  const issuerHostPath = issuer.url.replace(/^https:\/\//, '');
  const providerArn = provider.arn;
  for (const sa of model.serviceAccountRoles) {
    const trust = declare(scope, DataAwsIamPolicyDocument, `${sa.id}_trust`, {
      statement: [
        {
          effect: 'Allow',
          principals: [{ type: 'Federated', identifiers: [providerArn] }],
          actions: ['sts:AssumeRoleWithWebIdentity'],
          condition: [
            { test: 'StringEquals', variable: `${issuerHostPath}:sub`, values: [serviceAccountSubject(sa.namespace, sa.name)] },
            { test: 'StringEquals', variable: `${issuerHostPath}:aud`, values: [STS_AUDIENCE] },
          ],
        },
      ],
    });
    const role = declare(scope, IamRole, sa.id, {
      name: sa.roleName,
      description: `hakube service account ${sa.namespace}/${sa.name} of ${model.name}`,
      assumeRolePolicy: trust.json,
      tags: nameTag(model, `sa-${sa.namespace}-${sa.name}`),
    });
    for (const arn of sa.policyARNs) {
      declare(scope, IamRolePolicyAttachment, `${sa.id}_${terraformId(arn)}`, { role: role.name, policyArn: arn });
    }
    if (sa.inlinePolicy !== undefined) {
      declare(scope, IamRolePolicy, `${sa.id}_inline`, { name: 'inline', role: role.id, policy: sa.inlinePolicy });
    }
    roles.set(`${sa.namespace}/${sa.name}`, role);
  }
  return { issuerUrl: issuer.url, bucket, provider, roles };
}
