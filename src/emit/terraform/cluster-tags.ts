import type { ClusterModel } from '../../model/model.js';

/** The ownership tag the AWS cloud-controller-manager looks for, and that IAM conditions check. */
export function clusterTagKey(model: ClusterModel): string {
  return `kubernetes.io/cluster/${model.name}`;
}

export const CLUSTER_TAG_VALUE = 'owned';

/** Tags on every resource (through the provider's default_tags): the spec's tags plus cluster ownership. */
export function clusterTags(model: ClusterModel): Record<string, string> {
  return { ...model.terraform.tags, [clusterTagKey(model)]: CLUSTER_TAG_VALUE };
}

/** The Name tag of a resource that belongs to one part of the cluster, e.g. control-plane-1.myfirstcluster.k8s.local. */
export function nameTag(model: ClusterModel, part: string): Record<string, string> {
  return { Name: `${part}.${model.name}` };
}
