import { ownValue } from '../own-value.js';

/**
 * What the AWS provider does to a running resource when one argument changes: `replace` destroys it and creates
 * another (Terraform's ForceNew), `stop-start` changes it in place but stops the instance meanwhile, `update`
 * changes it in place without disturbing it (or only in Terraform's state). Pure data about the provider that
 * hakube's generated Terraform requires (>= 6.25): staging (src/ha/rollout-plan.ts) and plan-check
 * (src/plan-check/assess-plan.ts) read the same facts, so they never disagree about one change.
 */
export type ChangeEffect = 'replace' | 'stop-start' | 'update';

/** Argument paths by resource type; an argument inside a nested block is `block.argument` (`root_block_device.encrypted`). */
export type ChangeEffects = Readonly<Record<string, Readonly<Record<string, ChangeEffect>>>>;

export const AWS_CHANGE_EFFECTS: ChangeEffects = {
  aws_instance: {
    // Replaced: real plans of provider 5.100.0 (test/terraform-real/aws-semantics-real.test.ts, one argument
    // changed per resource) show delete+create for every argument below that 5.100.0 has (region is 6.x only).
    // ebs_block_device and ephemeral_block_device are probed by adding a device; a listed ephemeral device whose
    // virtual_name changes is planned in place, but EC2 maps instance store only at launch, so the table keeps the
    // worse. enable_primary_ipv6: the 6.x docs (website/docs/r/instance.html.markdown) say "Disabling
    // enable_primary_ipv6 ... forces recreation"; 5.100.0 plans enabling it in place, the table keeps the worse.
    ami: 'replace',
    associate_public_ip_address: 'replace',
    availability_zone: 'replace',
    cpu_core_count: 'replace',
    cpu_threads_per_core: 'replace',
    'cpu_options.amd_sev_snp': 'replace',
    ebs_block_device: 'replace',
    ebs_optimized: 'replace',
    enable_primary_ipv6: 'replace',
    'enclave_options.enabled': 'replace',
    ephemeral_block_device: 'replace',
    hibernation: 'replace',
    host_id: 'replace',
    ipv6_addresses: 'replace',
    key_name: 'replace',
    launch_template: 'replace',
    network_interface: 'replace',
    placement_group: 'replace',
    placement_partition_number: 'replace',
    private_ip: 'replace',
    region: 'replace',
    'root_block_device.encrypted': 'replace',
    'root_block_device.kms_key_id': 'replace',
    security_groups: 'replace',
    subnet_id: 'replace',
    tenancy: 'replace',
    // 5.100.0 plans replace the instance; the 6.x docs say core_count and threads_per_core "can be made in-place
    // but require the instance to be stopped and restarted". Both take the member down; the table keeps the worse.
    'cpu_options.core_count': 'replace',
    'cpu_options.threads_per_core': 'replace',
    // Stopped and started (5.100.0 plans an in-place update for each): the 6.x docs say "Updates to this field
    // will trigger a stop/start of the EC2 instance" (instance_type, and user data unless
    // user_data_replace_on_change, see REPLACE_WHEN_SET), nested_virtualization needs a stop like core_count,
    // and modifying the capacity reservation "requires the instance to be in stopped state". The IPv6 address
    // count and the private DNS name options (ForceNew in older providers) are planned in place too; whether EC2
    // needs the machine stopped for them is not confirmed, so they count as a stop.
    // Except across architectures: 5.100.0 replaces an instance whose new type has another one (x86_64 to arm64;
    // aws-semantics-real.test.ts), which the configuration alone does not show. hakube changes the architecture
    // only with the image, and ami replaces; plan-check reads the plan's own delete+create.
    instance_type: 'stop-start',
    user_data: 'stop-start',
    user_data_base64: 'stop-start',
    'cpu_options.nested_virtualization': 'stop-start',
    ipv6_address_count: 'stop-start',
    private_dns_name_options: 'stop-start',
    'capacity_reservation_specification.capacity_reservation_preference': 'stop-start',
    'capacity_reservation_specification.capacity_reservation_target': 'stop-start',
    // Updated in place (5.100.0 plans an update for each one probed; the others are neither ForceNew nor a
    // documented stop): EC2 modifies these on a running instance (ModifyInstanceAttribute,
    // ModifyInstanceMetadataOptions, ModifyVolume, the IAM instance profile association, credit and maintenance
    // settings), or they live only in Terraform's state (force_destroy, user_data_replace_on_change, timeouts).
    tags: 'update',
    tags_all: 'update',
    volume_tags: 'update',
    disable_api_stop: 'update',
    disable_api_termination: 'update',
    force_destroy: 'update',
    get_password_data: 'update',
    user_data_replace_on_change: 'update',
    iam_instance_profile: 'update',
    vpc_security_group_ids: 'update',
    secondary_private_ips: 'update',
    source_dest_check: 'update',
    monitoring: 'update',
    instance_initiated_shutdown_behavior: 'update',
    'credit_specification.cpu_credits': 'update',
    'maintenance_options.auto_recovery': 'update',
    'metadata_options.http_endpoint': 'update',
    'metadata_options.http_protocol_ipv6': 'update',
    'metadata_options.http_put_response_hop_limit': 'update',
    'metadata_options.http_tokens': 'update',
    'metadata_options.instance_metadata_tags': 'update',
    'root_block_device.delete_on_termination': 'update',
    'root_block_device.iops': 'update',
    'root_block_device.tags': 'update',
    'root_block_device.tags_all': 'update',
    'root_block_device.throughput': 'update',
    'root_block_device.volume_size': 'update',
    'root_block_device.volume_type': 'update',
    'timeouts.create': 'update',
    'timeouts.delete': 'update',
    'timeouts.read': 'update',
    'timeouts.update': 'update',
    // Computed only (the 5.100.0 schema: computed, not optional): what EC2 reports, never a cause of a change.
    arn: 'update',
    id: 'update',
    instance_lifecycle: 'update',
    instance_state: 'update',
    outpost_arn: 'update',
    password_data: 'update',
    primary_network_interface_id: 'update',
    private_dns: 'update',
    public_dns: 'update',
    public_ip: 'update',
    spot_instance_request_id: 'update',
    'root_block_device.device_name': 'update',
    'root_block_device.volume_id': 'update',
  },
  aws_launch_template: {
    // A template's name is ForceNew; any other change writes a new version of the same template (the running
    // workers are untouched until an instance refresh recycles them). 5.100.0 plans: delete+create for name, an
    // update for every other argument hakube sets, and for description and ebs_optimized.
    name: 'replace',
    name_prefix: 'replace',
    region: 'replace',
    'block_device_mappings.device_name': 'update',
    'block_device_mappings.no_device': 'update',
    'block_device_mappings.virtual_name': 'update',
    'block_device_mappings.ebs.delete_on_termination': 'update',
    'block_device_mappings.ebs.encrypted': 'update',
    'block_device_mappings.ebs.iops': 'update',
    'block_device_mappings.ebs.kms_key_id': 'update',
    'block_device_mappings.ebs.snapshot_id': 'update',
    'block_device_mappings.ebs.throughput': 'update',
    'block_device_mappings.ebs.volume_size': 'update',
    'block_device_mappings.ebs.volume_type': 'update',
    'cpu_options.core_count': 'update',
    'cpu_options.threads_per_core': 'update',
    'credit_specification.cpu_credits': 'update',
    default_version: 'update',
    description: 'update',
    disable_api_stop: 'update',
    disable_api_termination: 'update',
    ebs_optimized: 'update',
    'iam_instance_profile.arn': 'update',
    'iam_instance_profile.name': 'update',
    image_id: 'update',
    instance_initiated_shutdown_behavior: 'update',
    instance_type: 'update',
    key_name: 'update',
    'metadata_options.http_endpoint': 'update',
    'metadata_options.http_protocol_ipv6': 'update',
    'metadata_options.http_put_response_hop_limit': 'update',
    'metadata_options.http_tokens': 'update',
    'metadata_options.instance_metadata_tags': 'update',
    'monitoring.enabled': 'update',
    security_group_names: 'update',
    'tag_specifications.resource_type': 'update',
    'tag_specifications.tags': 'update',
    tags: 'update',
    tags_all: 'update',
    update_default_version: 'update',
    user_data: 'update',
    vpc_security_group_ids: 'update',
    arn: 'update',
    id: 'update',
    latest_version: 'update',
  },
  aws_ebs_volume: {
    // A new, empty volume (5.100.0 plans delete+create for each); size, type, performance and final_snapshot
    // change in place (an update; ModifyVolume). multi_attach_enabled is not listed: unconfirmed, so a new volume.
    availability_zone: 'replace',
    encrypted: 'replace',
    kms_key_id: 'replace',
    outpost_arn: 'replace',
    snapshot_id: 'replace',
    region: 'replace',
    size: 'update',
    type: 'update',
    iops: 'update',
    throughput: 'update',
    final_snapshot: 'update',
    tags: 'update',
    tags_all: 'update',
    'timeouts.create': 'update',
    'timeouts.delete': 'update',
    'timeouts.update': 'update',
    arn: 'update',
    id: 'update',
    create_time: 'update',
  },
  aws_volume_attachment: {
    // The attachment's identity (5.100.0 plans delete+create; its import ID is DEVICE_NAME:VOLUME_ID:INSTANCE_ID): a
    // change detaches the volume and attaches it again. The others only steer a later detach (an update).
    device_name: 'replace',
    instance_id: 'replace',
    volume_id: 'replace',
    region: 'replace',
    force_detach: 'update',
    skip_destroy: 'update',
    stop_instance_before_detaching: 'update',
    'timeouts.create': 'update',
    'timeouts.delete': 'update',
    id: 'update',
  },
};

