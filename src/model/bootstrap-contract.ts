import type { ClusterModel, ControlPlaneMember, InstanceGroupModel } from './model.js';

/**
 * The contract between the cloud-init emitter and the Terraform emitter. Each machine's user data is a
 * file under cloud-init/ that Terraform renders with templatefile(); these are the only variables it
 * passes, so every `${...}` in a cloud-init file must be one of them.
 */
export const CONTROL_PLANE_TEMPLATE_VARS = {
  /** Name of the secrets bucket (its name has a Terraform-chosen suffix). */
  bucket: 'bucket',
  /** DNS name of the API: the Route53 name when the spec has one, else the load balancer's DNS name. */
  apiEndpoint: 'api_endpoint',
  /** Id of the member's own etcd data volume, e.g. vol-0123..., to find its device. */
  etcdVolumeId: 'etcd_volume_id',
} as const;

export const NODE_TEMPLATE_VARS = {
  bucket: 'bucket',
  apiEndpoint: 'api_endpoint',
} as const;

/**
 * The longest value Terraform can pass for each variable, for the user-data size check (user-data-size.ts): a
 * bucket name has at most 63 characters (S3 User Guide, "General purpose bucket naming rules"), a DNS name at most
 * 253 (the Route53 name or the load balancer's), an EBS volume id is "vol-" and 17 hexadecimal digits.
 */
export const TEMPLATE_VALUE_MAX_LENGTH: Readonly<Record<string, number>> = {
  [CONTROL_PLANE_TEMPLATE_VARS.bucket]: 63,
  [CONTROL_PLANE_TEMPLATE_VARS.apiEndpoint]: 253,
  [CONTROL_PLANE_TEMPLATE_VARS.etcdVolumeId]: 21,
};

export const CLOUD_INIT_DIR = 'cloud-init';

/**
 * Device name the Terraform attaches each member's etcd volume as. Nitro instances rename it to an NVMe
 * device (cloud-init finds that by volume id); Xen kernels call it /dev/xvdf.
 */
export const ETCD_VOLUME_DEVICE_NAME = '/dev/sdf';

export function controlPlaneCloudInitPath(member: Pick<ControlPlaneMember, 'name'>): string {
  return `${CLOUD_INIT_DIR}/${member.name}.yaml`;
}

export function instanceGroupCloudInitPath(group: InstanceGroupModel): string {
  return `${CLOUD_INIT_DIR}/nodes-${group.name}.yaml`;
}

export function allCloudInitPaths(model: ClusterModel): string[] {
  return [...model.controlPlane.members.map(controlPlaneCloudInitPath), ...model.instanceGroups.map(instanceGroupCloudInitPath)];
}
