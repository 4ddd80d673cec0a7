/* Generated from schemas/cluster.schema.json by `npm run gen:types`. Do not edit. */

/**
 * CIDR of the cluster's VPC. Default 172.20.0.0/16.
 */
export type Cidr = string;
/**
 * CIDR of the zone's machine subnet, inside the VPC CIDR.
 */
export type Cidr1 = string;
/**
 * CIDR of the zone's public utility subnet (NAT gateway, public load balancer). Required with the private topology; not allowed with the public one.
 */
export type Cidr2 = string;
/**
 * CIDR pods get addresses from; each node gets a /24 of it. Must not overlap the VPC or the service CIDR. Default 100.96.0.0/11.
 */
export type Cidr3 = string;
/**
 * CIDR of cluster Service addresses. Must not overlap the VPC or the pod CIDR. Default 100.64.0.0/13.
 */
export type Cidr4 = string;
/**
 * An IPv4 CIDR block such as 10.0.0.0/16.
 */
export type Cidr5 = string;

/**
 * A hakube cluster spec: one highly-available, self-managed Kubernetes cluster on AWS.
 */
export interface ClusterSpec {
  /**
   * Version of the spec format. Always hakube/v1alpha1.
   */
  apiVersion: 'hakube/v1alpha1';
  /**
   * Kind of document. Always Cluster.
   */
  kind: 'Cluster';
  /**
   * Identity of the cluster.
   */
  metadata: {
    /**
     * Cluster name: a lower-case DNS name such as myfirstcluster.k8s.local. Every AWS resource is tagged with it and most resource names derive from it.
     */
    name: string;
  };
  spec: ClusterSpecBody;
}
/**
 * Desired state of the cluster.
 */
export interface ClusterSpecBody {
  /**
   * Kubernetes version to install, as MAJOR.MINOR.PATCH (for example 1.34.2). kubelet, kubeadm and kubectl are pinned to it.
   */
  kubernetesVersion: string;
  /**
   * AWS region, for example us-west-2.
   */
  region: string;
  /**
   * Availability zones the cluster uses, for example [us-west-2a, us-west-2b, us-west-2c]. Each gets its own subnet. Use at least three for a cluster that survives the loss of a zone.
   *
   * @minItems 1
   * @maxItems 7
   */
  zones: string[];
  network?: Network;
  api?: Api;
  ssh?: Ssh;
  ssm?: Ssm;
  serviceAccountIssuerDiscovery?: ServiceAccountIssuerDiscovery;
  iam?: Iam;
  controlPlane?: ControlPlane;
  /**
   * Worker instance groups. Each becomes an auto-scaling group spread over its zones (kops: instance groups of role Node).
   *
   * @minItems 1
   */
  instanceGroups: InstanceGroup[];
  addons?: Addons;
  /**
   * People who authenticate with x509 client certificates signed by the cluster CA. The certificate's CN is the user name and each O entry a group. At most 500: pki/manifest.json lists every certificate and must stay within the size hakube reads it back with (for many more people, use an OIDC identity provider).
   *
   * @maxItems 500
   */
  users?: User[];
  pki?: Pki;
  terraform?: Terraform;
  image?: Image;
}
/**
 * Addressing and pod networking.
 */
export interface Network {
  vpcCIDR?: Cidr;
  /**
   * ID of an existing VPC to build the cluster in (kops: networkID), e.g. one shared with other workloads. hakube then creates no VPC, subnets, gateways or routes: vpcCIDR must be one of the VPC's CIDR blocks and network.subnets must name each zone's existing subnet by id with its CIDR (terraform plan fails if they disagree). The subnets get the cluster tag with the value shared; see docs/terraform.md for the tags you add.
   */
  networkID?: string;
  /**
   * public: machines live in public subnets with public addresses. private: machines live in private subnets and reach the internet through a NAT gateway per zone; public utility subnets hold the NAT gateways and public load balancers. Default public.
   */
  topology?: 'public' | 'private';
  /**
   * Per-zone subnet CIDRs. Omit to have them computed from the VPC CIDR: the VPC is cut into eighths, zone N gets eighth N+1, and utility subnets share the first eighth.
   */
  subnets?: Subnet[];
  podCIDR?: Cidr3;
  serviceCIDR?: Cidr4;
  /**
   * Pod network plugin. calico (default) or cilium; kubenet uses VPC route-table entries, so it is limited to 50 nodes.
   */
  cni?: 'calico' | 'cilium' | 'kubenet';
}
/**
 * The subnets of one availability zone.
 */
