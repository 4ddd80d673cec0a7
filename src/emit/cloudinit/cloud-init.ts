import { basename, dirname } from 'node:path';
import { stringify } from 'yaml';
import {
  CONTROL_PLANE_TEMPLATE_VARS,
  NODE_TEMPLATE_VARS,
  controlPlaneCloudInitPath,
  instanceGroupCloudInitPath,
  ETCD_VOLUME_DEVICE_NAME,
} from '../../model/bootstrap-contract.js';
import { ADDONS_SCRIPT_INSTALL_PATH, ADDONS_SCRIPT_SOURCE, bucketObjects } from '../../model/bucket-layout.js';
import type { ClusterModel, ControlPlaneMember, InstanceGroupModel } from '../../model/model.js';
import type { GeneratedFile } from '../../output/files.js';
import { addonFileNames, addonPlan, HOST_NETWORK_PATCH, type AddonStep } from '../addons/addon-plan.js';
import { AUDIT_POLICY_PATH, auditPolicyYaml } from './audit-policy.js';
import { DAY_TWO_TIMERS, dayTwoFiles } from './day-two.js';
import { ADDON_STEP_SECONDS, ADDONS_STATUS_PATH, CLUSTER_STATE_SCRIPT, FAILED_WORKER_SHUTDOWN_MINUTES, INIT_MARK_KEY } from './boot-recovery.js';
import {
  ETCD_CONFIG_PATH,
  ETCD_DATA_DIR,
  ETCD_UNIT_PATH,
  ETCD_VOLUME_MOUNT,
  etcdConfigOf,
  etcdEndpoints,
  etcdSystemdUnit,
} from './etcd-config.js';
import { kubeadmControlPlaneJoinConfig, kubeadmInitConfig, kubeadmWorkerJoinConfig, kubeadmWorkerJoinConfigWriter } from './kubeadm-config.js';
import { MarkedText } from './marked-text.js';
import { fetchList, installPathOf, objectsFetchedBy, type Machine } from './machine-files.js';
import {
  KUBENET_CNI_TEMPLATE_PATH,
  KUBENET_MASQUERADE_UNIT,
  containerdConfig,
  kernelModules,
  kubenetCniTemplate,
  kubenetMasqueradeUnit,
  sysctls,
} from './node-os.js';
import { HELM_VERSION, etcdReleaseUrl, etcdVersion, kubernetesAptRepository } from './node-software.js';
import { toTemplatefile } from './templatefile-syntax.js';
import {
  CONTROL_PLANE_VERSION_WAIT_ATTEMPTS,
  NODE_READY_TIMEOUT_SECONDS,
  UPGRADE_APPLY_MARK,
  UPGRADE_CLUSTER_SCRIPT,
  hasUpgradeNodeAddonPhase,
} from './upgrade-steps.js';
import { renderTemplate, shellQuote } from './templates.js';

/** Paths on the machine of the files hakube's boot scripts use. */
export const NODE_PATHS = {
  bootstrapScript: '/usr/local/sbin/hakube-bootstrap',
  addonsScript: ADDONS_SCRIPT_INSTALL_PATH,
  /** Re-runs the add-on script while it waits for control-plane members of an older minor (templates/addons.sh). */
  addonsService: '/etc/systemd/system/hakube-addons.service',
  addonsTimer: '/etc/systemd/system/hakube-addons.timer',
  fetchScript: '/usr/local/sbin/hakube-fetch',
  fetchList: '/etc/kubernetes/hakube/bucket-objects',
  kubeadmInitTemplate: '/etc/kubernetes/hakube/kubeadm-init.yaml.in',
  kubeadmJoinTemplate: '/etc/kubernetes/hakube/kubeadm-join.yaml.in',
  /** The kubeadm file with the boot-time values filled in (it holds the token: mode 0600). */
  kubeadmConfig: '/etc/kubernetes/hakube/kubeadm.yaml',
  kubenetMasqueradeUnit: `/etc/systemd/system/${KUBENET_MASQUERADE_UNIT}`,
} as const;

