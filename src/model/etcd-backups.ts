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