/** The aws_instance arguments that hold user data. */
export const USER_DATA_ARGUMENTS = ['user_data', 'user_data_base64'] as const;

/**
 * Arguments that replace the resource instead of their table effect when a boolean argument beside them is true:
 * user data replaces an instance with user_data_replace_on_change (provider: customdiff.ForceNewIf).
 */
export const REPLACE_WHEN_SET: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  aws_instance: Object.fromEntries(USER_DATA_ARGUMENTS.map((k) => [k, 'user_data_replace_on_change'])),
};

/**
 * The effect assumed for an argument the table does not list (a new provider argument, a type hakube never
 * declared): at least a stop for an instance, a new resource for anything that holds data or a template's workers.
 */
const UNLISTED: ChangeEffect = 'replace';
const UNLISTED_BY_TYPE: Readonly<Record<string, ChangeEffect>> = { aws_instance: 'stop-start' };

/**
 * The effect of changing `path` (an argument, or `block.argument`) of a resource of `type` whose new
 * configuration is `after`. A listed block (ebs_block_device) covers every argument inside it.
 */
export function changeEffect(type: string, path: string, after: Readonly<Record<string, unknown>> = {}): ChangeEffect {
  // Types and paths come from plans and state too: looked up as own keys only (`constructor` is an argument name).
  const when = ownValue(REPLACE_WHEN_SET, type);
  const replacedWhen = when === undefined ? undefined : ownValue(when, path);
  if (replacedWhen !== undefined && ownValue(after, replacedWhen) === true) return 'replace';
  const effects = ownValue(AWS_CHANGE_EFFECTS, type) ?? {};
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n -= 1) {
    const listed = ownValue(effects, parts.slice(0, n).join('.'));
    if (listed !== undefined) return listed;
  }
  return ownValue(UNLISTED_BY_TYPE, type) ?? UNLISTED;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with sorted keys, so two values compare equal whatever order their keys were written in; null for absent. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** A nested block's elements: Terraform JSON writes a single block as an object, a plan always as a list. */