export interface Subnet {
  /**
   * Availability zone these subnets are in; one of spec.zones.
   */
  zone: string;
  cidr: Cidr1;
  utilityCIDR?: Cidr2;
  /**
   * ID of the zone's existing machine subnet (with network.networkID only; kops: subnet id).
   */
  id?: string;
  /**
   * ID of the zone's existing public utility subnet (with network.networkID and the private topology): where an internet-facing API load balancer goes.
   */
  utilityId?: string;
}
/**
 * How the Kubernetes API is reached.
 */
export interface Api {
  /**
   * public: an internet-facing network load balancer. internal: reachable only inside the VPC and networks peered to it. Default public.
   */
  loadBalancer?: 'public' | 'internal';
  /**
   * Networks allowed to reach the API on port 6443 from outside the cluster. Default none; write 0.0.0.0/0 explicitly to open it to the internet.
   */
  allowedCIDRs?: Cidr5[];
  /**
   * Optional DNS name for the API, created as a Route53 alias of the load balancer. With it, kubeconfigs and the control-plane endpoint use this stable name instead of the load balancer's generated one.
   */
  dns?: {
    /**
     * Fully qualified DNS name, for example api.mycluster.example.com.
     */
    name: string;
    /**
     * Route53 hosted zone id that holds the name, for example Z0123456789ABCDEFGHIJ.
     */
    hostedZoneId: string;
    /**
     * Whether hostedZoneId names a private hosted zone. A private zone answers only in the VPCs associated with it, so hakube then associates the cluster's new VPC with it (aws_route53_zone_association); without that the machines cannot resolve the API name and kubeadm init fails. In an existing VPC (network.networkID) the association is the VPC owner's: see associateVpc. The plan reads the zone and stops if this does not match what Route53 says. Default false.
     */
    privateZone?: boolean;
    /**
     * Only for a private zone in an existing VPC (network.networkID): whether hakube associates that VPC with the zone (aws_route53_zone_association). Its Terraform then owns the association: terraform destroy removes it, and every other workload of the VPC stops resolving the zone; the apply fails when the zone is already associated. Default false: the association is left to the VPC's owner, and the plan reads the zone by name among those associated with the VPC and stops when it is not. A VPC hakube creates is always associated.
     */
    associateVpc?: boolean;
  };
}
/**
 * SSH access to the machines. Without a public key no key pair is installed; without allowed CIDRs no SSH ingress rule exists.
 */
export interface Ssh {
  /**
   * An OpenSSH public key, inline (ssh-ed25519 AAAA... or ssh-rsa AAAA...): the whole line of a .pub file. The key is decoded and checked (the type inside the blob matches, ed25519 32 key bytes, RSA at least 2048 bits, ECDSA nistp256/384/521 points), as AWS key import does. The same checks apply to publicKeyFile.
   */
  publicKey?: string;
  /**
   * Path to an OpenSSH public key file, relative to the spec file. Its content is read at generate time and written into the Terraform as the key pair.
   */
  publicKeyFile?: string;
  /**
   * Networks allowed to reach port 22. Default none.
   */
  allowedCIDRs?: Cidr5[];
}
/**
 * Shell access through AWS Systems Manager Session Manager (aws ssm start-session --target <instance id>), the default way into the machines: no open port, no key, no bastion, every session authorised and logged by IAM and CloudTrail. The SSM agent ships enabled in Canonical's Ubuntu images; hakube gives the machine roles the permissions it needs (docs/access.md).
 */
