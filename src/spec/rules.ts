import { clusterSlug, terraformId } from '../model/model.js';
import type { IssueCode } from '../issue-codes.js';
import { EC2_EVENT_RULE_IDS, eventRuleName, eventRuleNamePrefix, lifecycleRuleId } from '../model/node-termination.js';
import { canComputeSubnets, planSubnets } from '../model/subnets.js';
import { reservedUserNameProblem, systemMastersWarning } from '../pki/certificate-plan.js';
import { checkBackendPath } from './backend-path-rule.js';
import { cidrProblem, contains, formatCidr, overlaps, parseCidr, size, type Cidr } from './cidr.js';
import { SUPPORTED_KUBERNETES_MINORS, type ResolvedSpec } from './defaults.js';
import { architectureOfInstanceType } from './instance-architecture.js';
import { releaseOfImageName } from './pinned-images.js';
import { checkProviderVersion } from './provider-version-rule.js';
import { showValue } from '../show-value.js';
import { checkServiceAccountIssuer } from './service-account-issuer-rules.js';
import { sshPublicKeyProblem } from './ssh-public-key.js';

/** Addresses AWS keeps in every subnet: network, router, DNS, future use, broadcast. */
export const AWS_RESERVED_ADDRESSES = 5;
/** kubenet programs one VPC route per node; route tables hold 50 routes by default. */
export const KUBENET_MAX_NODES = 50;
/** Each node is given a /24 of the pod CIDR. */
export const NODE_POD_PREFIX = 24;

type Report = (code: IssueCode, pointer: string, message: string, severity?: 'error' | 'warning') => void;

/**
 * Semantic rules the schema cannot express. Each reports with its own code; all run,
 * so one validation shows every problem.
 */
export function checkRules(spec: ResolvedSpec, report: Report): void {
  checkVersion(spec, report);
  checkZones(spec, report);
  checkControlPlane(spec, report);
  checkExistingNetwork(spec, report);
  const cidrsOk = checkCidrs(spec, report);
  if (cidrsOk) checkSubnets(spec, report);
  checkInstanceGroups(spec, report);
  checkUsers(spec, report);
  checkAccess(spec, report);
  checkApiDns(spec, report);
  checkImage(spec, report);
  checkArchitectures(spec, report);
  checkBackendPath(spec, report);
  checkProviderVersion(spec, report);
  checkServiceAccountIssuer(spec, report);
}

/** Every machine set with its pointer: the control plane and each worker group. */
function machineSets(spec: ResolvedSpec): Array<{ at: string; what: string; instanceType: string; architecture: string }> {
  return [
    { at: '/spec/controlPlane', what: 'the control plane', ...spec.controlPlane },
    ...spec.instanceGroups.map((g, i) => ({ at: `/spec/instanceGroups/${i}`, what: `group ${g.name}`, ...g })),
  ];
}

function checkArchitectures(spec: ResolvedSpec, report: Report): void {
  const sets = machineSets(spec);
  for (const set of sets) {
    const ofType = architectureOfInstanceType(set.instanceType);
    // The resolved architecture differs from the type's only when the spec wrote one.
    if (set.architecture !== ofType) {
      report(
        'HK290',
        `${set.at}/architecture`,
        `architecture ${set.architecture} contradicts instanceType ${set.instanceType} of ${set.what}, which is ${ofType}; drop architecture or choose a${set.architecture === 'arm64' ? ' Graviton (t4g, m7g, c7g, ...)' : 'n amd64 (t3, m6i, c7i, ...)'} type`,
      );
    }
  }
  spec.instanceGroups.forEach((g, i) => {
    // One launch template, one image: every type the group may launch must run it.
    g.mixedInstancesPolicy?.instances.forEach((type, j) => {
      const ofType = architectureOfInstanceType(type);
      if (ofType !== g.architecture) {
        report(
          'HK292',
          `/spec/instanceGroups/${i}/mixedInstancesPolicy/instances/${j}`,
          `${type} is ${ofType}, but group ${g.name} is ${g.architecture} (its launch template has one ${g.architecture} image); list types of one architecture, or make a group per architecture`,
        );
      }
    });
  });
  const architectures = new Set(sets.map((s) => s.architecture));
  if (spec.image.ami && architectures.size > 1) {
    const arm = sets.filter((s) => s.architecture === 'arm64').map((s) => s.what);
    report(
      'HK291',
      '/spec/image/ami',
      `image.ami ${spec.image.ami} is one image of one architecture, but the cluster has amd64 and arm64 machines (arm64: ${arm.join(', ')}); use image.name (hakube looks up Canonical's image of each architecture) or instance types of one architecture`,
    );
  }
}

