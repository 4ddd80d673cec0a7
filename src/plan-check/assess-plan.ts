import { bucketObjectAddress, memberAddresses, SECRETS_BUCKET_ADDRESS, SECRETS_KMS_KEY_ADDRESS } from '../emit/terraform/addresses.js';
import { changedArguments, changeEffect } from '../model/aws-semantics.js';
import { PKI_DIR, SECRET_FILES, type BucketObject } from '../model/bucket-layout.js';
import type { ClusterModel } from '../model/model.js';
import { UserError } from '../errors.js';
import { ownValue } from '../own-value.js';
import { escapeControl, showList } from '../show-value.js';
import type { ResourceChange, TerraformPlan } from './load-plan.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  severity: Severity;
  address: string;
  message: string;
}

export interface MemberImpact {
  member: string;
  /** replaced, deleted, created, stopped and started, volume detached. */
  effect: string;
}

export interface PlanAssessment {
  /** unsafe: applying the plan can lose etcd quorum, etcd data or the cluster's trust. */
  verdict: 'safe' | 'unsafe';
  etcd: {
    /** Members before the apply (existing in state). */
    membersBefore: number;
    membersAfter: number;
    quorum: number;
    /** Existing members that stay up throughout the apply. */
    undisrupted: number;
    disrupted: MemberImpact[];
    created: string[];
  };
  findings: Finding[];
}

/** Files whose change breaks trust across the cluster: CAs, the service-account key pair, the encryption key. */
const TRUST_SOURCES: ReadonlyMap<string, string> = new Map([
  [`${PKI_DIR}/ca.crt`, 'the cluster CA certificate'],
  [`${PKI_DIR}/ca.key`, 'the cluster CA key'],
  [`${PKI_DIR}/front-proxy-ca.crt`, 'the front-proxy CA certificate'],
  [`${PKI_DIR}/front-proxy-ca.key`, 'the front-proxy CA key'],
  [`${PKI_DIR}/etcd/ca.crt`, 'the etcd CA certificate'],
  [`${PKI_DIR}/sa.key`, 'the service-account signing key'],
  [`${PKI_DIR}/sa.pub`, 'the service-account public key'],
  [`${PKI_DIR}/${SECRET_FILES.encryptionConfig}`, 'the Secret encryption key (encryption-config.yaml)'],
]);

/** Ports whose rules carry the control plane's own traffic: etcd client and peer, the API, the kubelet. */
const CRITICAL_PORTS: Array<[number, string]> = [
  [2379, 'etcd client'],
  [2380, 'etcd peer'],
  [6443, 'Kubernetes API'],
  [10250, 'kubelet'],
];

/** Object arguments that decide what a machine fetches: any other change (tags, metadata) leaves the content as it is. */
const OBJECT_CONTENT = ['source_hash', 'source', 'content', 'content_base64', 'key', 'bucket'];

// Tables looked up by strings a plan holds (resource types, reasons) are Maps: a type named `constructor` is found
// in none of them.

/** Shared networking every machine depends on: replacing or deleting it takes every machine off the network. */
const NETWORK_TYPES: ReadonlyMap<string, Severity> = new Map([
  ['aws_vpc', 'error'],
  ['aws_subnet', 'error'],
  ['aws_internet_gateway', 'warning'],
  ['aws_nat_gateway', 'warning'],
  ['aws_route_table', 'warning'],
  ['aws_route', 'warning'],
  ['aws_route_table_association', 'warning'],
]);

/** Why Terraform replaces or deletes a resource (action_reason), in words a reviewer knows from `terraform plan`. */
const REASONS: ReadonlyMap<string, string> = new Map([
  ['replace_because_tainted', 'it is tainted'],
  ['replace_by_request', 'of -replace'],
  ['replace_because_cannot_update', 'a changed argument forces it'],
  ['delete_because_no_resource_config', 'its configuration is gone'],
  ['delete_because_count_index', 'of its count'],
  ['delete_because_each_key', 'of its for_each'],
]);