export interface Ssm {
  /**
   * Give the control-plane and worker roles the least-privilege Session Manager permissions (the agent's registration and session channels). false removes them and stops and disables the image's agent at boot (so the account's Default Host Management Configuration cannot register it either): no session can be started, and SSH (spec.ssh) is the only way in. Default true.
   */
  enabled?: boolean;
}
/**
 * Publishes the API server's service-account issuer as OpenID Connect discovery, so that AWS STS trusts tokens the cluster signs and pods can assume IAM roles (IAM roles for service accounts; docs/iam-roles-for-service-accounts.md). Same field names as kops. hakube creates the S3 bucket discoveryStore, whose only two objects, the issuer document and the JWKS (public keys), are world-readable; the issuer is https://<discoveryStore>.s3.<region>.amazonaws.com. Set it when creating the cluster: on a running cluster the API server flags live in the cluster's kubeadm configuration, which hakube does not change; that migration is a manual two-pass procedure (docs/iam-roles-for-service-accounts.md, Turning it on). It also deploys the pod identity webhook, which gives pods whose ServiceAccount is annotated eks.amazonaws.com/role-arn the projected token, AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE.
 */
export interface ServiceAccountIssuerDiscovery {
  /**
   * Name of the S3 bucket hakube creates to publish the discovery documents, for example myfirstcluster-oidc-4f2a. S3 bucket names are global across all AWS accounts: choose one no one else has (an apply fails if it is taken). 3 to 63 characters: lower-case letters, digits, hyphens (no dots: the issuer URL must match the bucket's TLS certificate), starting and ending with a letter or digit (HK293). kops also accepts an s3:// URL here; hakube takes the bare name, since it creates the bucket.
   */
  discoveryStore: string;
  /**
   * Create the IAM OpenID Connect provider for the issuer (client sts.amazonaws.com), which the roles of iam.serviceAccountExternalPermissions trust. Default true; false publishes the issuer only (for example when the provider is managed elsewhere), and then serviceAccountExternalPermissions must be empty (HK294).
   */
  enableAWSOIDCProvider?: boolean;
}
/**
 * IAM settings beyond the machines' own roles.
 */
export interface Iam {
  /**
   * Kubernetes service accounts that get an IAM role of their own (kops' field). Each entry makes a role that only a token for that namespace/name, issued by this cluster, can assume (sts:AssumeRoleWithWebIdentity); its ARN is in the Terraform output service_account_role_arns. Needs serviceAccountIssuerDiscovery with enableAWSOIDCProvider (HK294). Each namespace/name pair once (HK295).
   */
  serviceAccountExternalPermissions?: ServiceAccountExternalPermission[];
}
/**
 * One service account and the AWS permissions its role gets.
 */
export interface ServiceAccountExternalPermission {
  /**
   * Name of the ServiceAccount.
   */
  name: string;
  /**
   * Namespace of the ServiceAccount.
   */
  namespace: string;
  /**
   * The role's permissions: managed policies, an inline policy, or both; at least one (HK298).
   */
  aws: {
    /**
     * ARNs of IAM managed policies to attach, for example arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess (HK296).
     */
    policyARNs?: string[];
    /**
     * An IAM policy document as a JSON string (with Version and Statement), put on the role as its inline policy (HK297).
     */
    inlinePolicy?: string;
  };
}
/**
 * Control-plane machines. Each runs etcd, the API server, the scheduler and the controller manager. Members are spread over the zones in order (member 1 in the first zone, member 2 in the second, ...).
 */
