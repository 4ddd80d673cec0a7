import { hostAddress, parseCidr } from '../spec/cidr.js';
import type { ResolvedInstanceGroup, ResolvedSpec } from '../spec/defaults.js';
import { ARCHITECTURES, type Architecture } from '../spec/instance-architecture.js';
import { serviceAccountIssuerModel, serviceAccountRoles, type ServiceAccountIssuerModel, type ServiceAccountRoleModel } from './service-account-issuer.js';
import { planSubnets } from './subnets.js';

/** First host address used for control-plane members in a subnet (AWS reserves .0 to .3). */
export const FIRST_MEMBER_HOST = 10;

export interface ZoneModel {
  name: string;
  /** Zone letter(s) after the region, e.g. "a"; used in resource names. */
  suffix: string;
  subnetCIDR: string;
  utilityCIDR?: string;
  /** The existing subnets of the zone, when the cluster is built in an existing VPC. */
  subnetId?: string;
  utilitySubnetId?: string;
}

export interface ControlPlaneMember {
  /** 1-based, stable: member N keeps its zone and address when the count grows. */
  index: number;
  /** Machine and etcd member name, e.g. control-plane-1. */
  name: string;
  zone: string;
  subnetCIDR: string;
  /** Fixed private IPv4 address: the member's identity for etcd and certificates. */
  privateIp: string;
  /** Member 1 initializes the cluster; the others join. */
  initializes: boolean;
}

export interface InstanceGroupModel extends ResolvedInstanceGroup {
  /** Terraform-safe identifier derived from the group name, e.g. nodes_gpu. */
  id: string;
  /** AWS name of the auto-scaling group, e.g. nodes.myfirstcluster.k8s.local. */
  asgName: string;
}

export interface ClusterModel {
  name: string;
  /** Name with dots replaced by dashes: safe in most AWS resource names. */
  slug: string;
  kubernetesVersion: string;
  /** MAJOR.MINOR, e.g. 1.34: selects the package repository. */
  kubernetesMinor: string;
  region: string;
  network: {
    vpcCIDR: string;
    /** Set when the cluster goes into an existing VPC: no network resources are created. */
    networkID?: string;
    topology: 'public' | 'private';
    podCIDR: string;
    serviceCIDR: string;
    /** First address of the service CIDR: the in-cluster kubernetes Service. */
    kubernetesServiceIp: string;
    /** Tenth address of the service CIDR: the cluster DNS Service. */
    clusterDnsIp: string;
    cni: 'calico' | 'cilium' | 'kubenet';
  };
  zones: ZoneModel[];
  api: ResolvedSpec['api'] & { port: 6443 };
  ssh: { publicKey?: string; allowedCIDRs: string[] };
  /** Session Manager access: the machine roles may run the SSM agent's sessions. */
  ssm: ResolvedSpec['ssm'];
  /** The issuer published as OIDC discovery (IAM roles for service accounts); absent when not enabled. */
  serviceAccountIssuer?: ServiceAccountIssuerModel;
  /** Service accounts with IAM roles of their own (iam.serviceAccountExternalPermissions). */
  serviceAccountRoles: ServiceAccountRoleModel[];
  controlPlane: Omit<ResolvedSpec['controlPlane'], 'count'> & { members: ControlPlaneMember[] };
  instanceGroups: InstanceGroupModel[];
  addons: ResolvedSpec['addons'];
  users: ResolvedSpec['users'];
  pki: ResolvedSpec['pki'];
  terraform: ResolvedSpec['terraform'];
  image: ResolvedSpec['image'];
}

/** The architectures of the cluster's machines (control plane and worker groups), in a fixed order. */
export function machineArchitectures(model: ClusterModel): Architecture[] {
  const used = new Set([model.controlPlane.architecture, ...model.instanceGroups.map((g) => g.architecture)]);
  return ARCHITECTURES.filter((a) => used.has(a));
}

