import type { ClusterModel, ControlPlaneMember } from '../../model/model.js';
import { installPathOf } from './machine-files.js';

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
export function etcdConfigOf(model: ClusterModel, member: ControlPlaneMember): EtcdConfig {
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