/** Addresses and member names sort with their numbers in order (control-plane-2 before control-plane-10). */
const byNumbers = new Intl.Collator('en', { numeric: true }).compare;

/** Rule arguments naming who may send the traffic. */
const RULE_SOURCE = ['security_group_id', 'cidr_ipv4', 'cidr_ipv6', 'cidr_blocks', 'referenced_security_group_id', 'source_security_group_id', 'prefix_list_id', 'self', 'type'];

const RULE_TYPES = new Set(['aws_vpc_security_group_ingress_rule', 'aws_vpc_security_group_egress_rule', 'aws_security_group_rule']);

function quorumOf(members: number): number {
  return Math.floor(members / 2) + 1;
}

function removes(c: ResourceChange): boolean {
  return c.change.actions.includes('delete');
}

function isReplace(c: ResourceChange): boolean {
  return c.change.actions.includes('delete') && c.change.actions.includes('create');
}

function creates(c: ResourceChange): boolean {
  return c.change.actions.length === 1 && c.change.actions[0] === 'create';
}

function updates(c: ResourceChange): boolean {
  return c.change.actions.includes('update');
}

function changes(c: ResourceChange): boolean {
  return c.change.actions.some((a) => a === 'update' || a === 'delete' || a === 'create');
}

function isUnknown(c: ResourceChange, key: string): boolean {
  const unknown = c.change.after_unknown;
  return unknown === true || (typeof unknown === 'object' && unknown !== null && ownValue(unknown, key) === true);
}

function differs(c: ResourceChange, key: string): boolean {
  const value = (values: Record<string, unknown> | null) => (values === null ? undefined : ownValue(values, key));
  return isUnknown(c, key) || JSON.stringify(value(c.change.before) ?? null) !== JSON.stringify(value(c.change.after) ?? null);
}

/** Stands for a value known only after the apply: a comparison with the state's value sees it change. */
const UNKNOWN = '(known after apply)';

/** `after` with each value after_unknown marks (true) put as UNKNOWN, in blocks and lists too. */
function withUnknowns(after: unknown, unknown: unknown): unknown {
  if (unknown === true) return UNKNOWN;
  if (Array.isArray(unknown)) return unknown.map((u, i) => withUnknowns(Array.isArray(after) ? after[i] : undefined, u));
  if (typeof unknown !== 'object' || unknown === null) return after;
  // Null-prototype: an argument named `__proto__` is set as a key, not as this object's prototype.
  const known = Object.assign(Object.create(null) as Record<string, unknown>, typeof after === 'object' && after !== null && !Array.isArray(after) ? after : {});
  for (const [k, u] of Object.entries(unknown)) known[k] = withUnknowns(known[k], u);
  return known;
}

/** A change's after values with the unknown ones marked; a wholly unknown after changes every argument. */
function knownAfter(c: ResourceChange): Record<string, unknown> {
  const unknown = c.change.after_unknown === true ? Object.fromEntries(Object.keys(c.change.before ?? {}).map((k) => [k, true])) : c.change.after_unknown;
  return withUnknowns(c.change.after ?? {}, unknown ?? {}) as Record<string, unknown>;
}

