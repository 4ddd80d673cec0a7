import { POD_IDENTITY_WEBHOOK } from '../addons/pod-identity-webhook.js';
import { POD_IDENTITY_WEBHOOK_DIR, POD_IDENTITY_WEBHOOK_FILES } from '../../model/bucket-layout.js';
import { BOOTSTRAP_TOKEN_ROTATION_HOURS, BOOTSTRAP_TOKEN_TTL_HOURS, ROTATED_BOOTSTRAP_TOKEN_KEYS } from '../../model/bootstrap-token.js';
import { ETCD_BACKUP_PREFIX, certificateRefreshHour, defragmentationHour } from '../../model/etcd-backups.js';
import type { ClusterModel, ControlPlaneMember } from '../../model/model.js';
import { etcdClientUrl, etcdEndpoints, ETCD_CONFIG_PATH, ETCD_VOLUME_MOUNT } from './etcd-config.js';
import { installPathOf, objectsFetchedBy, type Machine } from './machine-files.js';
import { renderTemplate } from './templates.js';

/** Paths on a control-plane machine of what keeps it running after day 0. */
export const DAY_TWO_PATHS = {
  certRefreshScript: '/usr/local/sbin/hakube-cert-refresh',
  /** The leaf certificates (and keys) the refresh replaces, with their CA and the service that uses them. */
  renewablePairs: '/etc/kubernetes/hakube/renewable-certificates',
  certRefreshService: '/etc/systemd/system/hakube-cert-refresh.service',
  certRefreshTimer: '/etc/systemd/system/hakube-cert-refresh.timer',
  snapshotScript: '/usr/local/sbin/hakube-etcd-snapshot',
  snapshotService: '/etc/systemd/system/hakube-etcd-snapshot.service',
  snapshotTimer: '/etc/systemd/system/hakube-etcd-snapshot.timer',
  putObjectScript: '/usr/local/sbin/hakube-put-object',
  tokenRotationScript: '/usr/local/sbin/hakube-bootstrap-token',
  tokenRotationService: '/etc/systemd/system/hakube-bootstrap-token.service',
  tokenRotationTimer: '/etc/systemd/system/hakube-bootstrap-token.timer',
  spaceScript: '/usr/local/sbin/hakube-etcd-space',
  spaceService: '/etc/systemd/system/hakube-etcd-space.service',
  spaceTimer: '/etc/systemd/system/hakube-etcd-space.timer',
  /** Run by the refresh whatever its outcome: the leaves' expiry, warned about and recorded. */
  certExpiryScript: '/usr/local/sbin/hakube-cert-expiry',
  /** The expiry check's findings (JSON): what a node health record includes. */
  certExpiryReport: '/var/lib/hakube/certificate-expiry.json',
  /** kubeadm writes it on init and control-plane join; the rotation creates tokens with it. */
  adminKubeconfig: '/etc/kubernetes/admin.conf',
  snapshotDir: `${ETCD_VOLUME_MOUNT}/snapshots`,
  /** The key of the last snapshot this member uploaded: where an operator looks first. */
  lastSnapshot: `${ETCD_VOLUME_MOUNT}/last-snapshot`,
} as const;

/** The timers the bootstrap script enables once the member is up. */
export const DAY_TWO_TIMERS = ['hakube-cert-refresh.timer', 'hakube-etcd-snapshot.timer', 'hakube-bootstrap-token.timer', 'hakube-etcd-space.timer'] as const;

/**
 * etcd's default backend quota (`--quota-backend-bytes`): DefaultQuotaBytes, 2 GiB, in server/etcdserver/quota.go
 * (etcd-io/etcd v3.5.33) and server/storage/quota.go (v3.6.5). The space check warns from this share of it on.
 */
export const ETCD_DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;
export const ETCD_SPACE_WARN_PERCENT = 80;

/**
 * Where the leader-run jobs (snapshots, token rotation) record in etcd when they were last done, outside the API
 * server's /registry/ prefix: another member takes a job over when its record is older than LEADER_TAKEOVER_INTERVALS
 * of its intervals.
 */
export const DAY_TWO_RECORD_PREFIX = '/hakube/day-two/';
export const LEADER_TAKEOVER_INTERVALS = 2;
/** Timers fire up to a minute late (AccuracySec) and runs take minutes: the takeover waits this much longer. */
const TAKEOVER_SLACK_SECONDS = 600;

function takeoverSeconds(intervalSeconds: number): number {
  return LEADER_TAKEOVER_INTERVALS * intervalSeconds + TAKEOVER_SLACK_SECONDS;
}

