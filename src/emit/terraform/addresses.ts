import { createHash } from 'node:crypto';
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

/**
 * The cluster's SSH key pair, named for its public key: a new key is a new key pair beside the old one, so the worker
 * launch templates held back during a control-plane rollout keep the key pair they name until they are released
 * (replacing it in place would give them a new key name, and roll the workers, in the first step).
 */
export function keyPairAddress(publicKey: string): string {
  return `aws_key_pair.cluster_${createHash('sha256').update(publicKey).digest('hex').slice(0, 12)}`;
}

/** Where hakube declared the key pair before it was named for its key: moved from there on upgrade. */
export const UNNAMED_KEY_PAIR_ADDRESS = 'aws_key_pair.cluster';

export const SECRETS_BUCKET_ADDRESS = 'aws_s3_bucket.secrets';
export const SECRETS_KMS_KEY_ADDRESS = 'aws_kms_key.secrets';

/** The name part of an address: what `declare()` takes as the logical id. */
export function resourceName(address: string): string {
  return address.slice(address.indexOf('.') + 1);
}
