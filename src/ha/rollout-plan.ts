import { changedArguments, changeEffect, USER_DATA_ARGUMENTS } from '../model/aws-semantics.js';

/** Terraform JSON as hakube writes it: blocks such as `resource` keyed by type, then by name. */
export type TerraformJson = Record<string, unknown>;

type Attributes = Record<string, unknown>;

/**
 * What `terraform apply` does to one control-plane machine. `replace` destroys and re-creates
 * it, `stop-start` changes it in place but stops it meanwhile; both take the member down.
 * `update` changes it without a restart (tags, root volume size); `create` and `destroy` add or
 * remove a member.
 */
export type InstanceAction = 'create' | 'replace' | 'stop-start' | 'update' | 'destroy';

export interface InstanceChange {
  /** Terraform address, e.g. aws_instance.control-plane-1. */
  address: string;
  /** The member's name from its Name tag, or the resource name when it has none. */
  member: string;
  action: InstanceAction;
  /** The attributes whose change causes the action (for a volume, `aws_ebs_volume.NAME.ATTRIBUTE`). */
  attributes: string[];
}

export interface RolloutStep {
  member: string;
  /** The instance and every resource that refers to it (volume and load-balancer attachments). */
  targets: string[];
  apply: string;
}

export interface RolloutPlan {
  /** Every control-plane instance the apply changes, in member order. */
  changes: InstanceChange[];
  /** Members an apply takes down (replaced, stopped and started, or destroyed). */
  disrupted: string[];
  /** True when more than one member is disrupted: apply them one at a time. */
  staged: boolean;
  /** Empty unless staged. */
  steps: RolloutStep[];
  /** Run on a control-plane machine between steps; it succeeds once every etcd member is healthy. */
  healthCheck: string;
  finalApply: string;
}

/** Terraform's meta-arguments and hakube's comments: keys that change nothing on the machine itself. */
const NOT_ATTRIBUTES = new Set(['//', 'depends_on', 'lifecycle', 'provider', 'count', 'for_each']);

/** kubeadm's paths on every control-plane machine. */
const ETCD_PKI = '/etc/kubernetes/pki/etcd';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges several *.tf.json documents into one, as Terraform reads a folder. */
export function mergeTerraformDocuments(documents: TerraformJson[]): TerraformJson {
  const merge = (into: Record<string, unknown>, from: Record<string, unknown>): Record<string, unknown> => {
    for (const [key, value] of Object.entries(from)) {
      const existing = into[key];
      into[key] = isObject(existing) && isObject(value) ? merge({ ...existing }, value) : value;
    }
    return into;
  };
  return documents.reduce<TerraformJson>((all, doc) => merge(all, doc), {});
}

function resourcesOfType(tf: TerraformJson | undefined, type: string): Map<string, Attributes> {
  const resources = tf && isObject(tf.resource) ? tf.resource[type] : undefined;
  return new Map(isObject(resources) ? Object.entries(resources).filter((e): e is [string, Attributes] => isObject(e[1])) : []);
}

/** Top-level arguments listed in lifecycle.ignore_changes: Terraform plans no change for them. */
function ignoredChanges(attributes: Attributes): Set<string> {
  const lifecycle = isObject(attributes.lifecycle) ? attributes.lifecycle : {};
  const ignored = Array.isArray(lifecycle.ignore_changes) ? lifecycle.ignore_changes : [];
  return new Set(ignored.filter((k): k is string => typeof k === 'string'));
}

/** The changed argument paths of a `type` resource (src/model/aws-semantics.ts), less what Terraform does not plan. */
function changedKeys(type: string, previous: Attributes, next: Attributes): string[] {
  const ignored = ignoredChanges(next);
  const keep = (attributes: Attributes) => Object.fromEntries(Object.entries(attributes).filter(([k]) => !NOT_ATTRIBUTES.has(k) && !ignored.has(k)));
  return changedArguments(type, keep(previous), keep(next));
}

