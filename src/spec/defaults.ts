import type { ClusterSpec, InstanceGroup, LocalBackend, S3Backend, Taint } from './cluster-spec.generated.js';
import { architectureOfInstanceType, type Architecture } from './instance-architecture.js';
import { PINNED_UBUNTU_IMAGES, releaseOfImageName } from './pinned-images.js';

/** Kubernetes minor versions hakube supports: it writes kubeadm v1beta4 config (needs >= 1.31). */
export const SUPPORTED_KUBERNETES_MINORS = { oldest: 31, newest: 35 } as const;
export const DEFAULT_KUBERNETES_VERSION = '1.34.2';
/** How long S3 keeps an overwritten secret: long enough to roll a bad rotation back, short enough not to hoard keys. */
export const DEFAULT_SECRETS_NONCURRENT_VERSION_DAYS = 30;
export const DEFAULT_AWS_PROVIDER_VERSION = '>= 6.25.0, < 7.0.0';
export const DEFAULT_INSTANCE_TYPE = 't3.medium';
/** etcd snapshots every 30 minutes, kept 7 days: kops' etcd-manager takes one every 15 minutes and keeps about a week. */
export const DEFAULT_ETCD_BACKUP_INTERVAL_MINUTES = 30;
export const DEFAULT_ETCD_BACKUP_RETENTION_DAYS = 7;

/** A group's instance types and its On-Demand/Spot split, every default filled in. */
export interface ResolvedMixedInstancesPolicy {
  instances: string[];
  onDemandBase: number;
  onDemandAboveBase: number;
  onDemandAllocationStrategy: 'prioritized' | 'lowest-price';
  spotAllocationStrategy: 'price-capacity-optimized' | 'capacity-optimized' | 'capacity-optimized-prioritized' | 'lowest-price';
  spotInstancePools?: number;
}

export interface ResolvedInstanceGroup {
  name: string;
  instanceType: string;
  /** The spec's architecture, else the instance type's (a contradiction is HK290). */
  architecture: Architecture;
  /** Absent: every machine is On-Demand of instanceType. */
  mixedInstancesPolicy?: ResolvedMixedInstancesPolicy;
  capacityRebalance: boolean;
  minSize: number;
  maxSize: number;
  zones: string[];
  labels: Record<string, string>;
  taints: Taint[];
  rootVolumeSize: number;
}

/** A service account that gets an IAM role, and the role's policies. */
export interface ResolvedServiceAccountPermission {
  name: string;
  namespace: string;
  policyARNs: string[];
  inlinePolicy?: string;
}

/** A spec with every default filled in: what the semantic rules and the model read. */
export interface ResolvedSpec {
  name: string;
  kubernetesVersion: string;
  region: string;
  zones: string[];
  network: {
    vpcCIDR: string;
    /** An existing VPC: hakube then names existing subnets instead of creating any network. */
    networkID?: string;
    topology: 'public' | 'private';
    /** Subnets as written in the spec; the model computes the missing ones. */
    subnets: Array<{ zone: string; cidr: string; utilityCIDR?: string; id?: string; utilityId?: string }>;
    podCIDR: string;
    serviceCIDR: string;
    cni: 'calico' | 'cilium' | 'kubenet';
  };
  api: {
    loadBalancer: 'public' | 'internal';
    allowedCIDRs: string[];
    /** associateVpc: the spec's field (an existing VPC only); whether hakube associates a VPC is vpcAssociation() in the model. */
    dns?: { name: string; hostedZoneId: string; privateZone: boolean; associateVpc: boolean };
  };
  ssh: { publicKey?: string; publicKeyFile?: string; allowedCIDRs: string[] };
  ssm: { enabled: boolean };
  /** Absent: the API server keeps its in-cluster issuer only, and nothing is published. */
  serviceAccountIssuerDiscovery?: { discoveryStore: string; enableAWSOIDCProvider: boolean };
  iam: { serviceAccountExternalPermissions: ResolvedServiceAccountPermission[] };
  controlPlane: {
    count: number;
    instanceType: string;
    /** The spec's architecture, else the instance type's (a contradiction is HK290). */
    architecture: Architecture;
    zones: string[];
    rootVolumeSize: number;
    etcdVolumeSize: number;
    etcdBackups: { intervalMinutes: number; retentionDays: number };
    terminationProtection: boolean;
  };
  instanceGroups: ResolvedInstanceGroup[];
  addons: {
    dashboard: { enabled: boolean; replicas: number };
    adminUser: { enabled: boolean };
    metricsServer: { enabled: boolean };
    clusterAutoscaler: {
      enabled: boolean;
      expander: 'least-waste' | 'random' | 'most-pods' | 'price' | 'priority';
      balanceSimilarNodeGroups: boolean;
      scaleDownUtilizationThreshold: number;
      skipNodesWithLocalStorage: boolean;
    };
  };
  users: Array<{ name: string; groups: string[] }>;
  pki: { keyAlgorithm: 'ecdsa-p256' | 'rsa-2048'; caValidityDays: number; certificateValidityDays: number };
  terraform: {
    backend: LocalBackend | (S3Backend & { region: string });
    awsProviderVersion: string;
    tags: Record<string, string>;
    forceDestroyBucket: boolean;
    secretsNoncurrentVersionDays: number;
  };
  /** Exactly one of ami and name: the image is always pinned. */
  image: { ubuntuRelease: '22.04' | '24.04'; ami?: string; name?: string };
}