function blockElements(value: unknown): Array<Record<string, unknown>> {
  if (isObject(value)) return [value];
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/**
 * The argument paths whose value differs between `before` and `after` (a resource's configuration, or a plan's
 * before and after): a nested block the table describes argument by argument is compared argument by argument,
 * element by element, so a block's harmless argument does not hide behind, or stand in for, its disruptive one.
 * Anything else (a map such as tags, a block the table lists whole or not at all) is compared whole.
 */
export function changedArguments(type: string, before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>, prefix = ''): string[] {
  const effects = ownValue(AWS_CHANGE_EFFECTS, type) ?? {};
  const changed: string[] = [];
  for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const path = `${prefix}${key}`;
    const described = ownValue(effects, path) === undefined && Object.keys(effects).some((k) => k.startsWith(`${path}.`));
    if (!described) {
      if (canonical(ownValue(before, key)) !== canonical(ownValue(after, key))) changed.push(path);
      continue;
    }
    const b = blockElements(ownValue(before, key));
    const a = blockElements(ownValue(after, key));
    const nested = new Set<string>();
    for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
      changedArguments(type, b[i] ?? {}, a[i] ?? {}, `${path}.`).forEach((p) => nested.add(p));
    }
    changed.push(...[...nested].sort());
  }
  return changed;
}