const isUserData = (key: string) => (USER_DATA_ARGUMENTS as readonly string[]).includes(key);

/**
 * The user data is written as a templatefile() call, so the expression stays the same when the
 * cloud-init file it names changes; `changedFiles` says which generated files did.
 */
function userDataFileChanged(attributes: Attributes, changedFiles: readonly string[]): boolean {
  return USER_DATA_ARGUMENTS.some((key) => {
    const expression = attributes[key];
    return typeof expression === 'string' && changedFiles.some((file) => expression.includes(file));
  });
}

/** A reference to `type.name` in any Terraform expression or depends_on entry. */
function referencePattern(type: string, name: string): RegExp {
  return new RegExp(`(^|[^\\w-])${type}\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`);
}

/** Each resource's configuration as JSON text, made once per document although every member searches it. */
const configurationText = new WeakMap<object, string>();

function textOf(attributes: unknown): string {
  if (!isObject(attributes)) return JSON.stringify(attributes);
  let text = configurationText.get(attributes);
  if (text === undefined) configurationText.set(attributes, (text = JSON.stringify(attributes)));
  return text;
}

/** Every resource (other than the instance) whose configuration refers to `aws_instance.<name>`. */
function dependentsOf(tf: TerraformJson | undefined, instance: string): string[] {
  const pattern = referencePattern('aws_instance', instance);
  const blocks = tf && isObject(tf.resource) ? tf.resource : {};
  const found: string[] = [];
  for (const [type, resources] of Object.entries(blocks)) {
    if (!isObject(resources)) continue;
    for (const [name, attributes] of Object.entries(resources)) {
      if (type === 'aws_instance' && name === instance) continue;
      if (pattern.test(textOf(attributes))) found.push(`${type}.${name}`);
    }
  }
  return found.sort();
}

/** The aws_ebs_volume resources attached to the instance through its aws_volume_attachment resources. */
function volumesOf(tf: TerraformJson | undefined, instance: string): string[] {
  const volumes = [...resourcesOfType(tf, 'aws_ebs_volume').keys()];
  const attachments = dependentsOf(tf, instance)
    .filter((a) => a.startsWith('aws_volume_attachment.'))
    .map((a) => resourcesOfType(tf, 'aws_volume_attachment').get(a.slice('aws_volume_attachment.'.length)) ?? {});
  return volumes.filter((v) => attachments.some((a) => referencePattern('aws_ebs_volume', v).test(JSON.stringify(a.volume_id ?? ''))));
}

function volumeReplacements(previous: TerraformJson, next: TerraformJson, instance: string): string[] {
  const before = resourcesOfType(previous, 'aws_ebs_volume');
  const after = resourcesOfType(next, 'aws_ebs_volume');
  return volumesOf(next, instance).flatMap((volume) => {
    const old = before.get(volume);
    if (!old) return [];
    const next = after.get(volume) ?? {};
    return changedKeys('aws_ebs_volume', old, next)
      .filter((k) => changeEffect('aws_ebs_volume', k, next) === 'replace')
      .map((k) => `aws_ebs_volume.${volume}.${k}`);
  });
}

function classify(
  name: string,
  previous: TerraformJson,
  next: TerraformJson,
  changedFiles: readonly string[],
): { action: InstanceAction; attributes: string[] } | undefined {
  const before = resourcesOfType(previous, 'aws_instance').get(name)!;
  const after = resourcesOfType(next, 'aws_instance').get(name)!;
  const changed = changedKeys('aws_instance', before, after);
  if (!changed.some((k) => isUserData(k)) && userDataFileChanged(after, changedFiles)) {
    changed.push(...USER_DATA_ARGUMENTS.filter((k) => k in after && !ignoredChanges(after).has(k)));
  }
  const replacing = [
    ...changed.filter((k) => changeEffect('aws_instance', k, after) === 'replace'),
    ...volumeReplacements(previous, next, name),
  ];
  const stopping = changed.filter((k) => changeEffect('aws_instance', k, after) === 'stop-start');
  if (replacing.length > 0) return { action: 'replace', attributes: [...replacing, ...stopping] };
  if (stopping.length > 0) return { action: 'stop-start', attributes: stopping };
  if (changed.length > 0) return { action: 'update', attributes: changed };
  return undefined;
}

