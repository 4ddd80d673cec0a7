import { bucketObjectAddress, memberAddresses, SECRETS_BUCKET_ADDRESS, SECRETS_KMS_KEY_ADDRESS } from '../emit/terraform/addresses.js';
import { PKI_DIR, SECRET_FILES, type BucketObject } from '../model/bucket-layout.js';
import type { ClusterModel } from '../model/model.js';
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
const TRUST_SOURCES: Record<string, string> = {
  [`${PKI_DIR}/ca.crt`]: 'the cluster CA certificate',
  [`${PKI_DIR}/ca.key`]: 'the cluster CA key',
  [`${PKI_DIR}/front-proxy-ca.crt`]: 'the front-proxy CA certificate',
  [`${PKI_DIR}/front-proxy-ca.key`]: 'the front-proxy CA key',
  [`${PKI_DIR}/etcd/ca.crt`]: 'the etcd CA certificate',
  [`${PKI_DIR}/sa.key`]: 'the service-account signing key',
  [`${PKI_DIR}/sa.pub`]: 'the service-account public key',
  [`${PKI_DIR}/${SECRET_FILES.encryptionConfig}`]: 'the Secret encryption key (encryption-config.yaml)',
};

/** Ports whose rules carry the control plane's own traffic: etcd client and peer, the API, the kubelet. */
const CRITICAL_PORTS: Array<[number, string]> = [
  [2379, 'etcd client'],
  [2380, 'etcd peer'],
  [6443, 'Kubernetes API'],
  [10250, 'kubelet'],
];

/** Instance arguments the AWS provider changes in place by stopping the machine. */
const STOPS_INSTANCE = ['instance_type', 'user_data', 'user_data_base64'];

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
  return unknown === true || (typeof unknown === 'object' && unknown !== null && unknown[key] === true);
}

function differs(c: ResourceChange, key: string): boolean {
  return isUnknown(c, key) || JSON.stringify(c.change.before?.[key] ?? null) !== JSON.stringify(c.change.after?.[key] ?? null);
}