/**
 * A member warns when a leaf certificate it holds expires within this many days: the window `hakube certs renew`
 * renews by default (its --within), so a warning means the renewal is due and was not done.
 */
export const LEAF_EXPIRY_WARN_DAYS = 30;

export interface DayTwoFile {
  path: string;
  permissions: string;
  content: string;
}

/**
 * Which service reads a certificate: it is restarted when the certificate changes. The pod identity webhook's pair
 * is read from a cluster Secret, which the refresh updates (the webhook reloads the files the kubelet updates).
 */
type CertificateUser = 'etcd' | 'kube-apiserver' | 'scripts' | 'pod-identity-webhook';

export interface RenewablePair {
  certKey: string;
  certPath: string;
  keyKey: string;
  keyPath: string;
  caPath: string;
  user: CertificateUser;
}

const CA_FILES = ['/ca.crt', '/ca.key', '/front-proxy-ca.crt', '/front-proxy-ca.key'];

/**
 * The leaf certificates a member holds, paired with their keys: every .crt it fetches that is not a CA. CAs are
 * never replaced on a running machine (that is kubeadm's CA rotation, a cluster operation).
 */
export function renewablePairs(model: ClusterModel, member: ControlPlaneMember): RenewablePair[] {
  const machine: Machine = { role: 'control-plane', member };
  const objects = objectsFetchedBy(model, machine);
  const pairs: RenewablePair[] = [];
  // The pod identity webhook's pair, signed by its own CA, is paired below.
  const nodePki = objects.filter((o) => !o.installPath.startsWith(POD_IDENTITY_WEBHOOK_DIR));
  for (const cert of nodePki.filter((o) => o.key.endsWith('.crt') && !CA_FILES.some((ca) => o.installPath.endsWith(`/pki${ca}`) || o.installPath.endsWith(`/pki/etcd${ca}`)))) {
    const key = nodePki.find((o) => o.key === cert.key.replace(/\.crt$/, '.key'));
    if (!key) throw new Error(`BUG: ${cert.key} has no key in the bucket layout`);
    const etcdSigned = cert.installPath.includes('/pki/etcd/') || cert.installPath.endsWith('/apiserver-etcd-client.crt');
    const caSuffix = etcdSigned ? '/pki/etcd/ca.crt' : cert.installPath.endsWith('/front-proxy-client.crt') ? '/pki/front-proxy-ca.crt' : '/pki/ca.crt';
    const user: CertificateUser = cert.member !== undefined ? 'etcd' : cert.installPath.endsWith('/healthcheck-client.crt') ? 'scripts' : 'kube-apiserver';
    pairs.push({ certKey: cert.key, certPath: cert.installPath, keyKey: key.key, keyPath: key.installPath, caPath: installPathOf(model, machine, caSuffix), user });
  }
  const webhookCert = objects.find((o) => o.installPath === POD_IDENTITY_WEBHOOK_FILES.cert.installPath);
  const webhookKey = objects.find((o) => o.installPath === POD_IDENTITY_WEBHOOK_FILES.key.installPath);
  if (webhookCert && webhookKey) {
    const { caCert } = POD_IDENTITY_WEBHOOK_FILES;
    pairs.push({ certKey: webhookCert.key, certPath: webhookCert.installPath, keyKey: webhookKey.key, keyPath: webhookKey.installPath, caPath: caCert.installPath, user: 'pod-identity-webhook' });
  }
  return pairs;
}