export interface ControlPlane {
  /**
   * Number of control-plane machines and etcd members: 3 or 5 for high availability (1 works, but is not HA). Default 3.
   */
  count?: number;
  /**
   * EC2 instance type. Default t3.medium. A Graviton type (t4g, m7g, c8g, ...) makes the machines arm64: they get the arm64 variant of the image and arm64 binaries.
   */
  instanceType?: string;
  /**
   * CPU architecture of the machines: amd64 (x86_64) or arm64 (AWS Graviton). Optional: hakube derives it from instanceType (Graviton families such as t4g, m7g, c8g, r8g are arm64; docs/terraform.md, Architectures). When given, it must agree with instanceType (HK290), so an instanceType edit that would switch the machines to the other architecture, and another image, is refused instead of passing unnoticed.
   */
  architecture?: 'amd64' | 'arm64';
  /**
   * Zones the members are spread over, a subset of spec.zones. Default: all of spec.zones.
   *
   * @minItems 1
   */
  zones?: string[];
  /**
   * Root volume size in GiB (encrypted gp3). Default 40.
   */
  rootVolumeSize?: number;
  /**
   * Size in GiB of each member's separate, encrypted gp3 etcd data volume, which outlives the machine. Default 20.
   */
  etcdVolumeSize?: number;
  /**
   * Periodic etcd snapshots to the etcd-backups/ prefix of the secrets bucket. The current etcd leader takes them (etcdctl snapshot save) and uploads them; machines may write that prefix but never read or delete it. S3 lifecycle rules delete snapshots after retentionDays. Restore: hakube etcd restore (docs/ha.md).
   */
  etcdBackups?: {
    /**
     * Minutes between two snapshots. Default 30.
     */
    intervalMinutes?: number;
    /**
     * Days a snapshot is kept in the bucket before S3 deletes it. Default 7.
     */
    retentionDays?: number;
  };
  /**
   * Turn on EC2 termination protection for control-plane machines: nothing outside Terraform (console, CLI, scripts) can terminate them. Terraform's own planned replacements and terraform destroy still work. Default true.
   */
  terminationProtection?: boolean;
}
/**
 * A group of worker machines: one auto-scaling group spread over its zones.
 */
export interface InstanceGroup {
  /**
   * Name of the group: a DNS label (lower-case letters, digits, '-'), unique in the cluster.
   */
  name: string;
  /**
   * EC2 instance type. Default t3.medium, or the first of mixedInstancesPolicy.instances when the group has that policy. A Graviton type (t4g, m7g, c8g, ...) makes the machines arm64: they get the arm64 variant of the image and arm64 binaries; every type of a mixedInstancesPolicy must then be of the same architecture (HK292).
   */
  instanceType?: string;
  /**
   * CPU architecture of the machines: amd64 (x86_64) or arm64 (AWS Graviton). Optional: hakube derives it from instanceType (Graviton families such as t4g, m7g, c8g, r8g are arm64; docs/terraform.md, Architectures). When given, it must agree with instanceType (HK290), so an instanceType edit that would switch the machines to the other architecture, and another image, is refused instead of passing unnoticed.
   */
  architecture?: 'amd64' | 'arm64';
  /**
   * Fewest machines the auto-scaling group keeps.
   */
  minSize: number;
  /**
   * Most machines the auto-scaling group may run. Subnets must have room for it.
   */
  maxSize: number;
  /**
   * Zones the group spans, a subset of spec.zones. Default: all of spec.zones.
   *
   * @minItems 1
   */
  zones?: string[];
  /**
   * Kubernetes node labels set by the kubelet at registration.
   */
  labels?: {
    /**
     * Label value.
     */
    [k: string]: string;
  };
  /**
   * Kubernetes node taints set at registration.
   */
  taints?: Taint[];
  /**
   * Root volume size in GiB (encrypted gp3). Default 40.
   */
  rootVolumeSize?: number;
  /**
   * Several instance types and a share of Spot capacity for this group (kops: mixedInstancesPolicy): the auto-scaling group launches any of `instances`, On-Demand up to onDemandBase plus onDemandAboveBase percent of the rest, Spot beyond. Spot machines may be reclaimed at two minutes' notice; `ha-report` counts them as losable. For the cluster-autoscaler, list types of the same vCPU and memory.
   */
  mixedInstancesPolicy?: {
    /**
     * Instance types the group may launch, in priority order (the first is the launch template's own). All of one architecture, the group's (HK292): the launch template has one image.
     *
     * @minItems 1
     * @maxItems 20
     */
    instances: string[];
    /**
     * Machines that are always On-Demand, launched first. Default 0.
     */
    onDemandBase?: number;
    /**
     * Percent of the machines beyond onDemandBase that are On-Demand; the rest are Spot. Default 100 (no Spot).
     */
    onDemandAboveBase?: number;
    /**
     * How On-Demand types are chosen: prioritized (the order of instances) or lowest-price. Default prioritized.
     */
    onDemandAllocationStrategy?: 'prioritized' | 'lowest-price';
    /**
     * How Spot pools are chosen. Default price-capacity-optimized (AWS's recommendation: the pools least likely to be interrupted, then the cheapest).
     */
    spotAllocationStrategy?:
      'price-capacity-optimized' | 'capacity-optimized' | 'capacity-optimized-prioritized' | 'lowest-price';
    /**
     * With spotAllocationStrategy lowest-price only: how many of the cheapest pools to spread Spot machines over.
     */
    spotInstancePools?: number;
  };
  /**
   * Launch a replacement when AWS signals that a Spot machine is at elevated risk of interruption, before it is reclaimed (kops: capacityRebalance). The old machine is drained by the termination handler. Default: true when the group runs Spot, false otherwise.
   */
  capacityRebalance?: boolean;
}
/**
 * A node taint.
 */