/** The Name tag up to its first dot ("control-plane-1" of "control-plane-1.CLUSTER"), else the resource name. */
export function memberName(name: string, attributes: Attributes | undefined): string {
  const tags = attributes && isObject(attributes.tags) ? attributes.tags : {};
  return typeof tags.Name === 'string' && tags.Name.length > 0 ? tags.Name.split('.')[0] : name;
}

/** Orders control-plane-2 before control-plane-10. */
export function byMemberName(a: InstanceChange, b: InstanceChange): number {
  return a.member.localeCompare(b.member, 'en', { numeric: true }) || a.address.localeCompare(b.address, 'en', { numeric: true });
}

function etcdHealthCheck(next: TerraformJson): string {
  const ips = [...resourcesOfType(next, 'aws_instance').values()]
    .map((a) => a.private_ip)
    .filter((ip): ip is string => typeof ip === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(ip))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const endpoints = ips.length > 0 ? ips.map((ip) => `https://${ip}:2379`).join(',') : 'https://127.0.0.1:2379';
  return (
    `sudo etcdctl --endpoints=${endpoints} --cacert=${ETCD_PKI}/ca.crt ` +
    `--cert=${ETCD_PKI}/healthcheck-client.crt --key=${ETCD_PKI}/healthcheck-client.key endpoint health --cluster`
  );
}

const DISRUPTIVE: ReadonlySet<InstanceAction> = new Set(['replace', 'stop-start', 'destroy']);

/**
 * Which control-plane machines `terraform apply` would take down when the generated Terraform
 * goes from `previousTerraform` to `nextTerraform` (each the merge of every *.tf.json file), and,
 * when that is more than one, the order of targeted applies that replaces one member at a time
 * so no single apply takes away etcd's quorum. Every aws_instance is a control-plane member:
 * workers run in auto-scaling groups. `changedFiles` lists generated files (such as cloud-init
 * templates) whose content changed, since their change does not show in the Terraform JSON.
 */
export function planRollout(
  previousTerraform: TerraformJson | undefined,
  nextTerraform: TerraformJson,
  changedFiles: readonly string[] = [],
): RolloutPlan {
  const before = resourcesOfType(previousTerraform, 'aws_instance');
  const after = resourcesOfType(nextTerraform, 'aws_instance');
  const changes: InstanceChange[] = [];
  for (const [name, attributes] of after) {
    const address = `aws_instance.${name}`;
    const member = memberName(name, attributes);
    if (!previousTerraform || !before.has(name)) {
      changes.push({ address, member, action: 'create', attributes: [] });
      continue;
    }
    const change = classify(name, previousTerraform, nextTerraform, changedFiles);
    if (change) changes.push({ address, member, ...change });
  }
  for (const [name, attributes] of before) {
    if (!after.has(name)) changes.push({ address: `aws_instance.${name}`, member: memberName(name, attributes), action: 'destroy', attributes: [] });
  }
  changes.sort(byMemberName);
  const disruptive = changes.filter((c) => DISRUPTIVE.has(c.action));
  const staged = disruptive.length > 1;
  const steps = staged
    ? disruptive.map((c) => {
        const name = c.address.slice('aws_instance.'.length);
        // A destroyed member's attachments exist only in the previous configuration.
        const targets = [c.address, ...dependentsOf(c.action === 'destroy' ? previousTerraform : nextTerraform, name)];
        return { member: c.member, targets, apply: `terraform apply ${targets.map((t) => `-target=${t}`).join(' ')}` };
      })
    : [];
  return {
    changes,
    disrupted: disruptive.map((c) => c.member),
    staged,
    steps,
    healthCheck: etcdHealthCheck(nextTerraform),
    finalApply: 'terraform apply',
  };
}