function unit(lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** What the refresh needs to roll the pod identity webhook's Secret, where the member holds its pair. */
function webhookSecretValues(pair: RenewablePair | undefined): object {
  if (!pair) return {};
  return {
    adminKubeconfig: DAY_TWO_PATHS.adminKubeconfig,
    webhookCertPath: pair.certPath,
    webhookNamespace: POD_IDENTITY_WEBHOOK.namespace,
    webhookSecret: POD_IDENTITY_WEBHOOK.tlsSecret,
  };
}

function certificateRefreshFiles(model: ClusterModel, member: ControlPlaneMember, common: object): DayTwoFile[] {
  const hour = String(certificateRefreshHour(model, member)).padStart(2, '0');
  const renewable = renewablePairs(model, member);
  const webhookPair = renewable.find((p) => p.user === 'pod-identity-webhook');
  const pairs = renewable
    .map((p) => `${p.certKey} ${p.certPath} ${p.keyKey} ${p.keyPath} ${p.caPath} ${p.user}\n`)
    .join('');
  return [
    { path: DAY_TWO_PATHS.renewablePairs, permissions: '0644', content: pairs },
    {
      path: DAY_TWO_PATHS.certRefreshScript,
      permissions: '0700',
      content: renderTemplate('cert-refresh.sh', {
        ...common,
        hour,
        pairsPath: DAY_TWO_PATHS.renewablePairs,
        etcdEndpoints: etcdEndpoints(model).join(','),
        expiryScript: DAY_TWO_PATHS.certExpiryScript,
        ...webhookSecretValues(webhookPair),
      }),
    },
    {
      path: DAY_TWO_PATHS.certRefreshService,
      permissions: '0644',
      content: unit([
        '[Unit]',
        `Description=hakube: install renewed certificates of ${member.name} from the secrets bucket`,
        'Wants=network-online.target',
        'After=network-online.target etcd.service',
        '',
        '[Service]',
        'Type=oneshot',
        `ExecStart=${DAY_TWO_PATHS.certRefreshScript}`,
        'TimeoutStartSec=20min',
      ]),
    },
    {
      path: DAY_TWO_PATHS.certRefreshTimer,
      permissions: '0644',
      content: unit([
        '[Unit]',
        `Description=hakube: daily certificate refresh of ${member.name}, at an hour no other member uses`,
        '',
        '[Timer]',
        `OnCalendar=*-*-* ${hour}:00:00 UTC`,
        'AccuracySec=1min',
        '',
        '[Install]',
        'WantedBy=timers.target',
      ]),
    },
  ];
}

function snapshotFiles(model: ClusterModel, common: object): DayTwoFile[] {
  const { intervalMinutes, retentionDays } = model.controlPlane.etcdBackups;
  return [
    { path: DAY_TWO_PATHS.putObjectScript, permissions: '0755', content: renderTemplate('put-object.py', {}) },
    {
      path: DAY_TWO_PATHS.snapshotScript,
      permissions: '0700',
      content: renderTemplate('etcd-snapshot.sh', {
        ...common,
        prefix: ETCD_BACKUP_PREFIX,
        intervalMinutes,
        retentionDays,
        snapshotDir: DAY_TWO_PATHS.snapshotDir,
        lastSnapshotPath: DAY_TWO_PATHS.lastSnapshot,
        dayTwoRecordPrefix: DAY_TWO_RECORD_PREFIX,
        takeoverSeconds: takeoverSeconds(intervalMinutes * 60),
      }),
    },
    {
      path: DAY_TWO_PATHS.snapshotService,
      permissions: '0644',
      content: unit([
        '[Unit]',
        `Description=hakube: etcd snapshot of ${model.name} to the secrets bucket (taken by the leader)`,
        'Wants=network-online.target',
        'After=network-online.target etcd.service',
        `RequiresMountsFor=${ETCD_VOLUME_MOUNT}`,
        '',
        '[Service]',
        'Type=oneshot',
        `ExecStart=${DAY_TWO_PATHS.snapshotScript}`,
        'TimeoutStartSec=20min',
      ]),
    },
    {
      path: DAY_TWO_PATHS.snapshotTimer,
      permissions: '0644',
      content: unit([
        '[Unit]',
        `Description=hakube: etcd snapshot every ${intervalMinutes} minutes`,
        '',
        '[Timer]',
        'OnBootSec=10min',
        `OnUnitActiveSec=${intervalMinutes}min`,
        'AccuracySec=1min',
        '',
        '[Install]',
        'WantedBy=timers.target',
      ]),
    },
  ];
}

function tokenRotationFiles(model: ClusterModel, common: object): DayTwoFile[] {
  const [controlPlaneKey, nodesKey] = ROTATED_BOOTSTRAP_TOKEN_KEYS;
  return [
    {
      path: DAY_TWO_PATHS.tokenRotationScript,
      permissions: '0700',
      content: renderTemplate('bootstrap-token-rotate.sh', {
        ...common,
        adminKubeconfig: DAY_TWO_PATHS.adminKubeconfig,
        ttlHours: BOOTSTRAP_TOKEN_TTL_HOURS,
        rotationHours: BOOTSTRAP_TOKEN_ROTATION_HOURS,
        controlPlaneKey,
        nodesKey,
        dayTwoRecordPrefix: DAY_TWO_RECORD_PREFIX,
        takeoverSeconds: takeoverSeconds(BOOTSTRAP_TOKEN_ROTATION_HOURS * 3600),
      }),
    },
    {
      path: DAY_TWO_PATHS.tokenRotationService,
      permissions: '0644',
      content: unit([
        '[Unit]',
        `Description=hakube: new bootstrap token of ${model.name} to the secrets bucket (made by the etcd leader)`,
        'Wants=network-online.target',
        'After=network-online.target etcd.service kubelet.service',
        `ConditionPathExists=${DAY_TWO_PATHS.adminKubeconfig}`,
        '',
        '[Service]',
        'Type=oneshot',
        `ExecStart=${DAY_TWO_PATHS.tokenRotationScript}`,
        'TimeoutStartSec=10min',
      ]),
    },
    {
      path: DAY_TWO_PATHS.tokenRotationTimer,
      permissions: '0644',
      content: unit([
        '[Unit]',
        `Description=hakube: bootstrap token rotation every ${BOOTSTRAP_TOKEN_ROTATION_HOURS} hours`,
        '',
        '[Timer]',
        // Soon after boot too: a control plane that was down longer than a token's life publishes a valid one.
        'OnBootSec=5min',
        `OnUnitActiveSec=${BOOTSTRAP_TOKEN_ROTATION_HOURS}h`,
        'AccuracySec=1min',
        '',
        '[Install]',
        'WantedBy=timers.target',
      ]),
    },
  ];
}

function spaceFiles(model: ClusterModel, member: ControlPlaneMember, common: object): DayTwoFile[] {
  const defragHour = String(defragmentationHour(model, member)).padStart(2, '0');
  return [
    {
      path: DAY_TWO_PATHS.spaceScript,
      permissions: '0700',
      content: renderTemplate('etcd-space.sh', {
        ...common,
        etcdEndpoints: etcdEndpoints(model).join(','),
        etcdConfigPath: ETCD_CONFIG_PATH,
        defaultQuotaBytes: ETCD_DEFAULT_QUOTA_BYTES,
        warnPercent: ETCD_SPACE_WARN_PERCENT,
        defragHour,
      }),
    },
    {
      path: DAY_TWO_PATHS.spaceService,
      permissions: '0644',
      content: unit([
        '[Unit]',
        'Description=hakube: etcd alarms, database size and defragmentation',
        'After=etcd.service',
        '',
        '[Service]',
        'Type=oneshot',
        `ExecStart=${DAY_TWO_PATHS.spaceScript}`,
        'TimeoutStartSec=30min',
      ]),
    },
    {
      path: DAY_TWO_PATHS.spaceTimer,
      permissions: '0644',
      content: unit(['[Timer]', 'OnCalendar=*-*-* *:30:00 UTC', 'AccuracySec=1min', '', '[Install]', 'WantedBy=timers.target']),
    },
  ];
}

function certificateExpiryFiles(model: ClusterModel, member: ControlPlaneMember): DayTwoFile[] {
  return [
    {
      path: DAY_TWO_PATHS.certExpiryScript,
      permissions: '0700',
      content: renderTemplate('cert-expiry.sh', {
        clusterName: model.name,
        memberName: member.name,
        pairsPath: DAY_TWO_PATHS.renewablePairs,
        reportPath: DAY_TWO_PATHS.certExpiryReport,
        warnDays: LEAF_EXPIRY_WARN_DAYS,
      }),
    },
  ];
}

/**
 * What a control-plane member needs to run for a year: a daily refresh of renewed certificates (staggered by
 * member) followed by a check of its certificates' expiry, periodic etcd snapshots to the bucket, bootstrap token
 * rotation, and an hourly check of etcd's alarms and database size with a daily defragmentation (staggered by
 * member), each a script with its systemd service and timer.
 */
export function dayTwoFiles(model: ClusterModel, member: ControlPlaneMember): DayTwoFile[] {
  const machine: Machine = { role: 'control-plane', member };
  const common = {
    clusterName: model.name,
    region: model.region,
    memberName: member.name,
    ownEndpoint: etcdClientUrl(member),
    etcdCaPath: installPathOf(model, machine, '/pki/etcd/ca.crt'),
    healthcheckCert: installPathOf(model, machine, '/pki/etcd/healthcheck-client.crt'),
    healthcheckKey: installPathOf(model, machine, '/pki/etcd/healthcheck-client.key'),
  };
  return [
    ...certificateRefreshFiles(model, member, common),
    ...snapshotFiles(model, common),
    ...tokenRotationFiles(model, common),
    ...spaceFiles(model, member, common),
    ...certificateExpiryFiles(model, member),
  ];
}
