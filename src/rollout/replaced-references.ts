import { UserError } from '../errors.js';
import { memberName, type TerraformJson } from '../ha/rollout-plan.js';
import { changeEffect } from '../model/aws-semantics.js';
import { blockAddress, blocksOf, isObject, references, blockAt } from './terraform-blocks.js';

/**
 * Replacing a shared resource reaches members through references: every attribute of the new resource is unknown
 * until it is created, so an argument of a member that refers to it gets a new value in the plan. Comparing the
 * generated files does not show this (the member's expression stays the same), so the staging reasons about it here.
 */

/**
 * Arguments whose new value makes the AWS provider (5.x) replace a resource, for the shared resources members
 * refer to. Conservative: an argument that forces a replacement only in some configurations (subnets of a network
 * load balancer) is listed. A type not listed is taken to be replaced by any change but its tags.
 */
const REPLACED_BY: Record<string, (argument: string) => boolean> = {
  aws_lb: (a) => ['internal', 'load_balancer_type', 'name', 'name_prefix', 'subnets', 'subnet_mapping', 'customer_owned_ipv4_pool'].includes(a),
  aws_s3_bucket: (a) => ['bucket', 'bucket_prefix', 'object_lock_enabled'].includes(a),
  aws_subnet: (a) => ['vpc_id', 'cidr_block', 'availability_zone', 'availability_zone_id', 'outpost_arn'].includes(a),
  aws_vpc: (a) => ['cidr_block', 'ipv4_ipam_pool_id', 'ipv4_netmask_length'].includes(a),
  aws_security_group: (a) => ['name', 'name_prefix', 'vpc_id', 'description'].includes(a),
  aws_iam_instance_profile: (a) => ['name', 'name_prefix', 'path'].includes(a),
  aws_key_pair: (a) => ['public_key', 'key_name', 'key_name_prefix'].includes(a),
  aws_route53_record: (a) => ['name', 'zone_id', 'set_identifier'].includes(a),
  aws_ebs_volume: (a) => changeEffect('aws_ebs_volume', a) === 'replace',
};

/** Keys of a block that are no arguments of the resource, or that a replacement leaves alone. */
const NOT_REPLACING = new Set(['//', 'depends_on', 'lifecycle', 'provider', 'count', 'for_each', 'timeouts', 'tags', 'tags_all']);

/** Meta-arguments of a member block: a reference in them changes nothing on the machine. */
const MEMBER_META_ARGUMENTS = new Set(['depends_on', 'lifecycle']);

/** A resource the change replaces, and why. */
export interface Replacement {
  address: string;
  /** The argument whose new value forces the replacement. */
  argument: string;
  /** The replaced resource (or data source read again) that gives `argument` its new value, if it came by reference. */
  via?: string;
}

/** A member an apply takes down because an argument of it refers to a replaced resource. */
export interface ReachedMember {
  member: string;
  argument: string;
  replacement: Replacement;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

function forcesReplacement(type: string, argument: string): boolean {
  return REPLACED_BY[type]?.(argument) ?? true;
}

function changedArguments(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => !NOT_REPLACING.has(k) && canonical(before[k]) !== canonical(after[k])).sort();
}

/**
 * The resources going from `previous` to `next` (each a merged configuration) replaces, other than the members
 * themselves: those whose own replacing argument changes, then, until nothing is added, those (and the data sources)
 * whose replacing argument refers to one already replaced.
 */
export function replacedResources(previous: TerraformJson, next: TerraformJson): Map<string, Replacement> {
  const replaced = new Map<string, Replacement>();
  const shared = blocksOf(next).filter(([path]) => (path.kind === 'resource' && path.type !== 'aws_instance') || path.kind === 'data');
  for (const [path, block] of shared) {
    const before = blockAt(previous, path);
    if (path.kind !== 'resource' || !isObject(before) || !isObject(block)) continue;
    const argument = changedArguments(before, block).find((a) => forcesReplacement(path.type!, a));
    if (argument) replaced.set(blockAddress(path), { address: blockAddress(path), argument });
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const [path, block] of shared) {
      const address = blockAddress(path);
      if (replaced.has(address) || blockAt(previous, path) === undefined || !isObject(block)) continue;
      for (const [argument, value] of Object.entries(block)) {
        // A data source reads again whatever it is given; a resource is replaced only through a replacing argument.
        if (NOT_REPLACING.has(argument) || (path.kind === 'resource' && !forcesReplacement(path.type!, argument))) continue;
        const via = references(value).find((r) => replaced.has(r));
        if (via === undefined) continue;
        replaced.set(address, { address, argument, via });
        grew = true;
        break;
      }
    }
  }
  return replaced;
}