export interface Taint {
  /**
   * Taint key.
   */
  key: string;
  /**
   * Taint value (may be empty).
   */
  value?: string;
  /**
   * What the taint does to pods that do not tolerate it.
   */
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}
/**
 * Cluster add-ons applied once by the first control-plane node. Their manifests are written into the output folder for review.
 */
export interface Addons {
  /**
   * The Kubernetes Dashboard, spread across zones with a PodDisruptionBudget.
   */
  dashboard?: {
    /**
     * Deploy the Dashboard. Default false.
     */
    enabled?: boolean;
    /**
     * Dashboard replicas; 2 or more survives the loss of a node or zone. Default 2.
     */
    replicas?: number;
  };
  /**
   * The tutorial's admin-user ServiceAccount in kube-system, bound to cluster-admin, with a long-lived token Secret. It can do anything in the cluster: opt in only for labs.
   */
  adminUser?: {
    /**
     * Create the admin-user ServiceAccount. Default false.
     */
    enabled?: boolean;
  };
  /**
   * metrics-server, for kubectl top and horizontal pod autoscaling.
   */
  metricsServer?: {
    /**
     * Deploy metrics-server. Default true.
     */
    enabled?: boolean;
  };
  /**
   * The cluster-autoscaler (kops: spec.clusterAutoscaler), pinned per Kubernetes minor: it finds every instance group by its auto-scaling group's tags and scales it between the group's minSize and maxSize, from zero too (the groups carry their labels and taints as node-template tags). It runs on the control plane, on the host network, with the control-plane role's scaling permissions, which only reach this cluster's groups.
   */
  clusterAutoscaler?: {
    /**
     * Deploy the cluster-autoscaler. Default false.
     */
    enabled?: boolean;
    /**
     * Which group to grow when several could: least-waste (the least idle CPU and memory afterwards), random, most-pods, price, or priority. Default least-waste.
     */
    expander?: 'least-waste' | 'random' | 'most-pods' | 'price' | 'priority';
    /**
     * Keep groups with the same instance type and labels at similar sizes. Each hakube group already spans its zones in one auto-scaling group, so this matters only for groups you split by zone yourself. Default false.
     */
    balanceSimilarNodeGroups?: boolean;
    /**
     * A node whose requested CPU and memory stay below this fraction is a candidate for removal. Default 0.5.
     */
    scaleDownUtilizationThreshold?: number;
    /**
     * Never remove a node running a pod with local storage (emptyDir or hostPath). Default true.
     */
    skipNodesWithLocalStorage?: boolean;
  };
}
/**
 * An x509 user: generate writes their key, certificate and kubeconfig under users/.
 */
