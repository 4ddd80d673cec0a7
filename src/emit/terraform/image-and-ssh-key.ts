import type { Construct } from 'constructs';
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami/index.js';
import { KeyPair } from '@cdktf/provider-aws/lib/key-pair/index.js';
import { machineArchitectures, terraformId, type ClusterModel } from '../../model/model.js';
import type { Architecture } from '../../spec/instance-architecture.js';
import { imageNameFor } from '../../spec/pinned-images.js';
import { keyPairAddress, resourceName, UNNAMED_KEY_PAIR_ADDRESS } from './addresses.js';
import { nameTag } from './cluster-tags.js';
import { declare } from './declare.js';
import { originalSpecText } from './terraform-escape.js';

export interface MachineImage {
  /** The image of each architecture the cluster's machines have. */
  imageIds: Partial<Record<Architecture, string>>;
  /** Name of the EC2 key pair, when the spec has an SSH public key. */
  keyName?: string;
}

/** Canonical's account, which publishes the official Ubuntu images. */
const CANONICAL_OWNER_ID = '099720109477';

/** EC2's name of each architecture (the images' `architecture` attribute). */
const EC2_ARCHITECTURE: Record<Architecture, string> = { amd64: 'x86_64', arm64: 'arm64' };

/** The image for machines of `architecture`. */
export function imageIdFor(image: MachineImage, architecture: Architecture): string {
  const id = image.imageIds[architecture];
  if (!id) throw new Error(`BUG: no ${architecture} image was declared`);
  return id;
}

/** ubuntu_noble_24_04_amd64_server_20251022 for ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251022. */
export function imageDataSourceName(imageName: string): string {
  return terraformId(imageName.slice(imageName.lastIndexOf('/') + 1));
}

/**
 * The machine images and the SSH key pair. Images are always pinned: the spec's AMI id, or per architecture of the
 * cluster's machines one exact Canonical image name (from the spec's, or hakube's pinned default) looked up in the region. A lookup by exact name and owner
 * finds the same image on every plan, so no apply moves machines to a newer image unless the spec changed.
 */
export function buildImageAndSshKey(scope: Construct, model: ClusterModel): MachineImage {
  const imageIds: MachineImage['imageIds'] = {};
  for (const architecture of machineArchitectures(model)) {
    // One AMI serves one architecture; the rules refuse image.ami for a cluster of both (HK291).
    imageIds[architecture] = model.image.ami ?? canonicalImage(scope, model, architecture);
  }
  const image: MachineImage = { imageIds };
  if (model.ssh.publicKey) {
    // Named for the key as the user wrote it, so a comment with `${` keeps the address hakube gave it before.
    const key = declare(scope, KeyPair, resourceName(keyPairAddress(originalSpecText(model.ssh.publicKey))), {
      keyNamePrefix: `${model.slug}-`,
      publicKey: model.ssh.publicKey,
      tags: nameTag(model, 'ssh'),
    });
    // A cluster generated before keeps its key pair: Terraform moves it in state, nothing is replaced.
    key.moveFromId(UNNAMED_KEY_PAIR_ADDRESS);
    image.keyName = key.keyName;
  }
  return image;
}

/** Canonical's image of `architecture` for the spec's image name, looked up by exact name: its id. */
function canonicalImage(scope: Construct, model: ClusterModel, architecture: Architecture): string {
  if (!model.image.name) throw new Error('BUG: the spec resolved to neither an image name nor an AMI id');
  const name = imageNameFor(model.image.name, architecture);
  // Named for the image, so a new image is a new reference in every machine's configuration: the plan (and the
  // one-member-per-apply rollout) sees which machines move to it, and members still waiting keep the old one.
  const ubuntu = declare(scope, DataAwsAmi, imageDataSourceName(name), {
    owners: [CANONICAL_OWNER_ID],
    // Canonical deprecates an image about two years after release; the pinned one must still be found then, or
    // every plan of a running cluster fails until the spec names a newer image.
    includeDeprecated: true,
    filter: [
      { name: 'name', values: [name] },
      { name: 'architecture', values: [EC2_ARCHITECTURE[architecture]] },
      { name: 'virtualization-type', values: ['hvm'] },
      { name: 'root-device-type', values: ['ebs'] },
    ],
  });
  return ubuntu.id;
}
