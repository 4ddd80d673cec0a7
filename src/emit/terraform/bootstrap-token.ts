import type { DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { ROTATED_BOOTSTRAP_TOKEN_KEYS } from '../../model/bootstrap-token.js';
import type { ClusterModel } from '../../model/model.js';
import type { PolicyTargets } from './iam-policies.js';

/**
 * The control plane's right to publish a rotated bootstrap token: put exactly the two token objects, encrypting
 * through S3. Workers keep reading nodes/ (their bootstrap policy); nothing else under nodes/ becomes writable.
 */
export function bootstrapTokenPublishStatements(model: ClusterModel, t: PolicyTargets): DataAwsIamPolicyDocumentStatement[] {
  return [
    {
      sid: 'PublishBootstrapToken',
      effect: 'Allow',
      actions: ['s3:PutObject'],
      resources: ROTATED_BOOTSTRAP_TOKEN_KEYS.map((key) => `${t.bucketArn}/${key}`),
    },
    {
      sid: 'EncryptBootstrapTokenThroughS3',
      effect: 'Allow',
      actions: ['kms:GenerateDataKey'],
      resources: [t.keyArn],
      condition: [{ test: 'StringEquals', variable: 'kms:ViaService', values: [`s3.${model.region}.amazonaws.com`] }],
    },
  ];
}