export interface User {
  /**
   * User name, the certificate's CN.
   */
  name: string;
  /**
   * Groups, one certificate O entry each. Bind them to roles with RBAC. At most 16, so that the user's certificate and kubeconfig stay within the size hakube reads them back with.
   *
   * @maxItems 16
   */
  groups?: string[];
}
/**
 * Certificate authority and certificate options.
 */
export interface Pki {
  /**
   * Key algorithm for every key hakube makes. Default ecdsa-p256.
   */
  keyAlgorithm?: 'ecdsa-p256' | 'rsa-2048';
  /**
   * Validity of the CAs in days. Default 3650 (10 years).
   */
  caValidityDays?: number;
  /**
   * Validity of leaf certificates in days. Default 365.
   */
  certificateValidityDays?: number;
}
/**
 * Options of the generated Terraform.
 */
export interface Terraform {
  /**
   * Where Terraform keeps its state. Default: local, terraform.tfstate beside the generated files.
   */
  backend?: LocalBackend | S3Backend;
  /**
   * Version constraint of the hashicorp/aws provider, in Terraform's syntax: comma-separated terms of an optional operator (=, !=, >, >=, <, <=, ~>) and a version, e.g. "~> 6.25". Default ">= 6.25.0, < 7.0.0".
   */
  awsProviderVersion?: string;
  /**
   * Tags added to every AWS resource through the provider's default_tags.
   */
  tags?: {
    /**
     * Tag value.
     */
    [k: string]: string;
  };
  /**
   * Let terraform destroy delete the secrets bucket with every object version in it. Default false.
   */
  forceDestroyBucket?: boolean;
  /**
   * Days an overwritten or deleted object of the secrets bucket (a rotated CA key, an old bootstrap token, a replaced encryption config) is kept as a noncurrent version before S3 deletes it; the current objects are never expired. Enough to roll back a bad rotation; not a backup (etcd snapshots are). Default 30.
   */
  secretsNoncurrentVersionDays?: number;
}
/**
 * State in a local file.
 */
export interface LocalBackend {
  /**
   * Backend kind.
   */
  type: 'local';
  /**
   * State file path, relative to the generated folder.
   */
  path?: string;
}
/**
 * State in an S3 bucket, locked with an S3 lock file.
 */
export interface S3Backend {
  /**
   * Backend kind.
   */
  type: 's3';
  /**
   * State bucket name (kops: the state store).
   */
  bucket: string;
  /**
   * Object key of the state file, relative to the bucket: no leading /, no .. segment, no whitespace or control characters.
   */
  key: string;
  /**
   * Region of the state bucket. Default: spec.region.
   */
  region?: string;
}
/**
 * Machine image, always pinned: an apply never moves machines to another image unless this spec (or hakube's pinned-image table, through a generated diff) changes. Default: hakube's pinned Canonical Ubuntu 24.04 LTS image (docs/terraform.md lists the table). Names are of the amd64 image; arm64 machines get Canonical's arm64 image of the same name and serial (-arm64- instead of -amd64-).
 */
export interface Image {
  /**
   * Ubuntu LTS release of the image; selects hakube's pinned default image name when neither name nor ami is given. Default 24.04.
   */
  ubuntuRelease?: '22.04' | '24.04';
  /**
   * Exact name of a Canonical Ubuntu amd64 image (owner 099720109477), e.g. ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251022. Arm64 machines get the image of the same name with -arm64- instead of -amd64- (Canonical publishes both under one serial). Terraform looks the name up in the region, so one name serves every region. Bumping it is a one-line change that rolls workers (instance refresh) and control-plane members (one per step).
   */
  name?: string;
  /**
   * An explicit AMI id (region-specific); use instead of name, for example for your own hardened image. Must be Ubuntu 22.04 or 24.04 for the bootstrap to work, and of the architecture of every machine: with both amd64 and arm64 instance types one AMI cannot serve, use name (HK291).
   */
  ami?: string;
}