function resolveMixedInstancesPolicy(g: InstanceGroup): ResolvedMixedInstancesPolicy | undefined {
  const m = g.mixedInstancesPolicy;
  if (!m) return undefined;
  return {
    instances: [...m.instances],
    onDemandBase: m.onDemandBase ?? 0,
    // AWS's own default: a policy written only for several types stays On-Demand.
    onDemandAboveBase: m.onDemandAboveBase ?? 100,
    onDemandAllocationStrategy: m.onDemandAllocationStrategy ?? 'prioritized',
    spotAllocationStrategy: m.spotAllocationStrategy ?? 'price-capacity-optimized',
    ...(m.spotInstancePools !== undefined ? { spotInstancePools: m.spotInstancePools } : {}),
  };
}

/** Whether the group may run Spot machines at its largest size. */
export function mayRunSpot(g: Pick<ResolvedInstanceGroup, 'mixedInstancesPolicy' | 'maxSize'>): boolean {
  const m = g.mixedInstancesPolicy;
  return m !== undefined && m.onDemandAboveBase < 100 && g.maxSize > m.onDemandBase;
}

function resolveGroup(g: InstanceGroup, zones: string[]): ResolvedInstanceGroup {
  const mixedInstancesPolicy = resolveMixedInstancesPolicy(g);
  const spot = mayRunSpot({ mixedInstancesPolicy, maxSize: g.maxSize });
  const instanceType = g.instanceType ?? mixedInstancesPolicy?.instances[0] ?? DEFAULT_INSTANCE_TYPE;
  return {
    name: g.name,
    instanceType,
    architecture: g.architecture ?? architectureOfInstanceType(instanceType),
    ...(mixedInstancesPolicy ? { mixedInstancesPolicy } : {}),
    capacityRebalance: g.capacityRebalance ?? spot,
    minSize: g.minSize,
    maxSize: g.maxSize,
    zones: g.zones ?? [...zones],
    labels: { ...(g.labels ?? {}) },
    taints: (g.taints ?? []).map((t) => ({ ...t })),
    rootVolumeSize: g.rootVolumeSize ?? 40,
  };
}