/** Why a resource is replaced or deleted, in words a reviewer knows from `terraform plan`. */
function why(c: ResourceChange): string {
  const reasons: Record<string, string> = {
    replace_because_tainted: 'it is tainted',
    replace_by_request: 'of -replace',
    replace_because_cannot_update: 'a changed argument forces it',
    delete_because_no_resource_config: 'its configuration is gone',
    delete_because_count_index: 'of its count',
    delete_because_each_key: 'of its for_each',
  };
  const forced = (c.change.replace_paths ?? []).map((p) => p.join('.')).filter((p) => p.length > 0);
  const reason = c.action_reason ? reasons[c.action_reason] ?? c.action_reason : undefined;
  const parts = [reason ? `because ${reason}` : '', forced.length > 0 ? `(${forced.join(', ')})` : ''].filter((p) => p);
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

function carriedTraffic(c: ResourceChange): string[] {
  const range = portRange(c.change.before);
  if (!range) return [];
  return CRITICAL_PORTS.filter(([port]) => port >= range[0] && port <= range[1]).map(([, what]) => what);
}

/**
 * What applying `plan` does to the cluster `model` describes. The members, their etcd volumes and attachments, and
 * the bucket objects are found by the addresses hakube gave them (src/emit/terraform/addresses.ts), never by
 * guessing at names. Pure.
 */
export function assessPlan(model: ClusterModel, objects: BucketObject[], plan: TerraformPlan): PlanAssessment {
  const byAddress = new Map(plan.resourceChanges.filter((c) => c.mode === 'managed' && !c.deposed).map((c) => [c.address, c]));
  const findings: Finding[] = [];
  const claimed = new Set<string>();
  const add = (severity: Severity, address: string, message: string) => findings.push({ severity, address, message });

  // Members: the model's, plus any member instance the plan removes that the spec no longer has.
  const memberNames = new Set(model.controlPlane.members.map((m) => m.name));
  for (const c of byAddress.values()) {
    if (c.type !== 'aws_instance') continue;
    const match = /^control_plane_(\d+)$/.exec(c.name);
    if (match && c.address === memberAddresses({ name: `control-plane-${match[1]}` }).instance) memberNames.add(`control-plane-${match[1]}`);
  }
  const members = [...memberNames].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const disrupted: MemberImpact[] = [];
  const created: string[] = [];
  let before = 0;
  let after = 0;
  for (const member of members) {
    const addresses = memberAddresses({ name: member });
    const instance = byAddress.get(addresses.instance);
    const volume = byAddress.get(addresses.etcdVolume);
    const attachment = byAddress.get(addresses.etcdVolumeAttachment);
    Object.values(addresses).forEach((a) => claimed.add(a));
    const existed = !instance || !creates(instance);
    const remains = !instance || !(removes(instance) && !isReplace(instance));
    if (existed) before += 1;
    if (remains) after += 1;
    const effects: string[] = [];
    if (instance && creates(instance)) created.push(member);
    else if (instance && isReplace(instance)) effects.push(`replaced${why(instance)}`);
    else if (instance && removes(instance)) effects.push(`deleted${why(instance)}`);
    else if (instance && updates(instance)) {
      const stopping = STOPS_INSTANCE.filter((k) => differs(instance, k));
      if (stopping.length > 0) effects.push(`stopped and started to change ${stopping.join(', ')}`);
    }
    if (volume && removes(volume) && existed) {
      add('error', volume.address, `${isReplace(volume) ? 'replaces' : 'deletes'} the etcd data volume of ${member}${why(volume)}: its etcd data is lost`);
      effects.push('etcd data volume replaced');
    }
    const instanceGoes = instance !== undefined && removes(instance);
    if (attachment && removes(attachment) && existed) {
      if (!instanceGoes) {
        add('error', attachment.address, `detaches the etcd data volume of ${member} while the member runs${why(attachment)} (the machine is stopped to detach it)`);
        effects.push('etcd volume detached');
      }
    }
    if (effects.length > 0) disrupted.push({ member, effect: effects.join('; ') });
  }
  const size = Math.max(before, after);
  const quorum = quorumOf(size);
  const undisrupted = before - disrupted.length;
  if (disrupted.length > 0 || created.length > 0) {
    const list = disrupted.map((d) => `${d.member} (${d.effect})`).join(', ');
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
    const trust = TRUST_SOURCES[object.source];
    if (trust) {
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
    else if (c && updates(c)) add('info', address, `updates ${what} in place`);
  }

  for (const c of byAddress.values()) {
    if (claimed.has(c.address) || !changes(c)) continue;
    if (RULE_TYPES.has(c.type) && removes(c)) {
      const traffic = carriedTraffic(c);
      if (traffic.length > 0) {
        add('error', c.address, `${isReplace(c) ? 'replaces' : 'deletes'} a security-group rule that carries ${traffic.join(', ')} traffic${why(c)}: the control plane is cut off until it exists again`);
        continue;
      }
    }
    if (c.type === 'aws_security_group' && removes(c)) {
      add('error', c.address, `${isReplace(c) ? 'replaces' : 'deletes'} security group ${c.name}${why(c)}, with every rule in it`);
      continue;
    }
    if (c.type === 'aws_autoscaling_group' || c.type === 'aws_launch_template') {
      const group = model.instanceGroups.find((g) => g.id === c.name);
      const name = group ? `worker group ${group.name}` : c.address;
      if (removes(c)) add('warning', c.address, `${isReplace(c) ? 'replaces' : 'deletes'} ${name}${why(c)}: all of its workers go at once`);
      else if (c.type === 'aws_launch_template' && updates(c)) add('warning', c.address, `new launch template for ${name}: its workers are recycled by an instance refresh`);
      else if (updates(c)) add('info', c.address, `updates ${name} in place (${changedKeys(c).join(', ') || 'attributes known after apply'})`);
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
  findings.sort((a, b) => order[a.severity] - order[b.severity] || a.address.localeCompare(b.address, 'en', { numeric: true }));
  return {
    verdict: findings.some((f) => f.severity === 'error') ? 'unsafe' : 'safe',
    etcd: { membersBefore: before, membersAfter: after, quorum, undisrupted, disrupted, created },
    findings,
  };
}

function changedKeys(c: ResourceChange): string[] {
  const keys = new Set([...Object.keys(c.change.before ?? {}), ...Object.keys(c.change.after ?? {})]);
  return [...keys].filter((k) => k !== 'tags_all' && differs(c, k)).sort();
}
