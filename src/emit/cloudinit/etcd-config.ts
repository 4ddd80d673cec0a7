import type { ClusterModel, ControlPlaneMember } from '../../model/model.js';
import { installPathOf } from './machine-files.js';
import { etcdVersion } from './node-software.js';

export const ETCD_CONFIG_PATH = '/etc/etcd/etcd.conf.yml';
/**
 * Where the member's own etcd volume is mounted. Not kubeadm's /var/lib/etcd: `kubeadm reset` (run between
 * failed join attempts) may clean that path, and this data must outlive every machine.
 */
export const ETCD_VOLUME_MOUNT = '/var/lib/hakube-etcd';
export const ETCD_DATA_DIR = `${ETCD_VOLUME_MOUNT}/data`;
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

interface TransportSecurity {
  'cert-file': string;
  'key-file': string;
  'trusted-ca-file': string;
  'client-cert-auth': true;
  'auto-tls': false;
}

/** The etcd configuration file of one member, exactly as its cloud-init writes it (`etcd --config-file`). */
export interface EtcdConfig {
  name: string;
  'data-dir': string;
  'listen-peer-urls': string;
  'listen-client-urls': string;
  'initial-advertise-peer-urls': string;
  'advertise-client-urls': string;
  'initial-cluster': string;
  'initial-cluster-token': string;
  'initial-cluster-state': 'new';
  'client-transport-security': TransportSecurity;
  'peer-transport-security': TransportSecurity;
}

/**
 * kubeadm's hardening of every etcd it runs: check the data against the peers' before serving (a corrupted
 * member refuses to start instead of serving bad data), and send watch progress notifications every 5 s (the
 * API server's watch cache relies on them to serve consistent reads from cache). etcd 3.6 renamed both: the
 * check became a feature gate and the interval lost its `experimental-` prefix, and 3.6 refuses a file that sets
 * an old and a new name together, so each member gets the names of the etcd version it runs.
 * The config file is decoded as JSON into Go's time.Duration, so the interval is in nanoseconds there ("5s" is
 * refused), unlike the command-line flag kubeadm passes.
 */
export type EtcdHardening =
  | { 'experimental-initial-corrupt-check': true; 'experimental-watch-progress-notify-interval': number }
  | { 'feature-gates': string; 'watch-progress-notify-interval': number };

export const WATCH_PROGRESS_NOTIFY_INTERVAL_NS = 5_000_000_000;

export function etcdHardening(model: ClusterModel): EtcdHardening {
  const [major, minor] = etcdVersion(model).split('.').map(Number) as [number, number];
  if (major > 3 || minor >= 6) {
    return { 'feature-gates': 'InitialCorruptCheck=true', 'watch-progress-notify-interval': WATCH_PROGRESS_NOTIFY_INTERVAL_NS };
  }
  return { 'experimental-initial-corrupt-check': true, 'experimental-watch-progress-notify-interval': WATCH_PROGRESS_NOTIFY_INTERVAL_NS };
}

export function etcdPeerUrl(member: ControlPlaneMember): string {
  return `https://${member.privateIp}:${ETCD_PEER_PORT}`;
}

export function etcdClientUrl(member: ControlPlaneMember): string {
  return `https://${member.privateIp}:${ETCD_CLIENT_PORT}`;
}

/**
 * A static cluster of every member, each named after its machine and reached at its fixed address. The
 * initial-cluster settings matter only for an empty data directory: a replaced machine mounts its member's
 * volume, finds the data there, and rejoins as the same member, with no `etcdctl member` surgery.
 */
export function etcdConfigOf(model: ClusterModel, member: ControlPlaneMember): EtcdConfig & EtcdHardening {
  const machine = { role: 'control-plane', member } as const;
  const file = (suffix: string) => installPathOf(model, machine, suffix);
  const caFile = file('/pki/etcd/ca.crt');
  return {
    name: member.name,
    'data-dir': ETCD_DATA_DIR,
    'listen-peer-urls': etcdPeerUrl(member),
    // Loopback too, so the member's own tools can reach it without going through the network.
    'listen-client-urls': `${etcdClientUrl(member)},https://127.0.0.1:${ETCD_CLIENT_PORT}`,
    'initial-advertise-peer-urls': etcdPeerUrl(member),
    'advertise-client-urls': etcdClientUrl(member),
    'initial-cluster': model.controlPlane.members.map((m) => `${m.name}=${etcdPeerUrl(m)}`).join(','),
    'initial-cluster-token': model.name,
    'initial-cluster-state': 'new',
    'client-transport-security': {
      'cert-file': file(`/${member.name}/etcd/server.crt`),
      'key-file': file(`/${member.name}/etcd/server.key`),
      'trusted-ca-file': caFile,
      'client-cert-auth': true,
      'auto-tls': false,
    },
    'peer-transport-security': {
      'cert-file': file(`/${member.name}/etcd/peer.crt`),
      'key-file': file(`/${member.name}/etcd/peer.key`),
      'trusted-ca-file': caFile,
      'client-cert-auth': true,
      'auto-tls': false,
    },
    ...etcdHardening(model),
  };
}

/** Every member's client URL: what the API servers and the boot script's etcdctl talk to. */
export function etcdEndpoints(model: ClusterModel): string[] {
  return model.controlPlane.members.map(etcdClientUrl);
}

export const ETCD_UNIT_PATH = '/etc/systemd/system/etcd.service';

/**
 * etcd as a systemd service of its own user. Started without waiting (`--no-block`): a member reports ready
 * only once a quorum of its peers is up, which on first boot takes as long as the slowest machine.
 * TimeoutStartSec=0: with Type=notify, systemd's default 90 s start timeout would kill the first member and
 * restart it every 90 s until a quorum exists (its peers may still be downloading etcd or waiting for their
 * volume). Any finite bound has the same failure on a slow boot, and a restart never helps a member that waits
 * for peers; a member that actually fails exits and is restarted by Restart=always.
 */
export function etcdSystemdUnit(model: ClusterModel, member: ControlPlaneMember): string {
  return [
    '[Unit]',
    `Description=etcd member ${member.name} of ${model.name}`,
    'Documentation=https://etcd.io/docs/',
    'Wants=network-online.target',
    'After=network-online.target',
    `RequiresMountsFor=${ETCD_VOLUME_MOUNT}`,
    '',
    '[Service]',
    'Type=notify',
    'TimeoutStartSec=0',
    'User=etcd',
    'Group=etcd',
    `ExecStart=/usr/local/bin/etcd --config-file ${ETCD_CONFIG_PATH}`,
    'Restart=always',
    'RestartSec=5s',
    'LimitNOFILE=65536',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
