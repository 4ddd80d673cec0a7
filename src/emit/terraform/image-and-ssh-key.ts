import type { Construct } from 'constructs';
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami/index.js';
import { KeyPair } from '@cdktf/provider-aws/lib/key-pair/index.js';
import { terraformId, type ClusterModel } from '../../model/model.js';
import { nameTag } from './cluster-tags.js';
import { declare } from './declare.js';
import { terraformLiteral } from './terraform-escape.js';

export interface MachineImage {
  imageId: string;
  /** Name of the EC2 key pair, when the spec has an SSH public key. */
  keyName?: string;
}

/** Canonical's account, which publishes the official Ubuntu images. */
const CANONICAL_OWNER_ID = '099720109477';

/** ubuntu_noble_24_04_amd64_server_20251022 for ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251022. */
export function imageDataSourceName(imageName: string): string {
  return terraformId(imageName.slice(imageName.lastIndexOf('/') + 1));
}

/**
 * The machine image and the SSH key pair. The image is always pinned: the spec's AMI id, or one exact Canonical
 * image name (the spec's, or hakube's pinned default) looked up in the region. A lookup by exact name and owner
 * finds the same image on every plan, so no apply moves machines to a newer image unless the spec changed.
 */
export function buildImageAndSshKey(scope: Construct, model: ClusterModel): MachineImage {
  let imageId: string;
  if (model.image.ami) {
    imageId = model.image.ami;
  } else {
    if (!model.image.name) throw new Error('BUG: the spec resolved to neither an image name nor an AMI id');
    // Named for the image, so a new image is a new reference in every machine's configuration: the plan (and the
    // one-member-per-apply rollout) sees which machines move to it, and members still waiting keep the old one.
    const ubuntu = declare(scope, DataAwsAmi, imageDataSourceName(model.image.name), {
      owners: [CANONICAL_OWNER_ID],
      // Canonical deprecates an image about two years after release; the pinned one must still be found then, or
      // every plan of a running cluster fails until the spec names a newer image.
      includeDeprecated: true,
      filter: [
        { name: 'name', values: [model.image.name] },
        { name: 'architecture', values: ['x86_64'] },
        { name: 'virtualization-type', values: ['hvm'] },
        { name: 'root-device-type', values: ['ebs'] },
      ],
    });
    imageId = ubuntu.id;
  }
  const image: MachineImage = { imageId };
  if (model.ssh.publicKey) {
    const key = declare(scope, KeyPair, 'cluster', {
      keyNamePrefix: `${model.slug}-`,
      // The key's comment is free text.
      publicKey: terraformLiteral(model.ssh.publicKey),
      tags: nameTag(model, 'ssh'),
    });
    image.keyName = key.keyName;
  }
  return image;
}
