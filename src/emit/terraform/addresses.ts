import type { BucketObject } from '../../model/bucket-layout.js';
import { terraformId, type ControlPlaneMember } from '../../model/model.js';

/**
 * Terraform addresses (`type.name`) of what hakube declares, derived from the model alone. The builders name
 * their resources with these, and what reads Terraform back (the rollout, plan-check) finds members, volumes and
 * bucket objects through them rather than by guessing at names. No cdktf here: readers need not load it.
 */
export interface MemberAddresses {
  instance: string;
  etcdVolume: string;
  etcdVolumeAttachment: string;
  apiTargetAttachment: string;
}

export function memberAddresses(member: Pick<ControlPlaneMember, 'name'>): MemberAddresses {
  const id = terraformId(member.name);
  return {
    instance: `aws_instance.${id}`,
    etcdVolume: `aws_ebs_volume.etcd_${id}`,
    etcdVolumeAttachment: `aws_volume_attachment.etcd_${id}`,
    apiTargetAttachment: `aws_lb_target_group_attachment.api_${id}`,
  };
}

export function bucketObjectAddress(object: Pick<BucketObject, 'key'>): string {
  return `aws_s3_object.${terraformId(object.key)}`;
}

export const SECRETS_BUCKET_ADDRESS = 'aws_s3_bucket.secrets';
export const SECRETS_KMS_KEY_ADDRESS = 'aws_kms_key.secrets';

/** The name part of an address: what `declare()` takes as the logical id. */
export function resourceName(address: string): string {
  return address.slice(address.indexOf('.') + 1);
}
