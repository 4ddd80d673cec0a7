import { bucketObjects, type BucketObject } from '../../model/bucket-layout.js';
import type { ClusterModel, ControlPlaneMember } from '../../model/model.js';
import { addonFileNames } from '../addons/addon-plan.js';

/** A machine is either one control-plane member or a worker of any group (they all fetch the same objects). */
export type Machine = { role: 'control-plane'; member: ControlPlaneMember } | { role: 'nodes' };

/** Every bucket object by model, made once: each machine's files and paths are looked up in it. */
const objectsOfModel = new WeakMap<ClusterModel, BucketObject[]>();

function modelBucketObjects(model: ClusterModel): BucketObject[] {
  let objects = objectsOfModel.get(model);
  if (!objects) {
    objects = bucketObjects(model, addonFileNames(model));
    objectsOfModel.set(model, objects);
  }
  return objects;
}

/** The objects one machine fetches: those of its role, and of the per-member ones only its own. */
export function objectsFetchedBy(model: ClusterModel, machine: Machine): BucketObject[] {
  return modelBucketObjects(model).filter(
    (o) => o.role === machine.role && (o.member === undefined || (machine.role === 'control-plane' && o.member === machine.member.name)),
  );
}

/** The installed path of the object whose key ends with `suffix` among those `machine` fetches. */
export function installPathOf(model: ClusterModel, machine: Machine, suffix: string): string {
  const found = objectsFetchedBy(model, machine).filter((o) => o.key.endsWith(suffix));
  if (found.length !== 1) throw new Error(`BUG: expected one bucket object ending in ${suffix} for ${machine.role}, found ${found.length}`);
  return found[0]!.installPath;
}

/**
 * The fetch list written to the machine, one object a line: key, install path, octal mode. Keys and paths are
 * made by bucketObjects() from fixed names and member names, so they never hold blanks.
 */
export function fetchList(objects: BucketObject[]): string {
  return objects.map((o) => `${o.key} ${o.installPath} ${o.secret ? '0600' : o.executable ? '0700' : '0644'}\n`).join('');
}