/**
 * Names the etcd volume may show up under on Xen instances: the attachment name, which Xen kernels call
 * /dev/xvd*. Nitro instances use the NVMe name derived from the volume id instead.
 */
export const ETCD_VOLUME_XEN_DEVICES = [ETCD_VOLUME_DEVICE_NAME.replace('/dev/sd', '/dev/xvd'), ETCD_VOLUME_DEVICE_NAME] as const;

interface WriteFile {
  path: string;
  permissions: string;
  content: string;
}

function file(path: string, permissions: string, content: string): WriteFile {
  return { path, permissions, content };
}

/** Files every machine gets: OS settings, containerd, and how to fetch its share of the secrets bucket. */
function commonFiles(model: ClusterModel, machine: Machine): WriteFile[] {
  return [
    file('/etc/modules-load.d/kubernetes.conf', '0644', kernelModules()),
    file('/etc/sysctl.d/90-kubernetes.conf', '0644', sysctls()),
    file('/etc/containerd/config.toml', '0644', containerdConfig(model)),
    ...(model.network.cni === 'kubenet'
      ? [file(KUBENET_CNI_TEMPLATE_PATH, '0644', kubenetCniTemplate()), file(NODE_PATHS.kubenetMasqueradeUnit, '0644', kubenetMasqueradeUnit(model))]
      : []),
    file(NODE_PATHS.fetchList, '0644', fetchList(objectsFetchedBy(model, machine))),
    file(NODE_PATHS.fetchScript, '0755', renderTemplate('fetch.py', {})),
  ];
}

/** What the shared script parts need: the OS preparation, the bucket fetch and the join helpers. */
function scriptContext(model: ClusterModel, machine: Machine) {
  return {
    clusterName: model.name,
    region: model.region,
    kubernetesVersion: model.kubernetesVersion,
    kubernetesAptRepository: kubernetesAptRepository(model),
    kubenet: model.network.cni === 'kubenet',
    kubenetMasqueradeUnit: KUBENET_MASQUERADE_UNIT,
    ssmEnabled: model.ssm.enabled,
    fetchListPath: NODE_PATHS.fetchList,
    caCertPath: installPathOf(model, machine, '/pki/ca.crt'),
    bootstrapTokenPath: installPathOf(model, machine, '/secrets/bootstrap-token'),
    kubeadmConfigPath: NODE_PATHS.kubeadmConfig,
    kubeadmJoinTemplatePath: NODE_PATHS.kubeadmJoinTemplate,
    initializingMember: model.controlPlane.members.find((m) => m.initializes)?.name ?? 'control-plane-1',
  };
}

/** The cloud-config of a machine, before toTemplatefile(). */
function cloudConfigText(model: ClusterModel, title: string, variables: readonly string[], files: WriteFile[]): string {
  return renderTemplate('cloud-config.yaml', {
    title,
    variables: variables.join(', '),
    bootstrapScript: NODE_PATHS.bootstrapScript,
    sshPublicKey: model.ssh.publicKey ?? '',
    files,
  });
}

function cloudConfig(model: ClusterModel, title: string, variables: readonly string[], files: WriteFile[]): string {
  return toTemplatefile(cloudConfigText(model, title, variables, files), variables);
}

