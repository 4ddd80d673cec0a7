import { memberAddresses } from '../../../src/emit/terraform/addresses.js';
import { changeEffect, changedArguments as changedPaths } from '../../../src/model/aws-semantics.js';
import type { ClusterModel } from '../../../src/model/model.js';
import { changedArguments, effectiveChanges } from './real-plan.js';
import type { PlanJson, PlanResourceChange } from './synthesize-state.js';

/**
 * What a real plan does to the machines, read from the provider's own decisions: a member is disrupted when its
 * instance is replaced, destroyed or created, or updated in place in an argument that stops it (a plan cannot tell
 * a stop from a live update; which arguments stop is src/model/aws-semantics.ts, whose replace-or-update side is
 * checked against the provider by test/terraform-real/aws-semantics-real.test.ts), or when its etcd volume or that
 * volume's attachment is replaced or deleted.
 */
function memberOf(address: string, members: ReadonlyArray<{ name: string }>): string | undefined {
  for (const m of members) {
    const a = memberAddresses(m);
    if ([a.instance, a.etcdVolume, a.etcdVolumeAttachment].includes(address)) return m.name;
  }
  return undefined;
}

function disrupts(c: PlanResourceChange): boolean {
  const actions = c.change.actions;
  if (actions.includes('delete') || actions.includes('create')) return true;
  if (c.type !== 'aws_instance') return false;
  // Argument paths (root_block_device.volume_size), so a block's harmless argument is judged on its own; a value
  // the plan does not know yet is absent from `after` and so counts as changed.
  const after = c.change.after ?? {};
  return changedPaths('aws_instance', c.change.before ?? {}, after).some((k) => changeEffect('aws_instance', k, after) !== 'update');
}

export interface PlanEffects {
  /** Members taken down, added or removed, as `member:how`. */
  disrupted: string[];
  /** Worker launch templates or auto-scaling groups whose machines the apply rolls. */
  workerChanges: string[];
  /** Bucket objects the apply deletes (replacements not counted). */
  deletedObjects: string[];
}

/** `members`: every member of the specs before and after (a removed member is one too). */
export function planEffects(plan: PlanJson, members: ReadonlyArray<{ name: string }>): PlanEffects {
  const disrupted = new Map<string, string[]>();
  const workerChanges: string[] = [];
  const deletedObjects: string[] = [];
  for (const c of effectiveChanges(plan)) {
    const member = memberOf(`${c.type}.${c.name}`, members);
    if (member && disrupts(c)) disrupted.set(member, [...(disrupted.get(member) ?? []), `${c.type}.${c.name} ${c.change.actions.join('/')}`]);
    if (c.type === 'aws_launch_template' || (c.type === 'aws_autoscaling_group' && changedArguments(c).includes('launch_template'))) workerChanges.push(c.address);
    if (c.type === 'aws_s3_object' && c.change.actions.join() === 'delete') deletedObjects.push(c.address);
  }
  return { disrupted: [...disrupted].map(([m, how]) => `${m}: ${how.join(', ')}`), workerChanges, deletedObjects };
}

export function membersOf(...models: ClusterModel[]): Array<{ name: string }> {
  const names = new Set(models.flatMap((m) => m.controlPlane.members.map((x) => x.name)));
  return [...names].map((name) => ({ name }));
}