/** Why a resource is replaced or deleted, in the words of REASONS. */
function why(c: ResourceChange): string {
  const forced = (c.change.replace_paths ?? []).map((p) => p.join('.')).filter((p) => p.length > 0);
  const reason = c.action_reason ? REASONS.get(c.action_reason) ?? c.action_reason : undefined;
  const parts = [reason ? `because ${reason}` : '', forced.length > 0 ? `(${showList(forced, 'argument(s)')})` : ''].filter((p) => p);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

function portRange(values: Record<string, unknown> | null): [number, number] | undefined {
  if (!values) return undefined;
  const from = values.from_port;
  const to = values.to_port;
  const protocol = values.ip_protocol ?? values.protocol;
  if (protocol === '-1' || protocol === 'all') return [0, 65535];
  return typeof from === 'number' && typeof to === 'number' ? [from, to] : undefined;
}

function carriedTraffic(values: Record<string, unknown> | null): string[] {
  const range = portRange(values);
  if (!range) return [];
  return CRITICAL_PORTS.filter(([port]) => port >= range[0] && port <= range[1]).map(([, what]) => what);
}

/** A change with its address inside the module that holds hakube's resources (the address hakube gave it). */
interface LocalChange extends ResourceChange {
  local: string;
}

function localAddress(c: ResourceChange): string {
  return c.module_address ? c.address.slice(c.module_address.length + 1) : c.address;
}

/**
 * The module holding hakube's resources: the one named, else the one where the secrets bucket or a member instance
 * is. A cluster generated into a folder used as a module (`module "cluster" { source = "./generated/..." }`) is
 * found there; two such modules are a question only the user can answer.
 */
function hakubeModule(changes: ResourceChange[], named: string | undefined, model: ClusterModel): string {
  if (named !== undefined) {
    const module = named === '' || named === '.' ? '' : named;
    if (!changes.some((c) => (c.module_address ?? '') === module)) {
      const modules = [...new Set(changes.map((c) => c.module_address ?? '(root)'))].sort();
      // Module addresses come from the plan (and --module from the command line): escaped, as the CLI prints messages as they are.
      throw new UserError(`the plan changes nothing in module ${escapeControl(module) || '(root)'}; it changes ${showList(modules.map(escapeControl), 'module(s)') || 'nothing'}`);
    }
    return module;
  }
  const markers = new Set([SECRETS_BUCKET_ADDRESS, ...model.controlPlane.members.map((m) => memberAddresses(m).instance)]);
  const holding = [...new Set(changes.filter((c) => markers.has(localAddress(c))).map((c) => c.module_address ?? ''))].sort();
  if (holding.length > 1) {
    throw new UserError(`the plan holds hakube clusters in several modules (${showList(holding.map((m) => escapeControl(m) || '(root)'))}); name one with --module`);
  }
  return holding[0] ?? '';
}

/**
 * What applying `plan` does to the cluster `model` describes. The members, their etcd volumes and attachments, and
 * the bucket objects are found by the addresses hakube gave them (src/emit/terraform/addresses.ts), never by
 * guessing at names. Pure.
 */
export function assessPlan(model: ClusterModel, objects: BucketObject[], plan: TerraformPlan, options: { module?: string } = {}): PlanAssessment {
  const managed = plan.resourceChanges.filter((c) => c.mode === 'managed');
  const module = hakubeModule(managed, options.module, model);
  const mine: LocalChange[] = managed.filter((c) => (c.module_address ?? '') === module).map((c) => ({ ...c, local: localAddress(c) }));
  const byAddress = new Map(mine.filter((c) => !c.deposed).map((c) => [c.local, c]));
  const findings: Finding[] = [];
  const claimed = new Set<string>();
  const add = (severity: Severity, address: string, message: string) => findings.push({ severity, address, message });
  const specMembers = new Set(model.controlPlane.members.map((m) => m.name));

  // Members: the model's, plus any member instance the plan removes that the spec no longer has.
  const memberNames = new Set(model.controlPlane.members.map((m) => m.name));
  for (const c of byAddress.values()) {
    if (c.type !== 'aws_instance') continue;
    const match = /^control_plane_(\d+)$/.exec(c.name);
    if (match && c.local === memberAddresses({ name: `control-plane-${match[1]}` }).instance) memberNames.add(`control-plane-${match[1]}`);
  }
  const members = [...memberNames].sort(byNumbers);
  // A member whose instance is not in the state is no etcd member yet (the spec grows beyond it), whatever the spec
  // says: it neither keeps quorum nor counts towards it until an apply creates it.
  const inState = (local: string) => plan.priorAddresses.has(module ? `${module}.${local}` : local) || (byAddress.get(local)?.change.before ?? null) !== null;
  const disrupted: MemberImpact[] = [];
  const created: string[] = [];
  let before = 0;
  let removed = 0;
  let undisrupted = 0;
  for (const member of members) {
    const addresses = memberAddresses({ name: member });
    const instance = byAddress.get(addresses.instance);
    const volume = byAddress.get(addresses.etcdVolume);
    const attachment = byAddress.get(addresses.etcdVolumeAttachment);
    Object.values(addresses).forEach((a) => claimed.add(a));
    const existed = inState(addresses.instance);
    if (existed) before += 1;
    if (existed && instance && removes(instance) && !isReplace(instance)) removed += 1;
    const effects: string[] = [];
    if (instance && creates(instance)) created.push(member);
    else if (instance && isReplace(instance)) effects.push(`replaced${why(instance)}`);
    else if (instance && removes(instance)) effects.push(`deleted${why(instance)}`);
    else if (instance && updates(instance)) {
      // An argument the provider updates on a running machine leaves it up; any other may stop it (an in-place
      // change of an argument the table says replaces the instance is the provider's call, and no safer).
      const planned = instance.change.after ?? {};
      const stopping = changedArguments('aws_instance', instance.change.before ?? {}, knownAfter(instance)).filter((k) => changeEffect('aws_instance', k, planned) !== 'update');
      if (stopping.length > 0) effects.push(`stopped and started to change ${showList(stopping, 'argument(s)')}`);
    }
    // The volume's own plan says it exists: its data goes even when its machine is gone from the state.
    if (volume && removes(volume)) {
      if (!specMembers.has(member) && !isReplace(volume)) {
        // Shrinking the control plane: the data of a member the spec dropped goes with it, as it should, once etcd
        // no longer counts it.
        add('warning', volume.address, `deletes the etcd data volume of ${member}, which the spec no longer has: remove the member from etcd first (etcdctl member remove; docs/ha.md), one member per apply`);
      } else {
        add('error', volume.address, `${isReplace(volume) ? 'replaces' : 'deletes'} the etcd data volume of ${member}${why(volume)}: its etcd data is lost`);
      }
      effects.push(isReplace(volume) ? 'etcd data volume replaced' : 'etcd data volume deleted');
    }
    const instanceGoes = instance !== undefined && removes(instance);
    if (attachment && removes(attachment) && existed) {
      if (!instanceGoes) {
        add('error', attachment.address, `detaches the etcd data volume of ${member} while the member runs${why(attachment)} (the machine is stopped to detach it)`);
        effects.push('etcd volume detached');
      }
    }
    if (existed && effects.length > 0) disrupted.push({ member, effect: effects.join('; ') });
    else if (existed) undisrupted += 1;
  }
  const after = before - removed + created.length;
  // etcd counts a new member from `member add`, before its machine has joined, and a deleted one until `member
  // remove`: during the apply the quorum is that of the existing members plus the new ones.
  const size = before + created.length;
  const quorum = quorumOf(size);
  if (disrupted.length > 0 || created.length > 0) {
    const list = showList(disrupted.map((d) => `${d.member} (${d.effect})`), 'member(s)');
    if (before > 0 && undisrupted < quorum) {
      add('error', 'etcd', `${disrupted.length} of ${before} etcd members are disrupted at once: ${list}. Only ${undisrupted} stay up, fewer than the quorum of ${quorum}: etcd stops accepting writes and the API goes down. Apply one member at a time (hakube rollout next; docs/ha.md)`);
    } else if (disrupted.length > 0) {
      add('warning', 'etcd', `${list}: ${undisrupted} of ${size} members stay up, quorum ${quorum} holds; wait until the member is healthy again before the next step`);
    }
    if (created.length > 0 && before === 0) {
      add('info', 'etcd', `creates the cluster's ${created.length} control-plane members (a new cluster)`);
    } else if (created.length > 0) {
      const severity: Severity = created.length > 1 ? 'error' : 'warning';
      const note = created.length > 1 ? ' at once: add etcd members one per apply, so the cluster never counts two members that are not running yet' : '';
      add(severity, 'etcd', `adds control-plane member${created.length > 1 ? 's' : ''} ${created.join(', ')}${note}`);
    }
  }

  // Bucket objects: trust material is an error to change, leaves and add-ons are worth a look.
  const objectsByAddress = new Map<string, BucketObject[]>();
  for (const o of objects) objectsByAddress.set(bucketObjectAddress(o), [...(objectsByAddress.get(bucketObjectAddress(o)) ?? []), o]);
  for (const [address, held] of objectsByAddress) {
    const c = byAddress.get(address);
    claimed.add(address);
    if (!c || !changes(c) || creates(c)) continue;
    const object = held[0]!;
    const verb = isReplace(c) ? 'replaces' : removes(c) ? 'deletes' : 'changes';
    const trust = TRUST_SOURCES.get(object.source);
    if (!removes(c) && !OBJECT_CONTENT.some((k) => differs(c, k))) {
      add('info', address, `updates ${object.key} in place (${showList(changedKeys(c), 'argument(s)') || 'attributes known after apply'}); its content is unchanged`);
    } else if (trust && !removes(c) && firstHashRecord(c)) {
      // State written before hakube recorded content hashes holds none: the plan cannot tell a re-upload of the same
      // file from a new one.
      add('warning', address, `records the content hash of ${object.key}, ${trust}, for the first time and uploads it again: the content is unchanged unless ${object.source} changed (hakube certs check)`);
    } else if (trust) {
      add('error', address, `${verb} ${object.key}, ${trust}: machines that fetch it next would no longer trust, or be trusted by, the running cluster (a CA or the service-account key is never rotated by an apply; docs/pki.md)`);
    } else if (object.source.startsWith(`${PKI_DIR}/`)) {
      add('warning', address, `${verb} ${object.key} (${object.member ? `${object.member}'s ` : ''}certificate or secret): machines pick it up when they next fetch it`);
    } else {
      add('warning', address, `${verb} ${object.key}: add-on configuration the control plane applies`);
    }
  }

  for (const [address, what] of [
    [SECRETS_BUCKET_ADDRESS, 'the secrets bucket'],
    [SECRETS_KMS_KEY_ADDRESS, 'the KMS key of the secrets bucket'],
  ] as const) {
    const c = byAddress.get(address);
    claimed.add(address);
    if (c && removes(c)) add('error', address, `${isReplace(c) ? 'replaces' : 'deletes'} ${what}${why(c)}: every certificate, key and bootstrap file the machines fetch goes with it`);
    else if (c && address === SECRETS_KMS_KEY_ADDRESS && updates(c) && c.change.after?.is_enabled === false) {
      add('error', address, `disables ${what}: no machine can fetch its certificates, keys or bootstrap files until it is enabled again`);
    } else if (c && address === SECRETS_KMS_KEY_ADDRESS && updates(c) && differs(c, 'policy')) {
      add('warning', address, `changes the key policy of ${what}: a role it no longer lets decrypt cannot fetch from the bucket`);
    } else if (c && updates(c)) add('info', address, `updates ${what} in place (${showList(changedKeys(c), 'argument(s)') || 'attributes known after apply'})`);
  }

  // One index of the members' etcd volumes: a plan may hold thousands of member-like instances and deposed objects.
  const memberOfVolume = new Map([...memberNames].map((m) => [memberAddresses({ name: m }).etcdVolume, m]));
  for (const c of mine.filter((d) => d.deposed !== undefined && removes(d))) {
    const volumeOf = memberOfVolume.get(c.local);
    if (volumeOf) add('error', c.address, `deletes a deposed copy of the etcd data volume of ${volumeOf} (left by an interrupted apply): check which copy holds the data before applying`);
    else add('info', c.address, `deletes deposed object ${c.deposed} (left by an interrupted apply)`);
  }

  const groupsById = new Map(model.instanceGroups.map((g) => [g.id, g]));
  for (const c of byAddress.values()) {
    if (claimed.has(c.local) || !changes(c)) continue;
    if (RULE_TYPES.has(c.type) && removes(c)) {
      const traffic = carriedTraffic(c.change.before);
      if (traffic.length > 0) {
        add('error', c.address, `${isReplace(c) ? 'replaces' : 'deletes'} a security-group rule that carries ${traffic.join(', ')} traffic${why(c)}: the control plane is cut off until it exists again`);
        continue;
      }
    }
    if (RULE_TYPES.has(c.type) && updates(c)) {
      const carried = carriedTraffic(c.change.before);
      const kept = carriedTraffic(c.change.after);
      const lost = carried.filter((t) => !kept.includes(t));
      const source = RULE_SOURCE.filter((k) => differs(c, k));
      if (lost.length > 0 || (carried.length > 0 && source.length > 0)) {
        const what = lost.length > 0 ? `stops carrying ${lost.join(', ')} traffic` : `changes who may send ${carried.join(', ')} traffic (${source.join(', ')})`;
        add('error', c.address, `changes a security-group rule in place: it ${what}; machines that relied on it are cut off`);
        continue;
      }
    }
    const network = NETWORK_TYPES.get(c.type);
    if (network && removes(c)) {
      add(network, c.address, `${isReplace(c) ? 'replaces' : 'deletes'} ${c.type.replace(/^aws_/, '').replace(/_/g, ' ')} ${c.name}${why(c)}: the machines that use it lose their network until it exists again`);
      continue;
    }
    if (c.type === 'aws_lb_target_group' && removes(c)) {
      add('warning', c.address, `${isReplace(c) ? 'replaces' : 'deletes'} the API target group${why(c)}: the API is unreachable through the load balancer until the members register in the new one and pass its health check`);
      continue;
    }
    if (c.type === 'aws_lb_listener' && removes(c)) {
      add('warning', c.address, `${isReplace(c) ? 'replaces' : 'deletes'} the API listener${why(c)}: the API is unreachable until it exists again`);
      continue;
    }
    if (c.type === 'aws_security_group' && removes(c)) {
      add('error', c.address, `${isReplace(c) ? 'replaces' : 'deletes'} security group ${c.name}${why(c)}, with every rule in it`);
      continue;
    }
    if (c.type === 'aws_autoscaling_group' || c.type === 'aws_launch_template') {
      const group = groupsById.get(c.name);
      const name = group ? `worker group ${group.name}` : c.address;
      if (removes(c)) add('warning', c.address, `${isReplace(c) ? 'replaces' : 'deletes'} ${name}${why(c)}: all of its workers go at once`);
      else if (c.type === 'aws_launch_template' && updates(c)) add('warning', c.address, `new launch template for ${name}: its workers are recycled by an instance refresh`);
      else if (updates(c)) add('info', c.address, `updates ${name} in place (${showList(changedKeys(c), 'argument(s)') || 'attributes known after apply'})`);
      continue;
    }
    if (c.type === 'aws_lb' && removes(c)) {
      add('warning', c.address, `${isReplace(c) ? 'replaces' : 'deletes'} the API load balancer${why(c)}: the API address changes${model.api.dns ? '' : ' and kubeconfigs must be written again'}`);
      continue;
    }
    if (c.type === 'aws_instance' && /^control_plane_/.test(c.name)) continue;
    if (removes(c)) add('info', c.address, `${isReplace(c) ? 'replaced' : 'deleted'}${why(c)}`);
  }

  const order: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  findings.sort((a, b) => order[a.severity] - order[b.severity] || byNumbers(a.address, b.address));
  return {
    verdict: findings.some((f) => f.severity === 'error') ? 'unsafe' : 'safe',
    etcd: { membersBefore: before, membersAfter: after, quorum, undisrupted, disrupted, created },
    findings,
  };
}

/** The state held no content hash: it predates hakube's recorded hashes. */
function firstHashRecord(c: ResourceChange): boolean {
  const before = c.change.before === null ? undefined : ownValue(c.change.before, 'source_hash');
  return (before === undefined || before === null || before === '') && !OBJECT_CONTENT.filter((k) => k !== 'source_hash').some((k) => differs(c, k));
}

function changedKeys(c: ResourceChange): string[] {
  const keys = new Set([...Object.keys(c.change.before ?? {}), ...Object.keys(c.change.after ?? {})]);
  return [...keys].filter((k) => k !== 'tags_all' && differs(c, k)).sort();
}