/** The cluster name as AWS resource names take it: dots become '-'. */
export function clusterSlug(name: string): string {
  return name.replace(/\./g, '-');
}

export function terraformId(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * Everything the emitters need, computed once from a spec that passed the rules.
 * `sshPublicKey` is the content of ssh.publicKeyFile when the spec names one.
 */
export function buildModel(spec: ResolvedSpec, sshPublicKey?: string): ClusterModel {
  const subnets = planSubnets(spec);
  const zones: ZoneModel[] = spec.zones.map((zone, i) => {
    const s = subnets[i];
    if (!s) throw new Error(`BUG: no subnet for zone ${zone}; rules should have rejected the spec`);
    return {
      name: zone,
      suffix: zone.slice(spec.region.length),
      subnetCIDR: s.cidr,
      ...(s.utilityCIDR ? { utilityCIDR: s.utilityCIDR } : {}),
      ...(s.id ? { subnetId: s.id } : {}),
      ...(s.utilityId ? { utilitySubnetId: s.utilityId } : {}),
    };
  });
  const zoneByName = new Map(zones.map((z) => [z.name, z]));
  const cpZones = spec.controlPlane.zones;
  const members: ControlPlaneMember[] = [];
  for (let i = 0; i < spec.controlPlane.count; i++) {
    const zone = zoneByName.get(cpZones[i % cpZones.length]);
    if (!zone) throw new Error(`BUG: control-plane zone ${cpZones[i % cpZones.length]} is not a cluster zone`);
    const nthInZone = Math.floor(i / cpZones.length);
    members.push({
      index: i + 1,
      name: `control-plane-${i + 1}`,
      zone: zone.name,
      subnetCIDR: zone.subnetCIDR,
      privateIp: hostAddress(parseCidrOrThrow(zone.subnetCIDR), FIRST_MEMBER_HOST + nthInZone),
      initializes: i === 0,
    });
  }
  const service = parseCidrOrThrow(spec.network.serviceCIDR);
  const { count: _count, ...controlPlane } = spec.controlPlane;
  const publicKey = spec.ssh.publicKey ?? sshPublicKey?.trim();
  const slug = clusterSlug(spec.name);
  const serviceAccountIssuer = serviceAccountIssuerModel(spec);
  return {
    name: spec.name,
    slug,
    kubernetesVersion: spec.kubernetesVersion,
    kubernetesMinor: spec.kubernetesVersion.split('.').slice(0, 2).join('.'),
    region: spec.region,
    network: {
      vpcCIDR: spec.network.vpcCIDR,
      ...(spec.network.networkID ? { networkID: spec.network.networkID } : {}),
      topology: spec.network.topology,
      podCIDR: spec.network.podCIDR,
      serviceCIDR: spec.network.serviceCIDR,
      kubernetesServiceIp: hostAddress(service, 1),
      clusterDnsIp: hostAddress(service, 10),
      cni: spec.network.cni,
    },
    zones,
    api: { ...spec.api, port: 6443 },
    ssh: { ...(publicKey ? { publicKey } : {}), allowedCIDRs: spec.ssh.allowedCIDRs },
    ssm: { ...spec.ssm },
    ...(serviceAccountIssuer ? { serviceAccountIssuer } : {}),
    serviceAccountRoles: serviceAccountRoles(spec, slug),
    controlPlane: { ...controlPlane, members },
    instanceGroups: spec.instanceGroups.map((g) => ({
      ...g,
      id: terraformId(g.name),
      asgName: `${g.name}.${spec.name}`,
    })),
    addons: spec.addons,
    users: spec.users,
    pki: spec.pki,
    terraform: spec.terraform,
    image: spec.image,
  };
}

function parseCidrOrThrow(text: string) {
  const c = parseCidr(text);
  if (!c) throw new Error(`BUG: invalid CIDR ${text} reached the model`);
  return c;
}
