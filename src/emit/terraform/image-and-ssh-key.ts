import type { Construct } from 'constructs';
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami/index.js';
import { KeyPair } from '@cdktf/provider-aws/lib/key-pair/index.js';
import type { ClusterModel } from '../../model/model.js';
import { nameTag } from './cluster-tags.js';
import { declare } from './declare.js';

export interface MachineImage {
  imageId: string;
  /** True when the image is looked up at plan time, so it changes without any change to the spec. */
  lookedUp: boolean;
  /** Name of the EC2 key pair, when the spec has an SSH public key. */
  keyName?: string;
}

/** Canonical's account, which publishes the official Ubuntu images. */
const CANONICAL_OWNER_ID = '099720109477';

const UBUNTU_IMAGE_NAMES: Record<ClusterModel['image']['ubuntuRelease'], string> = {
  '22.04': 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*',
  '24.04': 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*',
};

/** The machine image (the spec's AMI or the newest Canonical Ubuntu LTS image) and the SSH key pair. */
export function buildImageAndSshKey(scope: Construct, model: ClusterModel): MachineImage {
  let imageId: string;
  if (model.image.ami) {
    imageId = model.image.ami;
  } else {
    const ubuntu = declare(scope, DataAwsAmi, 'ubuntu', {
      mostRecent: true,
      owners: [CANONICAL_OWNER_ID],
      filter: [
        { name: 'name', values: [UBUNTU_IMAGE_NAMES[model.image.ubuntuRelease]] },
        { name: 'architecture', values: ['x86_64'] },
        { name: 'virtualization-type', values: ['hvm'] },
        { name: 'root-device-type', values: ['ebs'] },
      ],
    });
    imageId = ubuntu.id;
  }
  const image: MachineImage = { imageId, lookedUp: !model.image.ami };
  if (model.ssh.publicKey) {
    const key = declare(scope, KeyPair, 'cluster', {
      keyNamePrefix: `${model.slug}-`,
      publicKey: model.ssh.publicKey,
      tags: nameTag(model, 'ssh'),
    });
    image.keyName = key.keyName;
  }
  return image;
}
