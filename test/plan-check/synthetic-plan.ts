import type { TerraformJson } from '../../src/ha/rollout-plan.js';
import { AWS_CHANGE_EFFECTS, changedArguments, changeEffect } from '../../src/model/aws-semantics.js';

/**
 * Builds `terraform show -json` output (format 1.2, as Terraform 1.11 prints it) for applying `next` over the state
 * `previous` left, both hakube's own merged Terraform. Attribute values are the configuration's (references stay
 * as written); which changes replace a resource follows hakube's table of AWS semantics for the types it describes
 * (src/model/aws-semantics.ts) and the AWS provider's ForceNew arguments for the others hakube declares. Overrides model what a plan shows beyond the configuration: tainted resources, -replace.
 */
export interface PlanOverrides {
  /** Addresses Terraform replaces because they are tainted. */
  tainted?: string[];
  /** Addresses named with -replace. */
  replace?: string[];
  /** Addresses named with -target: resource_changes holds only these; prior_state still holds every resource. */
  target?: string[];
}

const FORCE_NEW: Record<string, string[]> = {
  aws_lb_target_group_attachment: ['target_group_arn', 'target_id', 'port'],
  aws_s3_bucket: ['bucket', 'bucket_prefix'],
  aws_s3_object: ['bucket', 'key'],
  aws_vpc_security_group_ingress_rule: ['security_group_id'],
  aws_security_group: ['name', 'vpc_id', 'description'],
  aws_autoscaling_group: ['name'],
  aws_lb: ['name', 'internal', 'load_balancer_type'],
};

type Attributes = Record<string, unknown>;

function resources(tf: TerraformJson | undefined): Map<string, { type: string; name: string; attributes: Attributes }> {
  const out = new Map<string, { type: string; name: string; attributes: Attributes }>();
  const blocks = (tf?.resource ?? {}) as Record<string, Record<string, Attributes>>;
  for (const [type, byName] of Object.entries(blocks)) {
    for (const [name, attributes] of Object.entries(byName)) out.set(`${type}.${name}`, { type, name, attributes });
  }
  return out;
}

/** Changed arguments that replace the resource (user data with user_data_replace_on_change among them). */
function forcingArguments(type: string, before: Attributes, after: Attributes, changed: string[]): string[] {
  if (!(type in AWS_CHANGE_EFFECTS)) return changed.filter((k) => (FORCE_NEW[type] ?? []).includes(k));
  return changedArguments(type, before, after).filter((k) => changeEffect(type, k, after) === 'replace');
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function syntheticPlan(previous: TerraformJson | undefined, next: TerraformJson, overrides: PlanOverrides = {}): Record<string, unknown> {
  const before = resources(previous);
  const after = resources(next);
  const changes: Array<Record<string, unknown>> = [];
  for (const address of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(address);
    const a = after.get(address);
    const { type, name } = (a ?? b)!;
    let actions: string[];
    let reason: string | undefined;
    const changed = b && a ? [...new Set([...Object.keys(b.attributes), ...Object.keys(a.attributes)])].filter((k) => !same(b.attributes[k], a.attributes[k])) : [];
    const forcing = !b || !a ? [] : forcingArguments(type, b.attributes, a.attributes, changed);
    if (!b) actions = ['create'];
    else if (!a) {
      actions = ['delete'];
      reason = 'delete_because_no_resource_config';
    } else if (overrides.tainted?.includes(address)) {
      actions = ['delete', 'create'];
      reason = 'replace_because_tainted';
    } else if (overrides.replace?.includes(address)) {
      actions = ['delete', 'create'];
      reason = 'replace_by_request';
    } else if (forcing.length > 0) {
      actions = ['delete', 'create'];
      reason = 'replace_because_cannot_update';
    } else if (changed.length > 0) actions = ['update'];
    else actions = ['no-op'];
    changes.push({
      address,
      mode: 'managed',
      type,
      name,
      provider_name: 'registry.terraform.io/hashicorp/aws',
      change: {
        actions,
        before: b?.attributes ?? null,
        after: a?.attributes ?? null,
        after_unknown: {},
        ...(reason === 'replace_because_cannot_update' ? { replace_paths: forcing.map((k) => [k]) } : {}),
      },
      ...(reason ? { action_reason: reason } : {}),
    });
  }
  const priorState = previous && {
    format_version: '1.0',
    values: { root_module: { resources: [...before].map(([address, r]) => ({ address, mode: 'managed', type: r.type, name: r.name, values: r.attributes })) } },
  };
  return {
    format_version: '1.2',
    terraform_version: '1.11.4',
    planned_values: { root_module: {} },
    ...(priorState ? { prior_state: priorState } : {}),
    resource_changes: overrides.target ? changes.filter((c) => overrides.target!.includes(c.address as string)) : changes,
  };
}
