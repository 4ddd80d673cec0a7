import type { Construct } from 'constructs';
import { LocalBackend, S3Backend, type TerraformStack } from 'cdktf';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import type { ClusterModel } from '../../model/model.js';
import { clusterTags } from './cluster-tags.js';
import { declare } from './declare.js';

/** S3 native state locking (`use_lockfile`) arrived in Terraform 1.10. */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.10.0';

/** The terraform block (version, provider, backend), the aws provider, and the partition every ARN is built in. */
export function buildTerraformSettings(stack: TerraformStack, scope: Construct, model: ClusterModel): { partition: string } {
  stack.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);
  stack.addOverride('terraform.required_providers.aws', { source: 'hashicorp/aws', version: model.terraform.awsProviderVersion });
  new AwsProvider(scope, 'aws', { region: model.region, defaultTags: [{ tags: clusterTags(model) }] });
  const backend = model.terraform.backend;
  if (backend.type === 's3') {
    const s3 = new S3Backend(scope, { bucket: backend.bucket, key: backend.key, region: backend.region, encrypt: true });
    // S3 native locking; cdktf 0.21's typed backend config predates the option.
    s3.addOverride('use_lockfile', true);
  } else {
    new LocalBackend(scope, { path: backend.path ?? 'terraform.tfstate' });
  }
  const partition = declare(scope, DataAwsPartition, 'current', {});
  return { partition: partition.partition };
}