function addonCommand(step: AddonStep): string {
  const local = (name: string) => `"$ADDONS/${name}"`;
  switch (step.kind) {
    case 'manifest-url':
      return `kubectl apply --server-side --force-conflicts -f ${shellQuote(step.url)}`;
    case 'manifest-file':
      return `kubectl apply --server-side --force-conflicts -f ${local(step.file)}`;
    case 'helm': {
      const c = step.chart;
      // An OCI registry names the chart by URL; a classic repository takes --repo.
      const source = c.repository.startsWith('oci://') ? shellQuote(`${c.repository}/${c.chart}`) : `${c.chart} --repo ${shellQuote(c.repository)}`;
      const install = `helm upgrade --install ${c.release} ${source} --version ${c.version} --namespace ${c.namespace} --values ${local(step.file)}`;
      return step.queueUrlValue ? `with_queue_url ${shellQuote(step.queueUrlValue.queueName)} ${step.queueUrlValue.key} ${install}` : install;
    }
    case 'patch':
      return `kubectl --namespace ${step.namespace} patch ${step.resource} --type strategic --patch-file ${local(step.file)}`;
    case 'host-network':
      return `kubectl --namespace ${step.namespace} patch deployment/${step.deployment} --type strategic --patch ${shellQuote(JSON.stringify(HOST_NETWORK_PATCH))}`;
    case 'tls-secret':
      return `apply_tls_secret ${step.namespace} ${step.name} ${shellQuote(step.certPath)} ${shellQuote(step.keyPath)}`;
    case 'ca-bundle':
      return `patch_ca_bundle ${shellQuote(step.configuration)} ${shellQuote(step.webhook)} ${shellQuote(step.caPath)}`;
  }
}

/** The add-on installer the initializing member fetches from the bucket (ADDONS_SCRIPT_SOURCE) and runs. */
function addonsScript(model: ClusterModel): string {
  const addonObject = bucketObjects(model, addonFileNames(model)).find((o) => o.key.startsWith('control-plane/addons/'));
  if (!addonObject) throw new Error('BUG: the add-on plan has no files');
  const steps = addonPlan(model).steps;
  return renderTemplate('addons.sh', {
    clusterName: model.name,
    initializingMember: scriptContext(model, { role: 'nodes' }).initializingMember,
    addonsDir: dirname(addonObject.installPath),
    usesHelm: steps.some((s) => s.kind === 'helm'),
    usesQueueUrl: steps.some((s) => s.kind === 'helm' && s.queueUrlValue !== undefined),
    usesTlsSecret: steps.some((s) => s.kind === 'tls-secret'),
    usesCaBundle: steps.some((s) => s.kind === 'ca-bundle'),
    region: model.region,
    helmVersion: HELM_VERSION,
    addonsStatusPath: ADDONS_STATUS_PATH,
    addonsScriptPath: NODE_PATHS.addonsScript,
    addonStepSeconds: ADDON_STEP_SECONDS,
    addonStepMinutes: ADDON_STEP_SECONDS / 60,
    kubernetesMinor: model.kubernetesMinor,
    addonsTimer: basename(NODE_PATHS.addonsTimer),
    steps: steps.map((s) => ({ description: s.description, command: addonCommand(s) })),
  });
}