/** An existing VPC (network.networkID): every zone names its subnets by id, and ids appear only then. */
function checkExistingNetwork(spec: ResolvedSpec, report: Report): void {
  const n = spec.network;
  const isPrivate = n.topology === 'private';
  const publicApi = spec.api.loadBalancer === 'public';
  const seen = new Map<string, string>();
  n.subnets.forEach((s, i) => {
    const at = `/spec/network/subnets/${i}`;
    for (const [field, id] of [['id', s.id], ['utilityId', s.utilityId]] as const) {
      if (!id) continue;
      if (!n.networkID) {
        report('HK212', `${at}/${field}`, `subnet ${field} ${id} names an existing subnet, which needs network.networkID (the existing VPC); add it, or drop the id to have hakube create the subnet`);
      }
      const first = seen.get(id);
      if (first) report('HK215', `${at}/${field}`, `subnet ${id} is already used as ${first}; each zone needs its own subnets`);
      else seen.set(id, `${s.zone} ${field}`);
    }
    if (!n.networkID) return;
    if (!s.id) report('HK213', at, `zone ${s.zone} needs the id of its existing machine subnet (subnets[].id), since the cluster goes into existing VPC ${n.networkID}`);
    if (isPrivate && publicApi && !s.utilityId) {
      report('HK214', at, `zone ${s.zone} needs utilityId, the existing public subnet for the internet-facing API load balancer (or set api.loadBalancer: internal)`);
    }
    if (s.utilityId && !(isPrivate && publicApi)) {
      report('HK214', `${at}/utilityId`, 'utilityId is used only by an internet-facing API load balancer in the private topology; remove it');
    }
  });
  if (!n.networkID) return;
  const named = new Set(n.subnets.map((s) => s.zone));
  const missing = spec.zones.filter((z) => !named.has(z));
  if (missing.length > 0) {
    report('HK213', '/spec/network/networkID', `an existing VPC needs a network.subnets entry (zone, cidr, id) for every zone; missing: ${missing.join(', ')}`);
  }
  if (isPrivate && publicApi) {
    report(
      'HK216',
      '/spec/api/loadBalancer',
      "machines of an existing VPC reach an internet-facing API load balancer through the VPC's own NAT gateways, whose addresses hakube does not know: add them to api.allowedCIDRs, or use api.loadBalancer: internal",
      'warning',
    );
  }
}

function checkApiDns(spec: ResolvedSpec, report: Report): void {
  const dns = spec.api.dns;
  if (dns?.associateVpc && !(spec.network.networkID && dns.privateZone)) {
    report(
      'HK266',
      '/spec/api/dns/associateVpc',
      spec.network.networkID
        ? 'associateVpc associates the existing VPC with a private zone, but the spec does not say the zone is private: set api.dns.privateZone: true, or remove associateVpc'
        : 'associateVpc is for an existing VPC (network.networkID); hakube always associates the VPC it creates with a private zone: remove it',
    );
  }
  if (spec.api.dns?.privateZone && spec.api.loadBalancer === 'public') {
    report(
      'HK265',
      '/spec/api/dns/privateZone',
      `the API load balancer is public but ${spec.api.dns.name} is in a private zone, which answers only inside associated VPCs: kubeconfigs name it, so clients outside cannot resolve it; use a public zone, or api.loadBalancer: internal`,
      'warning',
    );
  }
}

function checkImage(spec: ResolvedSpec, report: Report): void {
  const { ami, name, ubuntuRelease } = spec.image;
  if (ami && name) {
    report('HK270', '/spec/image', 'image.ami and image.name both pin the image; keep one (name for a Canonical image looked up per region, ami for an image of your own)');
  }
  const release = name ? releaseOfImageName(name) : undefined;
  if (release && release !== ubuntuRelease) {
    report('HK271', '/spec/image/name', `image ${name} is Ubuntu ${release}, but image.ubuntuRelease says ${ubuntuRelease}; drop ubuntuRelease or make them agree`);
  }
}