/** Members (existing before and after) whose machine-changing arguments refer to a resource the change replaces. */
export function membersReachedByReplacements(previous: TerraformJson, next: TerraformJson): ReachedMember[] {
  const replaced = replacedResources(previous, next);
  const reached: ReachedMember[] = [];
  for (const [path, block] of blocksOf(next)) {
    if (path.kind !== 'resource' || path.type !== 'aws_instance' || !isObject(block) || blockAt(previous, path) === undefined) continue;
    const lifecycle = isObject(block.lifecycle) ? block.lifecycle : {};
    const ignored = new Set(Array.isArray(lifecycle.ignore_changes) ? lifecycle.ignore_changes : []);
    for (const [argument, value] of Object.entries(block)) {
      // A new value of an argument the provider changes on the running machine (security groups, the instance
      // profile) does not take the member down; any other does (src/model/aws-semantics.ts).
      if (MEMBER_META_ARGUMENTS.has(argument) || ignored.has(argument) || changeEffect('aws_instance', argument, block) === 'update') continue;
      const via = references(value).find((r) => replaced.has(r));
      if (via === undefined) continue;
      reached.push({ member: memberName(path.name, block), argument, replacement: replaced.get(via)! });
      break;
    }
  }
  return reached.sort((a, b) => a.member.localeCompare(b.member, 'en', { numeric: true }));
}

/** How the change replaces a resource: the argument that starts it, then each resource replaced through a reference. */
function cause(replacement: Replacement, replaced: ReadonlyMap<string, Replacement>): string {
  const chain = [replacement];
  for (let via = replacement.via; via !== undefined; via = chain[0]!.via) chain.unshift(replaced.get(via)!);
  const [root, ...rest] = chain;
  return `replaces ${root!.address} (a new ${root!.argument} forces a new one)` + rest.map((r) => `, and so ${r.address} (its ${r.argument} refers to ${r.via})`).join('');
}

/**
 * Refuses a change whose replaced resources reach more members than one apply may disrupt: holding members back
 * cannot help, since a held member keeps the same reference to the same resource. `disrupted` are the members the
 * staged apply already disrupts or adds.
 */
export function refuseReplacementsReachingMembers(previous: TerraformJson, next: TerraformJson, disrupted: readonly string[]): void {
  const reached = membersReachedByReplacements(previous, next);
  const members = new Set([...disrupted, ...reached.map((r) => r.member)]);
  if (reached.length === 0 || members.size <= 1) return;
  const replaced = replacedResources(previous, next);
  const first = reached[0]!;
  const sameWay = reached.every((r) => r.argument === first.argument && r.replacement.address === first.replacement.address);
  const how = sameWay
    ? `the ${first.argument} of ${reached.map((r) => r.member).join(', ')} refers to ${first.replacement.address}`
    : reached.map((r) => `the ${r.argument} of ${r.member} refers to ${r.replacement.address}`).join('; ');
  const all = [...members].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  // Held back, a reached member keeps the same reference to the same resource: only the other changes can wait.
  const remedy =
    reached.length > 1
      ? 'Holding members back cannot prevent it, since each of them refers to the resource. Follow "Replacing a resource every member refers to" in docs/ha.md'
      : `Split the spec change: first the one that replaces ${first.replacement.address}, alone, then the rest`;
  throw new UserError(
    `this change ${cause(first.replacement, replaced)}, and ${how}: one terraform apply would change ${all.join(', ')} at once ` +
      `(the new value is unknown until the resource is created). ${remedy}, or, knowing that one apply may then lose etcd quorum, use --all-members-at-once`,
  );
}
