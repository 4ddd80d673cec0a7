import { ETCD_BACKUP_PREFIX, restoreRevisionBump } from '../../model/etcd-backups.js';
import { terraformId, type ClusterModel } from '../../model/model.js';
import type { GeneratedFile } from '../../output/files.js';
import { DAY_TWO_TIMERS } from '../cloudinit/day-two.js';
import { ETCD_DATA_DIR, etcdConfigOf, etcdEndpoints, etcdPeerUrl } from '../cloudinit/etcd-config.js';
import { renderTemplate } from '../cloudinit/templates.js';

/** A snapshot key the machines could have written: under the backup prefix, a plain name ending in .db. */
const SNAPSHOT_KEY = new RegExp(`^${ETCD_BACKUP_PREFIX}[A-Za-z0-9._-]+\\.db$`);

export function isSnapshotKey(key: string): boolean {
  return SNAPSHOT_KEY.test(key);
}

/**
 * The restore of this cluster's etcd from one snapshot: a README with every step and one script per member,
 * each restoring that member's data with its own name, peer URL and the cluster's initial-cluster (the same
 * values its etcd configuration holds, so the restored cluster is the one the machines expect). Pure.
 */
export function restoreProcedure(model: ClusterModel, snapshotKey: string, outDir: string): GeneratedFile[] {
  if (!isSnapshotKey(snapshotKey)) throw new Error(`BUG: ${snapshotKey} is not a snapshot key; the command checks it first`);
  const first = model.controlPlane.members[0];
  if (!first) throw new Error('BUG: a cluster has at least one control-plane member');
  const config = etcdConfigOf(model, first);
  const common = {
    clusterName: model.name,
    snapshotKey,
    dataDir: ETCD_DATA_DIR,
    initialCluster: config['initial-cluster'],
    clusterToken: config['initial-cluster-token'],
    revisionBump: restoreRevisionBump(model),
  };
  const members = model.controlPlane.members.map((member) => ({
    ...member,
    peerUrl: etcdPeerUrl(member),
    volumeAddress: `aws_ebs_volume.etcd_${terraformId(member.name)}`,
  }));
  return [
    {
      path: 'README.md',
      content: renderTemplate('etcd-restore.md', { ...common, members, outDir, endpoints: etcdEndpoints(model).join(','), timers: DAY_TWO_TIMERS.join(' ') }),
    },
    ...members.map((member) => ({
      path: `restore-${member.name}.sh`,
      content: renderTemplate('etcd-restore-member.sh', { ...common, member, peerUrl: member.peerUrl }),
      mode: 0o755,
    })),
  ];
}