function checkVersion(spec: ResolvedSpec, report: Report): void {
  const minor = Number(spec.kubernetesVersion.split('.')[1]);
  const { oldest, newest } = SUPPORTED_KUBERNETES_MINORS;
  if (minor < oldest || minor > newest) {
    report(
      'HK242',
      '/spec/kubernetesVersion',
      `Kubernetes ${spec.kubernetesVersion} is outside the supported window 1.${oldest} to 1.${newest} (kubeadm v1beta4 config needs 1.31 or later)`,
    );
  }
}

function checkZones(spec: ResolvedSpec, report: Report): void {
  spec.zones.forEach((zone, i) => {
    if (!zone.startsWith(spec.region) || !/^[a-z]$/.test(zone.slice(spec.region.length))) {
      report('HK210', `/spec/zones/${i}`, `zone ${showValue(zone)} is not in region ${spec.region}; zones there look like ${spec.region}a`);
    }
  });
}

function quorum(members: number): number {
  return Math.floor(members / 2) + 1;
}

function checkControlPlane(spec: ResolvedSpec, report: Report): void {
  const { count, zones } = spec.controlPlane;
  if (count % 2 === 0) {
    report(
      'HK200',
      '/spec/controlPlane/count',
      `control-plane count ${count} is even: etcd needs a majority (${quorum(count)}), so ${count} members survive ${count - quorum(count)} failure(s), no more than ${count - 1} would; use ${count - 1} or ${count + 1}`,
    );
  } else if (count === 1) {
    report('HK201', '/spec/controlPlane/count', 'a single control-plane node is not highly available: losing it stops the API and etcd; use 3 or 5', 'warning');
  }
  zones.forEach((zone, i) => {
    if (!spec.zones.includes(zone)) {
      report('HK203', `/spec/controlPlane/zones/${i}`, `control-plane zone ${showValue(zone)} is not one of spec.zones (${spec.zones.join(', ')})`);
    }
  });
  if (count < 3) return;
  const perZone = new Map<string, number>();
  for (let i = 0; i < count; i++) perZone.set(zones[i % zones.length], (perZone.get(zones[i % zones.length]) ?? 0) + 1);
  const need = quorum(count);
  for (const [zone, members] of perZone) {
    if (count - members < need) {
      report(
        'HK202',
        spec.controlPlane.zones === spec.zones ? '/spec/zones' : '/spec/controlPlane/zones',
        `zone ${zone} holds ${members} of ${count} etcd members, so losing ${zone} leaves ${count - members}, below the quorum of ${need}; spread the members over at least ${count === 3 ? 3 : Math.ceil(count / (need - 1))} zones`,
      );
    }
  }
}

interface NamedCidr {
  pointer: string;
  label: string;
  cidr: Cidr;
}

function parseChecked(text: string, pointer: string, label: string, report: Report): NamedCidr | undefined {
  const problem = cidrProblem(text);
  if (problem) {
    report('HK220', pointer, `${label} ${showValue(text)} ${problem}`);
    return undefined;
  }
  return { pointer, label, cidr: parseCidr(text)! };
}

