import type { ClusterModel, ControlPlaneMember } from './model.js';

/**
 * Prefix of the secrets bucket that holds etcd snapshots. Outside both roles' read prefixes
 * (`control-plane/`, `nodes/`): the control-plane role may put objects here and nothing else, so a
 * compromised machine can neither read the cluster's history nor delete its backups.
 */
export const ETCD_BACKUP_PREFIX = 'etcd-backups/';

/**
 * Hour of day (UTC) at which a member's certificate-refresh timer fires: members spread evenly over the day, so
 * two members never restart etcd within hours of each other and a quorum always stays up.
 */
export function certificateRefreshHour(model: ClusterModel, member: ControlPlaneMember): number {
  const count = model.controlPlane.members.length;
  return (1 + Math.floor(((member.index - 1) * 24) / count)) % 24;
}

/**
 * Hour of day (UTC) at which a member defragments its etcd database (it stalls meanwhile): twelve hours after its
 * certificate refresh, so for every odd member count the schema allows (1 to 7) the members' hours differ from each
 * other's and from every member's certificate refresh (which restarts etcd): test/model/etcd-maintenance-hours.test.ts.
 */
export function defragmentationHour(model: ClusterModel, member: ControlPlaneMember): number {
  return (certificateRefreshHour(model, member) + 12) % 24;
}

/**
 * How far a restore moves etcd's revision forward (`snapshot restore --bump-revision`): past every revision the
 * cluster may have reached after the restored snapshot, so no watcher (an API server's watch cache, an informer)
 * ever sees a revision again with other data. etcd's disaster-recovery guide (etcd-io/website
 * content/en/docs/v3.6/op-guide/recovery.md, "Restoring with revision bump"): "you may cover a week old snapshot
 * with bumping by 1'000'000'000 assuming that etcd runs with less than 1500 writes per second". The oldest snapshot
 * the bucket keeps is `retentionDays` old: the same rate over that many days, and never less than the guide's figure.
 */
export const RESTORE_WRITES_PER_SECOND = 1_500;
export const RESTORE_MINIMUM_REVISION_BUMP = 1_000_000_000;

export function restoreRevisionBump(model: ClusterModel): number {
  return Math.max(RESTORE_MINIMUM_REVISION_BUMP, model.controlPlane.etcdBackups.retentionDays * 86_400 * RESTORE_WRITES_PER_SECOND);
}
