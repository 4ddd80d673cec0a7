import type { Construct } from 'constructs';
import { Token } from 'cdktf';
import { AutoscalingGroup, type AutoscalingGroupConfig, type AutoscalingGroupTag } from '@cdktf/provider-aws/lib/autoscaling-group/index.js';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { NODE_TEMPLATE_VARS, instanceGroupCloudInitPath } from '../../model/bootstrap-contract.js';
import type { ClusterModel, InstanceGroupModel } from '../../model/model.js';
import { clusterTags, nameTag } from './cluster-tags.js';
import { declare } from './declare.js';
import { imageIdFor } from './image-and-ssh-key.js';
import { INSTANCE_METADATA_OPTIONS } from './instance-metadata.js';
import type { MachineInputs } from './machine-inputs.js';
import { renderedUserData } from './module-path.js';

/** Root device of Canonical's Ubuntu images. */
const UBUNTU_ROOT_DEVICE = '/dev/sda1';

/**
 * Per instance group: a launch template and an auto-scaling group over the group's zones. The group has no
 * desired_capacity, so the cluster-autoscaler can change it without Terraform drift; a new template version
 * rolls the group through an instance refresh.
 */
export function buildWorkers(scope: Construct, model: ClusterModel, inputs: MachineInputs): Map<string, AutoscalingGroup> {
  // Each attribute read makes a new cdktf token (with a captured stack trace): read shared ones once.
  const profileArn = inputs.identity.profile.arn;
  const securityGroupId = inputs.groups.nodes.id;
  const subnetIds = new Map([...inputs.network.machineSubnets].map(([zone, subnet]) => [zone, subnet.id]));
  const groups = new Map<string, AutoscalingGroup>();
  for (const group of model.instanceGroups) {
    // Instances and volumes launched by the group get no default_tags; the cloud-controller-manager needs the
    // cluster tag on instances, and IAM conditions need it on volumes.
    const launchedTags = { ...clusterTags(model), ...nameTag(model, group.name) };
    const template = declare(scope, LaunchTemplate, group.id, {
      name: group.asgName,
      imageId: imageIdFor(inputs.image, group.architecture),
      instanceType: group.instanceType,
      ...(inputs.image.keyName ? { keyName: inputs.image.keyName } : {}),
      iamInstanceProfile: { arn: profileArn },
      vpcSecurityGroupIds: [securityGroupId],
      userData: renderedUserData(instanceGroupCloudInitPath(group), {
        [NODE_TEMPLATE_VARS.bucket]: inputs.bucketName,
        [NODE_TEMPLATE_VARS.apiEndpoint]: inputs.apiEndpoint,
      }),
      metadataOptions: { ...INSTANCE_METADATA_OPTIONS },
      // A worker whose boot failed shuts itself down; terminating it lets the group start a fresh one (docs/node-boot.md).
      instanceInitiatedShutdownBehavior: 'terminate',
      blockDeviceMappings: [
        {
          deviceName: UBUNTU_ROOT_DEVICE,
          ebs: { volumeType: 'gp3', volumeSize: group.rootVolumeSize, encrypted: 'true', deleteOnTermination: 'true' },
        },
      ],
      tagSpecifications: [
        { resourceType: 'instance', tags: launchedTags },
        { resourceType: 'volume', tags: launchedTags },
      ],
      updateDefaultVersion: true,
      tags: nameTag(model, group.name),
    });
    const subnets = group.zones.map((zone) => {
      const subnetId = subnetIds.get(zone);
      if (!subnetId) throw new Error(`BUG: instance group ${group.name} uses zone ${zone} that has no subnet`);
      return subnetId;
    });
    groups.set(
      group.name,
      declare(scope, AutoscalingGroup, group.id, {
        name: group.asgName,
        minSize: group.minSize,
        maxSize: group.maxSize,
        vpcZoneIdentifier: subnets,
        ...launchedFrom(group, template.id, Token.asString(template.latestVersion)),
        ...(group.capacityRebalance ? { capacityRebalance: true } : {}),
        instanceRefresh: { strategy: 'Rolling', preferences: { minHealthyPercentage: 90 } },
        tag: autoscalingGroupTags(model, group),
        // Workers take addresses automatically; the member reservations must exist before the first one launches.
        dependsOn: inputs.network.memberAddressReservations,
      }),
    );
  }
  return groups;
}

/**
 * The group's launch template, directly, or inside a mixed-instances policy that lets the group launch any of
 * several types and split them between On-Demand and Spot. A policy with one type and no Spot is still written as
 * the spec says, so a later edit of it changes arguments rather than the shape of the group.
 */
function launchedFrom(group: InstanceGroupModel, templateId: string, version: string): Pick<AutoscalingGroupConfig, 'launchTemplate' | 'mixedInstancesPolicy'> {
  const m = group.mixedInstancesPolicy;
  if (!m) return { launchTemplate: { id: templateId, version } };
  return {
    mixedInstancesPolicy: {
      instancesDistribution: {
        onDemandBaseCapacity: m.onDemandBase,
        onDemandPercentageAboveBaseCapacity: m.onDemandAboveBase,
        onDemandAllocationStrategy: m.onDemandAllocationStrategy,
        spotAllocationStrategy: m.spotAllocationStrategy,
        ...(m.spotInstancePools !== undefined ? { spotInstancePools: m.spotInstancePools } : {}),
      },
      launchTemplate: {
        launchTemplateSpecification: { launchTemplateId: templateId, version },
        override: m.instances.map((instanceType) => ({ instanceType })),
      },
    },
  };
}

/**
 * Tags of the auto-scaling group itself (default_tags do not reach it): ownership, and what the
 * cluster-autoscaler reads to discover the group and to scale it up from zero (labels and taints of its nodes).
 */
function autoscalingGroupTags(model: ClusterModel, group: InstanceGroupModel): AutoscalingGroupTag[] {
  const tags: Record<string, string> = {
    ...clusterTags(model),
    ...nameTag(model, group.name),
    'k8s.io/cluster-autoscaler/enabled': 'true',
    [`k8s.io/cluster-autoscaler/${model.name}`]: 'owned',
  };
  for (const [key, value] of Object.entries(group.labels)) tags[`k8s.io/cluster-autoscaler/node-template/label/${key}`] = value;
  for (const taint of group.taints) tags[`k8s.io/cluster-autoscaler/node-template/taint/${taint.key}`] = `${taint.value ?? ''}:${taint.effect}`;
  return Object.entries(tags)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, value, propagateAtLaunch: false }));
}