/** Returns true when the VPC, pod, service and subnet CIDRs all parse. */
function checkCidrs(spec: ResolvedSpec, report: Report): boolean {
  const n = spec.network;
  const vpc = parseChecked(n.vpcCIDR, '/spec/network/vpcCIDR', 'VPC CIDR', report);
  const pod = parseChecked(n.podCIDR, '/spec/network/podCIDR', 'pod CIDR', report);
  const svc = parseChecked(n.serviceCIDR, '/spec/network/serviceCIDR', 'service CIDR', report);
  let subnetsOk = true;
  n.subnets.forEach((s, i) => {
    if (!parseChecked(s.cidr, `/spec/network/subnets/${i}/cidr`, 'subnet CIDR', report)) subnetsOk = false;
    if (s.utilityCIDR && !parseChecked(s.utilityCIDR, `/spec/network/subnets/${i}/utilityCIDR`, 'utility subnet CIDR', report)) subnetsOk = false;
  });
  spec.api.allowedCIDRs.forEach((c, i) => parseChecked(c, `/spec/api/allowedCIDRs/${i}`, 'API access CIDR', report));
  spec.ssh.allowedCIDRs.forEach((c, i) => parseChecked(c, `/spec/ssh/allowedCIDRs/${i}`, 'SSH access CIDR', report));
  if (vpc && (vpc.cidr.prefix < 16 || vpc.cidr.prefix > 28)) {
    report('HK220', vpc.pointer, `VPC CIDR ${n.vpcCIDR} has prefix /${vpc.cidr.prefix}; AWS allows /16 to /28`);
  }
  const ranges = [vpc, pod, svc].filter((r): r is NamedCidr => r !== undefined);
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      if (overlaps(ranges[i].cidr, ranges[j].cidr)) {
        report(
          'HK222',
          ranges[j].pointer,
          `${ranges[j].label} ${formatCidr(ranges[j].cidr)} overlaps the ${ranges[i].label} ${formatCidr(ranges[i].cidr)}; VPC, pod and service ranges must be disjoint`,
        );
      }
    }
  }
  if (pod && pod.cidr.prefix > NODE_POD_PREFIX) {
    report('HK227', pod.pointer, `pod CIDR ${n.podCIDR} is smaller than one node's /${NODE_POD_PREFIX}; use /${NODE_POD_PREFIX} or larger`);
  } else if (pod) {
    const nodes = maxNodes(spec);
    const blocks = 2 ** (NODE_POD_PREFIX - pod.cidr.prefix);
    if (blocks < nodes) {
      report('HK227', pod.pointer, `pod CIDR ${n.podCIDR} holds ${blocks} node ranges (/${NODE_POD_PREFIX}) but the cluster may run ${nodes} nodes; use a larger pod CIDR`);
    }
  }
  if (svc && (svc.cidr.prefix < 12 || svc.cidr.prefix > 24)) {
    report('HK220', svc.pointer, `service CIDR ${n.serviceCIDR} has prefix /${svc.cidr.prefix}; Kubernetes accepts /12 to /24`);
  }
  return vpc !== undefined && subnetsOk;
}

export function maxNodes(spec: ResolvedSpec): number {
  return spec.controlPlane.count + spec.instanceGroups.reduce((sum, g) => sum + g.maxSize, 0);
}

function checkSubnets(spec: ResolvedSpec, report: Report): void {
  const n = spec.network;
  const vpc = parseCidr(n.vpcCIDR)!;
  const isPrivate = n.topology === 'private';
  n.subnets.forEach((s, i) => {
    const at = `/spec/network/subnets/${i}`;
    if (!spec.zones.includes(s.zone)) {
      report('HK224', `${at}/zone`, `subnet zone ${showValue(s.zone)} is not one of spec.zones (${spec.zones.join(', ')})`);
    }
    if (n.subnets.findIndex((o) => o.zone === s.zone) !== i) {
      report('HK224', `${at}/zone`, `zone ${s.zone} has more than one subnet entry; give each zone one`);
    }
    // In an existing VPC the NAT gateways are the VPC's own: a utility subnet is needed only for a public API.
    const needsUtility = isPrivate && (!n.networkID || spec.api.loadBalancer === 'public');
    if (needsUtility && !s.utilityCIDR) {
      const why = n.networkID ? 'the existing public subnet the internet-facing API load balancer goes in' : 'a public subnet for its NAT gateway';
      report('HK224', at, `the private topology needs a utilityCIDR for zone ${s.zone} (${why})`);
    }
    if (!isPrivate && s.utilityCIDR) {
      report('HK224', `${at}/utilityCIDR`, 'utilityCIDR is only used with topology: private; remove it or set network.topology to private');
    }
  });
  if (n.subnets.length > 0) {
    const missing = spec.zones.filter((z) => !n.subnets.some((s) => s.zone === z));
    if (missing.length > 0) {
      report('HK224', '/spec/network/subnets', `no subnet for zone(s) ${missing.join(', ')}; list every zone or omit subnets to have them computed`);
    }
  } else if (!canComputeSubnets(vpc.prefix)) {
    report('HK225', '/spec/network/vpcCIDR', `VPC CIDR ${n.vpcCIDR} is too small to compute subnets (needs /22 or larger); list network.subnets explicitly`);
    return;
  }
  const plan = planSubnets(spec);
  const blocks: NamedCidr[] = [];
  plan.forEach((zoneSubnets, zi) => {
    if (!zoneSubnets) return;
    const written = n.subnets.findIndex((s) => s.zone === zoneSubnets.zone);
    const base = written >= 0 ? `/spec/network/subnets/${written}` : '/spec/network/vpcCIDR';
    const machine = { pointer: written >= 0 ? `${base}/cidr` : base, label: `subnet of ${zoneSubnets.zone}`, cidr: parseCidr(zoneSubnets.cidr)! };
    blocks.push(machine);
    if (zoneSubnets.utilityCIDR) {
      blocks.push({ pointer: written >= 0 ? `${base}/utilityCIDR` : base, label: `utility subnet of ${zoneSubnets.zone}`, cidr: parseCidr(zoneSubnets.utilityCIDR)! });
    }
    checkCapacity(spec, zi, machine, report);
  });
  for (const b of blocks) {
    if (!contains(vpc, b.cidr)) report('HK221', b.pointer, `${b.label} ${formatCidr(b.cidr)} is not inside the VPC CIDR ${n.vpcCIDR}`);
    if (b.cidr.prefix > 28) report('HK220', b.pointer, `${b.label} ${formatCidr(b.cidr)} is smaller than /28, the smallest subnet AWS allows`);
  }
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      if (overlaps(blocks[i].cidr, blocks[j].cidr)) {
        report('HK223', blocks[j].pointer, `${blocks[j].label} ${formatCidr(blocks[j].cidr)} overlaps the ${blocks[i].label} ${formatCidr(blocks[i].cidr)}`);
      }
    }
  }
}

