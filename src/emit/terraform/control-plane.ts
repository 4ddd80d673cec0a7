import type { Construct } from 'constructs';
import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume/index.js';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { VolumeAttachment } from '@cdktf/provider-aws/lib/volume-attachment/index.js';
import { CONTROL_PLANE_TEMPLATE_VARS, controlPlaneCloudInitPath, ETCD_VOLUME_DEVICE_NAME } from '../../model/bootstrap-contract.js';
import type { ClusterModel } from '../../model/model.js';
import { memberAddresses, resourceName } from './addresses.js';
import { nameTag } from './cluster-tags.js';
import { declare } from './declare.js';
import { imageIdFor } from './image-and-ssh-key.js';
import { INSTANCE_METADATA_OPTIONS } from './instance-metadata.js';
import type { MachineInputs } from './machine-inputs.js';
import { renderedUserData } from './module-path.js';

/**
 * Per member: an instance with the member's fixed address, and its own encrypted etcd volume and attachment.
 * The volume outlives the instance, so replacing a machine keeps the member's data, and the fixed address keeps
 * its identity. Each instance depends only on its own member's inputs.
 */
export function buildControlPlane(scope: Construct, model: ClusterModel, inputs: MachineInputs): Map<string, Instance> {
  const cp = model.controlPlane;
  const instances = new Map<string, Instance>();
  for (const member of cp.members) {
    const names = memberAddresses(member);
    const subnet = inputs.network.machineSubnets.get(member.zone);
    if (!subnet) throw new Error(`BUG: no subnet for zone ${member.zone}`);
    const volume = declare(scope, EbsVolume, resourceName(names.etcdVolume), {
      availabilityZone: member.zone,
      size: cp.etcdVolumeSize,
      type: 'gp3',
      encrypted: true,
      tags: nameTag(model, `etcd-${member.name}`),
    });
    const instance = declare(scope, Instance, resourceName(names.instance), {
      ami: imageIdFor(inputs.image, cp.architecture),
      instanceType: cp.instanceType,
      subnetId: subnet.id,
      privateIp: member.privateIp,
      vpcSecurityGroupIds: [inputs.groups['control-plane'].id],
      iamInstanceProfile: inputs.identity.profile.name,
      ...(inputs.image.keyName ? { keyName: inputs.image.keyName } : {}),
      userDataBase64: renderedUserData(controlPlaneCloudInitPath(member), {
        [CONTROL_PLANE_TEMPLATE_VARS.bucket]: inputs.bucketName,
        [CONTROL_PLANE_TEMPLATE_VARS.apiEndpoint]: inputs.apiEndpoint,
        [CONTROL_PLANE_TEMPLATE_VARS.etcdVolumeId]: volume.id,
      }),
      userDataReplaceOnChange: true,
      metadataOptions: { ...INSTANCE_METADATA_OPTIONS },
      rootBlockDevice: { volumeType: 'gp3', volumeSize: cp.rootVolumeSize, encrypted: true, deleteOnTermination: true },
      disableApiTermination: cp.terminationProtection,
      // Termination protection guards members against termination outside Terraform (console, CLI, scripts).
      // Since AWS provider 6.x it also makes Terraform refuse to terminate the instance, and a replacement first
      // destroys the member's volume and target attachments (stopping the machine, detaching its etcd disk) before
      // that refusal fails the apply. Replacements Terraform plans are reviewed and staged instead (docs/ha.md).
      forceDestroy: true,
      maintenanceOptions: { autoRecovery: 'default' },
      // kubenet routes pod addresses to the machine itself, which EC2 drops unless the check is off.
      ...(model.network.cni === 'kubenet' ? { sourceDestCheck: false } : {}),
      tags: nameTag(model, member.name),
      // A new SSH key is a new key pair name, which the provider can only apply by replacing the instance: every
      // member at once. Running members keep the key they booted with; a member replaced for another reason
      // boots with the current one (docs/terraform.md).
      lifecycle: { ignoreChanges: ['key_name'] },
    });
    declare(scope, VolumeAttachment, resourceName(names.etcdVolumeAttachment), {
      deviceName: ETCD_VOLUME_DEVICE_NAME,
      volumeId: volume.id,
      instanceId: instance.id,
      // Stop the machine before detaching, so etcd never loses its disk while running.
      stopInstanceBeforeDetaching: true,
    });
    instances.set(member.name, instance);
  }
  return instances;
}