/** Fills in every default. Pure: the input is a schema-valid spec and is not changed. */
export function applyDefaults(doc: ClusterSpec): ResolvedSpec {
  const s = doc.spec;
  const zones = [...s.zones];
  const backend = s.terraform?.backend;
  const controlPlaneType = s.controlPlane?.instanceType ?? DEFAULT_INSTANCE_TYPE;
  return {
    name: doc.metadata.name,
    kubernetesVersion: s.kubernetesVersion,
    region: s.region,
    zones,
    network: {
      vpcCIDR: s.network?.vpcCIDR ?? '172.20.0.0/16',
      ...(s.network?.networkID ? { networkID: s.network.networkID } : {}),
      topology: s.network?.topology ?? 'public',
      subnets: (s.network?.subnets ?? []).map((x) => ({ ...x })),
      podCIDR: s.network?.podCIDR ?? '100.96.0.0/11',
      serviceCIDR: s.network?.serviceCIDR ?? '100.64.0.0/13',
      cni: s.network?.cni ?? 'calico',
    },
    api: {
      loadBalancer: s.api?.loadBalancer ?? 'public',
      allowedCIDRs: [...(s.api?.allowedCIDRs ?? [])],
      ...(s.api?.dns ? { dns: { ...s.api.dns, privateZone: s.api.dns.privateZone ?? false, associateVpc: s.api.dns.associateVpc ?? false } } : {}),
    },
    ssh: {
      ...(s.ssh?.publicKey !== undefined ? { publicKey: s.ssh.publicKey } : {}),
      ...(s.ssh?.publicKeyFile !== undefined ? { publicKeyFile: s.ssh.publicKeyFile } : {}),
      allowedCIDRs: [...(s.ssh?.allowedCIDRs ?? [])],
    },
    ssm: { enabled: s.ssm?.enabled ?? true },
    ...(s.serviceAccountIssuerDiscovery
      ? {
          serviceAccountIssuerDiscovery: {
            discoveryStore: s.serviceAccountIssuerDiscovery.discoveryStore,
            enableAWSOIDCProvider: s.serviceAccountIssuerDiscovery.enableAWSOIDCProvider ?? true,
          },
        }
      : {}),
    iam: {
      serviceAccountExternalPermissions: (s.iam?.serviceAccountExternalPermissions ?? []).map((p) => ({
        name: p.name,
        namespace: p.namespace,
        policyARNs: [...(p.aws.policyARNs ?? [])],
        ...(p.aws.inlinePolicy !== undefined ? { inlinePolicy: p.aws.inlinePolicy } : {}),
      })),
    },
    controlPlane: {
      count: s.controlPlane?.count ?? 3,
      instanceType: controlPlaneType,
      architecture: s.controlPlane?.architecture ?? architectureOfInstanceType(controlPlaneType),
      zones: s.controlPlane?.zones ?? [...zones],
      rootVolumeSize: s.controlPlane?.rootVolumeSize ?? 40,
      etcdVolumeSize: s.controlPlane?.etcdVolumeSize ?? 20,
      etcdBackups: {
        intervalMinutes: s.controlPlane?.etcdBackups?.intervalMinutes ?? DEFAULT_ETCD_BACKUP_INTERVAL_MINUTES,
        retentionDays: s.controlPlane?.etcdBackups?.retentionDays ?? DEFAULT_ETCD_BACKUP_RETENTION_DAYS,
      },
      terminationProtection: s.controlPlane?.terminationProtection ?? true,
    },
    instanceGroups: s.instanceGroups.map((g) => resolveGroup(g, zones)),
    addons: {
      dashboard: { enabled: s.addons?.dashboard?.enabled ?? false, replicas: s.addons?.dashboard?.replicas ?? 2 },
      adminUser: { enabled: s.addons?.adminUser?.enabled ?? false },
      metricsServer: { enabled: s.addons?.metricsServer?.enabled ?? true },
      clusterAutoscaler: {
        enabled: s.addons?.clusterAutoscaler?.enabled ?? false,
        expander: s.addons?.clusterAutoscaler?.expander ?? 'least-waste',
        balanceSimilarNodeGroups: s.addons?.clusterAutoscaler?.balanceSimilarNodeGroups ?? false,
        scaleDownUtilizationThreshold: s.addons?.clusterAutoscaler?.scaleDownUtilizationThreshold ?? 0.5,
        skipNodesWithLocalStorage: s.addons?.clusterAutoscaler?.skipNodesWithLocalStorage ?? true,
      },
    },
    users: (s.users ?? []).map((u) => ({ name: u.name, groups: [...(u.groups ?? [])] })),
    pki: {
      keyAlgorithm: s.pki?.keyAlgorithm ?? 'ecdsa-p256',
      caValidityDays: s.pki?.caValidityDays ?? 3650,
      certificateValidityDays: s.pki?.certificateValidityDays ?? 365,
    },
    terraform: {
      backend:
        backend?.type === 's3'
          ? { ...backend, region: backend.region ?? s.region }
          : { type: 'local', path: backend?.path ?? 'terraform.tfstate' },
      awsProviderVersion: s.terraform?.awsProviderVersion ?? DEFAULT_AWS_PROVIDER_VERSION,
      tags: { ...(s.terraform?.tags ?? {}) },
      forceDestroyBucket: s.terraform?.forceDestroyBucket ?? false,
      secretsNoncurrentVersionDays: s.terraform?.secretsNoncurrentVersionDays ?? DEFAULT_SECRETS_NONCURRENT_VERSION_DAYS,
    },
    image: resolveImage(s.image),
  };
}

function resolveImage(image: ClusterSpec['spec']['image']): ResolvedSpec['image'] {
  const ubuntuRelease = image?.ubuntuRelease ?? (image?.name ? releaseOfImageName(image.name) : undefined) ?? '24.04';
  // Both given is a spec error (HK270); keep both so the rule sees them.
  if (image?.ami) return { ubuntuRelease, ami: image.ami, ...(image.name ? { name: image.name } : {}) };
  return { ubuntuRelease, name: image?.name ?? PINNED_UBUNTU_IMAGES[ubuntuRelease] };
}