/**
 * A zone's subnet must hold, at once, its control-plane members, every group that spans the zone
 * at maxSize (an auto-scaling group may put all its machines in one zone while another is down),
 * the API load balancer's address when it lives there, and AWS's reserved addresses.
 */
function checkCapacity(spec: ResolvedSpec, zoneIndex: number, subnet: NamedCidr, report: Report): void {
  const zone = spec.zones[zoneIndex];
  const { count, zones: cpZones } = spec.controlPlane;
  let members = 0;
  for (let i = 0; i < count; i++) if (cpZones[i % cpZones.length] === zone) members++;
  const groups = spec.instanceGroups.filter((g) => g.zones.includes(zone));
  const workers = groups.reduce((sum, g) => sum + g.maxSize, 0);
  const lbHere = spec.network.topology === 'public' || spec.api.loadBalancer === 'internal' ? 1 : 0;
  const needed = members + workers + lbHere + AWS_RESERVED_ADDRESSES;
  const available = size(subnet.cidr);
  if (needed > available) {
    const parts = [`${members} control-plane`, ...groups.map((g) => `${g.maxSize} in group ${g.name}`)];
    report(
      'HK226',
      subnet.pointer,
      `${subnet.label} ${formatCidr(subnet.cidr)} has ${available} addresses but needs ${needed}: ${parts.join(', ')}${lbHere ? ', 1 load balancer' : ''} and ${AWS_RESERVED_ADDRESSES} reserved by AWS; use a /${32 - Math.ceil(Math.log2(needed))} or larger`,
    );
  }
}

/** The default quota of rules on an account's default EventBridge bus, per region (adjustable). */
const EVENT_BUS_RULES_QUOTA = 300;
/** A cluster taking a third of that quota on its own is worth a warning before an apply fails half-way. */
const EVENT_BUS_RULES_WARNING = EVENT_BUS_RULES_QUOTA / 3;

/** The node-termination rules the cluster puts on the default bus (src/emit/terraform/node-termination.ts). */
function eventBridgeRules(spec: ResolvedSpec): number {
  return spec.instanceGroups.length + EC2_EVENT_RULE_IDS.length;
}

/**
 * Each group's lifecycle rule gets a name of its own: names are cut at EventBridge's 64 characters, and a second rule
 * created under a taken name replaces the first, whose group would then lose the events that drain its workers.
 */
function checkEventRuleNames(spec: ResolvedSpec, report: Report): void {
  const slug = clusterSlug(spec.name);
  const owners = new Map<string, string>(EC2_EVENT_RULE_IDS.map((id) => [eventRuleName(slug, id), `the ${id.replace(/_/g, ' ')} rule`]));
  spec.instanceGroups.forEach((g, i) => {
    const name = eventRuleName(slug, lifecycleRuleId(terraformId(g.name)));
    const owner = owners.get(name);
    // A name used twice is HK240's.
    if (owner === `group ${g.name}`) return;
    if (owner === undefined) {
      owners.set(name, `group ${g.name}`);
      return;
    }
    report(
      'HK244',
      `/spec/instanceGroups/${i}/name`,
      `group ${g.name}'s EventBridge rule would be named ${name}, like ${owner}'s (rule names are cut at 64 characters): EventBridge keeps one rule per name, so the apply would fail or one rule would replace the other and leave a group's workers terminating without being drained; rename the group so that the first ${64 - eventRuleNamePrefix(slug).length} characters of its name are its own`,
    );
  });
}