function addonsService(model: ClusterModel): string {
  return [
    '[Unit]',
    `Description=hakube: add-ons of ${model.name}, once every control-plane member runs ${model.kubernetesMinor}`,
    'Wants=network-online.target',
    'After=network-online.target kubelet.service',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${NODE_PATHS.addonsScript}`,
    // The script bounds each of its steps (retry_for) and then fails.
    'TimeoutStartSec=infinity',
    '',
  ].join('\n');
}

/** Enabled by the add-on script only while it waits (and disabled by it once the add-ons are installed). */
const ADDONS_TIMER = ['[Unit]', 'Description=hakube: retry the add-ons while control-plane members run an older minor', '', '[Timer]', 'OnActiveSec=10min', 'OnUnitActiveSec=10min', 'AccuracySec=1min', '', '[Install]', 'WantedBy=timers.target', ''].join('\n');

export function controlPlaneCloudInit(model: ClusterModel, member: ControlPlaneMember): string {
  const machine: Machine = { role: 'control-plane', member };
  const etcdConfig = etcdConfigOf(model, member);
  const bootstrap = renderTemplate('control-plane-bootstrap.sh', {
    ...scriptContext(model, machine),
    member,
    xenDevices: ETCD_VOLUME_XEN_DEVICES,
    etcdVersion: etcdVersion(model),
    etcdReleaseUrl: etcdReleaseUrl(model),
    etcdVolumeMount: ETCD_VOLUME_MOUNT,
    etcdDataDir: ETCD_DATA_DIR,
    etcdServerKey: etcdConfig['client-transport-security']['key-file'],
    etcdPeerKey: etcdConfig['peer-transport-security']['key-file'],
    etcdEndpoints: etcdEndpoints(model).join(','),
    etcdCaPath: etcdConfig['client-transport-security']['trusted-ca-file'],
    etcdHealthcheckCert: installPathOf(model, machine, '/pki/etcd/healthcheck-client.crt'),
    etcdHealthcheckKey: installPathOf(model, machine, '/pki/etcd/healthcheck-client.key'),
    kubeadmInitTemplatePath: NODE_PATHS.kubeadmInitTemplate,
    addonsScriptPath: NODE_PATHS.addonsScript,
    dayTwoTimers: DAY_TWO_TIMERS.join(' '),
    addonsStatusPath: ADDONS_STATUS_PATH,
    clusterStateScript: CLUSTER_STATE_SCRIPT,
    initMarkKey: INIT_MARK_KEY,
    upgradeScript: UPGRADE_CLUSTER_SCRIPT,
  });
  const upgradeCluster = renderTemplate('upgrade-cluster.sh', {
    clusterName: model.name,
    memberName: member.name,
    kubernetesVersion: model.kubernetesVersion,
    applyMarkPath: UPGRADE_APPLY_MARK,
    nodeReadyTimeoutSeconds: NODE_READY_TIMEOUT_SECONDS,
    addonPhase: hasUpgradeNodeAddonPhase(model),
  });
  const clusterState = renderTemplate('cluster-state.sh', {
    clusterName: model.name,
    initializingMember: member.name,
    etcdEndpoints: etcdEndpoints(model).join(','),
    etcdCaPath: etcdConfig['client-transport-security']['trusted-ca-file'],
    etcdHealthcheckCert: installPathOf(model, machine, '/pki/etcd/healthcheck-client.crt'),
    etcdHealthcheckKey: installPathOf(model, machine, '/pki/etcd/healthcheck-client.key'),
    initMarkKey: INIT_MARK_KEY,
  });
  const files = [
    ...commonFiles(model, machine),
    file(ETCD_CONFIG_PATH, '0644', stringify(etcdConfig, { lineWidth: 0 })),
    file(ETCD_UNIT_PATH, '0644', etcdSystemdUnit(model, member)),
    file(AUDIT_POLICY_PATH, '0600', auditPolicyYaml()),
    ...(member.initializes ? [file(NODE_PATHS.kubeadmInitTemplate, '0600', kubeadmInitConfig(model, member))] : []),
    file(NODE_PATHS.kubeadmJoinTemplate, '0600', kubeadmControlPlaneJoinConfig(member)),
    ...(member.initializes
      ? [
          file(NODE_PATHS.addonsService, '0644', addonsService(model)),
          file(NODE_PATHS.addonsTimer, '0644', ADDONS_TIMER),
          file(CLUSTER_STATE_SCRIPT, '0700', clusterState),
        ]
      : []),
    file(UPGRADE_CLUSTER_SCRIPT, '0700', upgradeCluster),
    ...dayTwoFiles(model, member),
    file(NODE_PATHS.bootstrapScript, '0700', bootstrap),
  ];
  const title = `${member.name} of ${model.name}: control-plane node and etcd member at ${member.privateIp} in ${member.zone}.`;
  return cloudConfig(model, title, Object.values(CONTROL_PLANE_TEMPLATE_VARS), files);
}

/** What differs between the user data of two worker groups. */
interface WorkerValues {
  title: string;
  groupName: string;
  kubeadmJoinConfig: string;
}

const WORKER_VARIABLES = Object.values(NODE_TEMPLATE_VARS);

/** The user data of a worker with `values` for its group's own parts, before toTemplatefile(). */
function workerCloudConfigText(model: ClusterModel, values: WorkerValues): string {
  const machine: Machine = { role: 'nodes' };
  const bootstrap = renderTemplate('node-bootstrap.sh', {
    ...scriptContext(model, machine),
    // Only the name: the writer below fills in nothing else of a group, and strict templates refuse a missing value.
    group: { name: values.groupName },
    failedWorkerShutdownMinutes: FAILED_WORKER_SHUTDOWN_MINUTES,
    kubernetesMinor: model.kubernetesMinor,
    kubernetesMinorNumber: Number(model.kubernetesMinor.split('.')[1]),
    controlPlaneAddresses: model.controlPlane.members.map((m) => m.privateIp),
    controlPlaneMajority: Math.floor(model.controlPlane.members.length / 2) + 1,
    controlPlaneCount: model.controlPlane.members.length,
    controlPlaneVersionWaitAttempts: CONTROL_PLANE_VERSION_WAIT_ATTEMPTS,
  });
  const files = [
    ...commonFiles(model, machine),
    file(NODE_PATHS.kubeadmJoinTemplate, '0600', values.kubeadmJoinConfig),
    file(NODE_PATHS.bootstrapScript, '0700', bootstrap),
  ];
  return cloudConfigText(model, values.title, WORKER_VARIABLES, files);
}

function workerTitle(model: ClusterModel, group: InstanceGroupModel): string {
  return `worker of instance group ${group.name} of ${model.name} (zones ${group.zones.join(', ')}).`;
}

/** The user data of the workers of `group`, rendered on its own. */
export function workerCloudInit(model: ClusterModel, group: InstanceGroupModel): string {
  const values = { title: workerTitle(model, group), groupName: group.name, kubeadmJoinConfig: kubeadmWorkerJoinConfig(group) };
  return toTemplatefile(workerCloudConfigText(model, values), WORKER_VARIABLES);
}

/** Marks for WorkerValues: NUL bytes occur in no template and no value. */
const WORKER_MARKS: Record<keyof WorkerValues, string> = {
  title: '\0title\0',
  groupName: '\0group-name\0',
  kubeadmJoinConfig: '\0kubeadm-join-config\0',
};

/**
 * workerCloudInit() for any number of groups at the cost of one: the user data is rendered once with marks for what
 * differs between groups, and each group's values are filled in (test/cloudinit/worker-user-data.test.ts holds the
 * two to the same bytes).
 */
export function workerCloudInitWriter(model: ClusterModel): (group: InstanceGroupModel) => string {
  const marked = new MarkedText(workerCloudConfigText(model, WORKER_MARKS), WORKER_MARKS);
  const kubeadmJoinConfig = kubeadmWorkerJoinConfigWriter();
  return (group) => {
    const values = { title: workerTitle(model, group), groupName: group.name, kubeadmJoinConfig: kubeadmJoinConfig(group) };
    return toTemplatefile(marked.fill(values), WORKER_VARIABLES);
  };
}

/** One cloud-config per control-plane member and per instance group, at the paths of allCloudInitPaths(). */
/** What machines fetch from the bucket and run, beside their user data: the add-on installer (ADDONS_SCRIPT_SOURCE). */
export function emitFetchedScripts(model: ClusterModel): GeneratedFile[] {
  return [{ path: ADDONS_SCRIPT_SOURCE, content: addonsScript(model) }];
}

export function emitCloudInit(model: ClusterModel): GeneratedFile[] {
  const workerUserData = workerCloudInitWriter(model);
  return [
    ...model.controlPlane.members.map((member) => ({ path: controlPlaneCloudInitPath(member), content: controlPlaneCloudInit(model, member) })),
    ...model.instanceGroups.map((group) => ({ path: instanceGroupCloudInitPath(group), content: workerUserData(group) })),
  ];
}