function checkInstanceGroups(spec: ResolvedSpec, report: Report): void {
  const seen = new Map<string, number>();
  spec.instanceGroups.forEach((g, i) => {
    const at = `/spec/instanceGroups/${i}`;
    const first = seen.get(g.name);
    if (first !== undefined) report('HK240', `${at}/name`, `instance group name ${showValue(g.name)} is already used by group ${first}; names must be unique`);
    else seen.set(g.name, i);
    if (g.minSize > g.maxSize) {
      report('HK241', `${at}/minSize`, `minSize ${g.minSize} is larger than maxSize ${g.maxSize}; minSize must be at most maxSize`);
    }
    for (const key of Object.keys(g.labels)) {
      const why = kubeletLabelProblem(key);
      if (why) report('HK232', `${at}/labels/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, why);
    }
    g.zones.forEach((zone, zi) => {
      if (!spec.zones.includes(zone)) report('HK211', `${at}/zones/${zi}`, `zone ${showValue(zone)} of group ${g.name} is not one of spec.zones (${spec.zones.join(', ')})`);
    });
    checkMixedInstances(spec.instanceGroups[i]!, at, report);
  });
  checkEventRuleNames(spec, report);
  const rules = eventBridgeRules(spec);
  if (rules > EVENT_BUS_RULES_WARNING) {
    report(
      'HK243',
      '/spec/instanceGroups',
      `${spec.instanceGroups.length} instance groups need ${rules} EventBridge rules (one per group for its drain hook's lifecycle actions, three for EC2 events) on the account's default event bus, which allows ${EVENT_BUS_RULES_QUOTA} rules by default for the whole account and region, shared with other clusters and users; check the quota (Service Quotas: Amazon EventBridge) before applying, or use fewer, larger groups`,
      'warning',
    );
  }
  if (spec.addons.clusterAutoscaler.enabled && spec.instanceGroups.every((g) => g.minSize === g.maxSize)) {
    report('HK249', '/spec/addons/clusterAutoscaler/enabled', 'the cluster-autoscaler has nothing to scale: every instance group has minSize equal to maxSize; give a group room (maxSize above minSize) or leave it off', 'warning');
  }
  if (spec.network.cni === 'kubenet' && spec.network.topology === 'private') {
    report(
      'HK231',
      '/spec/network/cni',
      "kubenet needs one route table for the cloud-controller-manager's pod routes, but the private topology has one per zone; use calico or cilium, or the public topology",
    );
  }
  if (spec.network.cni === 'kubenet') {
    const nodes = maxNodes(spec);
    if (nodes > KUBENET_MAX_NODES) {
      report(
        'HK230',
        '/spec/network/cni',
        `kubenet needs a VPC route per node and AWS route tables hold ${KUBENET_MAX_NODES}; this cluster may run ${nodes} nodes (control plane plus every group's maxSize); use calico or cilium, or lower maxSize`,
      );
    }
  }
}

/** Label keys in the kubernetes.io and k8s.io namespaces a kubelet may set on its own Node (k8s.io/kubelet/pkg/apis). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'kubernetes.io/instance-type',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.kubernetes.io/zone',
  'failure-domain.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
]);
/** Namespaces (and their subdomains) a kubelet may always label itself under. */
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

/**
 * Why the kubelet would refuse to start with this label in --node-labels, or undefined. It refuses keys in the
 * kubernetes.io and k8s.io namespaces (and their subdomains, node-role.kubernetes.io among them) except its own.
 */
export function kubeletLabelProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  if (slash < 0) return undefined;
  const namespace = key.slice(0, slash);
  const under = (domain: string) => namespace === domain || namespace.endsWith(`.${domain}`);
  if (!under('kubernetes.io') && !under('k8s.io')) return undefined;
  if (KUBELET_LABELS.has(key) || KUBELET_LABEL_NAMESPACES.some(under)) return undefined;
  const hint = namespace === 'node-role.kubernetes.io' ? '; for a role, use a label of your own (e.g. example.com/role) or node.kubernetes.io/...' : '';
  return `label ${showValue(key)} is in the ${namespace} namespace, which the kubelet may not set on its own node (it would refuse to start); only kubelet.kubernetes.io/, node.kubernetes.io/ and its well-known labels are allowed there${hint}`;
}

function checkMixedInstances(g: ResolvedSpec['instanceGroups'][number], at: string, report: Report): void {
  const m = g.mixedInstancesPolicy;
  if (!m) {
    if (g.capacityRebalance) report('HK245', `${at}/capacityRebalance`, `group ${g.name} runs no Spot machines, so capacityRebalance has nothing to rebalance; drop it or add a mixedInstancesPolicy with Spot capacity`, 'warning');
    return;
  }
  if (!m.instances.includes(g.instanceType)) {
    report('HK246', `${at}/instanceType`, `instanceType ${g.instanceType} is not one of mixedInstancesPolicy.instances (${m.instances.join(', ')}); the launch template's type must be one the group may launch: add it there or drop instanceType`);
  }
  if (m.onDemandBase > g.maxSize) {
    report('HK247', `${at}/mixedInstancesPolicy/onDemandBase`, `onDemandBase ${m.onDemandBase} is larger than maxSize ${g.maxSize}; the group can never launch that many On-Demand machines`);
  }
  if (m.spotInstancePools !== undefined && m.spotAllocationStrategy !== 'lowest-price') {
    report('HK248', `${at}/mixedInstancesPolicy/spotInstancePools`, `spotInstancePools applies only with spotAllocationStrategy lowest-price (this group uses ${m.spotAllocationStrategy}); drop it or choose lowest-price`);
  }
}

function checkUsers(spec: ResolvedSpec, report: Report): void {
  const seen = new Set<string>();
  spec.users.forEach((u, i) => {
    if (seen.has(u.name)) report('HK250', `/spec/users/${i}/name`, `user ${showValue(u.name)} is listed twice; user names must be unique`);
    seen.add(u.name);
    const reserved = reservedUserNameProblem(u.name);
    if (reserved) report('HK253', `/spec/users/${i}/name`, reserved);
    if (u.groups.includes('system:masters')) report('HK251', `/spec/users/${i}/groups`, systemMastersWarning(u.name), 'warning');
  });
}

function checkAccess(spec: ResolvedSpec, report: Report): void {
  if (spec.ssh.publicKey !== undefined && spec.ssh.publicKeyFile !== undefined) {
    report('HK260', '/spec/ssh/publicKeyFile', 'give either ssh.publicKey or ssh.publicKeyFile, not both');
  }
  const keyProblem = spec.ssh.publicKey === undefined ? undefined : sshPublicKeyProblem(spec.ssh.publicKey);
  if (keyProblem) {
    report('HK264', '/spec/ssh/publicKey', `ssh.publicKey is not a usable OpenSSH public key: ${keyProblem}; paste the whole line of your .pub file (ssh-keygen -l -f <file> checks it)`);
  }
  if (spec.ssh.allowedCIDRs.length > 0 && spec.ssh.publicKey === undefined && spec.ssh.publicKeyFile === undefined) {
    report('HK261', '/spec/ssh/allowedCIDRs', 'SSH is opened to allowedCIDRs but no public key is installed; add ssh.publicKey or ssh.publicKeyFile', 'warning');
  }
  if (spec.api.loadBalancer === 'public' && spec.network.topology === 'public' && spec.api.allowedCIDRs.length > 0 && !spec.api.allowedCIDRs.includes('0.0.0.0/0')) {
    report(
      'HK263',
      '/spec/api/allowedCIDRs',
      'with the public topology, machines reach an internet-facing API load balancer from their own public addresses, which allowedCIDRs cannot name, so nodes could not join; use api.loadBalancer: internal, network.topology: private (NAT addresses are allowed automatically), or allow 0.0.0.0/0',
    );
  }
  if (spec.api.loadBalancer === 'public' && spec.api.allowedCIDRs.length === 0) {
    report('HK262', '/spec/api', 'the API load balancer is public but api.allowedCIDRs is empty, so nobody outside the VPC can reach it; list your networks (or 0.0.0.0/0)', 'warning');
  }
}
