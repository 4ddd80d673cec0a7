import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { CONTROL_PLANE_TEMPLATE_VARS } from '../../model/bootstrap-contract.js';
import { BOOTSTRAP_TOKEN_TTL_HOURS } from '../../model/bootstrap-token.js';
import { IN_CLUSTER_ISSUER } from '../../model/service-account-issuer.js';
import type { ClusterModel, ControlPlaneMember, InstanceGroupModel } from '../../model/model.js';
import { AUDIT_LOG_PATH, AUDIT_POLICY_PATH } from './audit-policy.js';
import { etcdEndpoints } from './etcd-config.js';
import { installPathOf, type Machine } from './machine-files.js';
import { terraformVariable } from './templatefile-syntax.js';

/**
 * Values known only on the machine at boot. The kubeadm files are written with these marks and the boot script
 * replaces them (the token never appears in user data; the node name comes from instance metadata).
 */
export const BOOT_VALUES = {
  nodeName: '@NODE_NAME@',
  bootstrapToken: '@BOOTSTRAP_TOKEN@',
  caCertHash: '@CA_CERT_HASH@',
} as const;

const KUBEADM_API = 'kubeadm.k8s.io/v1beta4';
const CRI_SOCKET = 'unix:///run/containerd/containerd.sock';

/** Go cipher suites with forward secrecy and AEAD only (CIS 1.2.30, 4.2.12), for the API server and kubelets. */
const TLS_CIPHER_SUITES = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
];

/** kubeadm's waits are generous: the load balancer marks a new target healthy only after its health checks. */
const TIMEOUTS = { controlPlaneComponentHealthCheck: '10m0s', kubernetesAPICall: '5m0s', discovery: '15m0s', tlsBootstrap: '10m0s' };

type Arg = { name: string; value: string };
const args = (entries: Array<[string, string]>): Arg[] => entries.map(([name, value]) => ({ name, value }));

function apiEndpoint(): string {
  return `${terraformVariable(CONTROL_PLANE_TEMPLATE_VARS.apiEndpoint)}:6443`;
}

function nodeRegistration(kubeletArgs: Array<[string, string]>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: BOOT_VALUES.nodeName,
    criSocket: CRI_SOCKET,
    // The AWS cloud-controller-manager initializes nodes (addresses, zone, provider ID).
    kubeletExtraArgs: args([['cloud-provider', 'external'], ...kubeletArgs]),
    ...extra,
  };
}

function bootstrapDiscovery(): Record<string, unknown> {
  return {
    bootstrapToken: { apiServerEndpoint: apiEndpoint(), token: BOOT_VALUES.bootstrapToken, caCertHashes: [BOOT_VALUES.caCertHash] },
  };
}

/**
 * With a published issuer, the API server signs tokens as that issuer. It is the only --service-account-issuer:
 * kubeadm releases before the fix of kubernetes/kubeadm#3261 sort repeated extraArgs by value, which would put
 * the in-cluster issuer first (it signs) whenever the bucket name sorts after "kubernetes". A cluster created
 * this way never had a token of the in-cluster issuer to keep valid; enabling it on a running cluster is the
 * manual procedure of docs/iam-roles-for-service-accounts.md. --api-audiences keeps the in-cluster audience as
 * well: its default would be the issuer alone, and clients that ask for the in-cluster audience would be refused.
 */
function serviceAccountIssuerArgs(model: ClusterModel): Array<[string, string]> {
  const issuer = model.serviceAccountIssuer;
  if (!issuer) return [];
  return [
    ['service-account-issuer', issuer.url],
    ['service-account-jwks-uri', issuer.jwksUri],
    ['api-audiences', `${IN_CLUSTER_ISSUER},${issuer.url}`],
  ];
}

function clusterConfiguration(model: ClusterModel, member: ControlPlaneMember): Record<string, unknown> {
  const machine: Machine = { role: 'control-plane', member };
  const encryptionConfig = installPathOf(model, machine, '/secrets/encryption-config.yaml');
  const hostDir = (name: string, path: string, readOnly: boolean) => ({ name, hostPath: path, mountPath: path, readOnly, pathType: 'DirectoryOrCreate' });
  return {
    apiVersion: KUBEADM_API,
    kind: 'ClusterConfiguration',
    clusterName: model.name,
    kubernetesVersion: `v${model.kubernetesVersion}`,
    controlPlaneEndpoint: apiEndpoint(),
    certificatesDir: dirname(installPathOf(model, machine, '/pki/ca.crt')),
    networking: { podSubnet: model.network.podCIDR, serviceSubnet: model.network.serviceCIDR, dnsDomain: 'cluster.local' },
    // External etcd: kubeadm never adds or removes etcd members; etcd's membership is static (etcd.conf.yml).
    etcd: {
      external: {
        endpoints: etcdEndpoints(model),
        caFile: installPathOf(model, machine, '/pki/etcd/ca.crt'),
        certFile: installPathOf(model, machine, '/pki/apiserver-etcd-client.crt'),
        keyFile: installPathOf(model, machine, '/pki/apiserver-etcd-client.key'),
      },
    },
    apiServer: {
      // kubeadm makes the serving certificate on each node from the shared CA, adding the node's own address.
      certSANs: [terraformVariable(CONTROL_PLANE_TEMPLATE_VARS.apiEndpoint)],
      extraArgs: args([
        ['authorization-mode', 'Node,RBAC'],
        ['enable-admission-plugins', 'NodeRestriction'],
        ['profiling', 'false'],
        ['audit-policy-file', AUDIT_POLICY_PATH],
        ['audit-log-path', AUDIT_LOG_PATH],
        ['audit-log-maxage', '30'],
        ['audit-log-maxbackup', '10'],
        ['audit-log-maxsize', '100'],
        ['encryption-provider-config', encryptionConfig],
        ['tls-cipher-suites', TLS_CIPHER_SUITES.join(',')],
        ...serviceAccountIssuerArgs(model),
      ]),
      extraVolumes: [
        hostDir('audit-policy', dirname(AUDIT_POLICY_PATH), true),
        hostDir('audit-log', dirname(AUDIT_LOG_PATH), false),
        hostDir('encryption-config', dirname(encryptionConfig), true),
      ],
    },
    controllerManager: {
      extraArgs: args([
        ['profiling', 'false'],
        ['terminated-pod-gc-threshold', '1000'],
        // Node CIDRs from the pod CIDR: kubenet's bridge and the cloud route controller use them.
        ['allocate-node-cidrs', 'true'],
      ]),
    },
    scheduler: { extraArgs: args([['profiling', 'false']]) },
  };
}

/** The kubelet settings kubeadm stores in the cluster and hands to every node that joins (CIS section 4.2). */
function kubeletConfiguration(model: ClusterModel): Record<string, unknown> {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' } },
    authorization: { mode: 'Webhook' },
    readOnlyPort: 0,
    rotateCertificates: true,
    protectKernelDefaults: true,
    tlsCipherSuites: TLS_CIPHER_SUITES,
    clusterDNS: [model.network.clusterDnsIp],
    clusterDomain: 'cluster.local',
  };
}

/** No folding: every value stays on one line, as kubeadm and people reading the file expect. */
const YAML_OPTIONS = { lineWidth: 0 } as const;

function documents(docs: Array<Record<string, unknown>>): string {
  return docs.map((d) => stringify(d, YAML_OPTIONS)).join('---\n');
}

function controlPlaneKubeletArgs(member: ControlPlaneMember): Array<[string, string]> {
  return [['node-ip', member.privateIp]];
}

/**
 * `kubeadm init` for the member that starts the cluster, with the first bootstrap token (generated with the PKI,
 * uploaded by Terraform). It expires like every later one; the control plane publishes a new token every few
 * hours (hakube-bootstrap-token, docs/node-boot.md), so workers of auto-scaling groups can join at any time.
 */
export function kubeadmInitConfig(model: ClusterModel, member: ControlPlaneMember): string {
  return documents([
    {
      apiVersion: KUBEADM_API,
      kind: 'InitConfiguration',
      bootstrapTokens: [
        {
          token: BOOT_VALUES.bootstrapToken,
          description: 'hakube: the first join token; the control plane rotates it (see docs/node-boot.md)',
          ttl: `${BOOTSTRAP_TOKEN_TTL_HOURS}h`,
          usages: ['signing', 'authentication'],
          groups: ['system:bootstrappers:kubeadm:default-node-token'],
        },
      ],
      localAPIEndpoint: { advertiseAddress: member.privateIp, bindPort: 6443 },
      nodeRegistration: nodeRegistration(controlPlaneKubeletArgs(member), {
        // kubeadm init asks every etcd endpoint for its version (about a minute of retries) and fails if one does
        // not answer, although the API server needs only a quorum. The boot script has already waited for a
        // quorum, and hakube pins the etcd version itself, so a member still booting must not abort the init.
        ignorePreflightErrors: ['ExternalEtcdVersion'],
      }),
      timeouts: TIMEOUTS,
    },
    clusterConfiguration(model, member),
    kubeletConfiguration(model),
  ]);
}

/** `kubeadm join --control-plane`: every certificate is already in place, so no certificate key is needed. */
export function kubeadmControlPlaneJoinConfig(member: ControlPlaneMember): string {
  return documents([
    {
      apiVersion: KUBEADM_API,
      kind: 'JoinConfiguration',
      discovery: bootstrapDiscovery(),
      // The first member of an upgrade joins with a kubelet one minor newer than the running control plane, then
      // upgrades the control plane itself (hakube-upgrade-cluster, docs/upgrades.md).
      nodeRegistration: nodeRegistration(controlPlaneKubeletArgs(member), { ignorePreflightErrors: ['KubeletVersion'] }),
      controlPlane: { localAPIEndpoint: { advertiseAddress: member.privateIp, bindPort: 6443 } },
      timeouts: TIMEOUTS,
    },
  ]);
}

/** What of an instance group its workers' JoinConfiguration holds. */
export type WorkerJoinValues = Pick<InstanceGroupModel, 'labels' | 'taints'>;

/** The kubelet's --node-labels value: `key=value` pairs, comma-separated. */
function nodeLabels(group: WorkerJoinValues): string {
  return Object.entries(group.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** A worker of `group` joins with the bootstrap token, the cluster CA pinned by its hash, and the group's labels and taints. */
export function kubeadmWorkerJoinConfig(group: WorkerJoinValues): string {
  const labels = nodeLabels(group);
  const kubeletArgs: Array<[string, string]> = labels !== '' ? [['node-labels', labels]] : [];
  const taints = group.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }));
  return documents([
    {
      apiVersion: KUBEADM_API,
      kind: 'JoinConfiguration',
      discovery: bootstrapDiscovery(),
      nodeRegistration: nodeRegistration(kubeletArgs, {
        taints,
        // The worker fetched the CA to pin it; kubeadm would otherwise refuse to join over an existing ca.crt.
        ignorePreflightErrors: ['FileAvailable--etc-kubernetes-pki-ca.crt'],
      }),
      timeouts: TIMEOUTS,
    },
  ]);
}

/**
 * `text` as yaml writes it as the value of a block mapping entry. For a one-line text that is the same at every
 * depth (a longer one would be a block scalar, indented for its depth, so it is refused).
 */
function yamlValue(text: string): string {
  const entry = stringify({ v: text }, YAML_OPTIONS);
  if (entry.indexOf('\n') !== entry.length - 1) throw new Error(`BUG: ${JSON.stringify(text)} is not a one-line YAML value`);
  return entry.slice('v: '.length, -1);
}

/** Where the node-labels argument and the taints go in the configuration of a group with neither. */
const NO_TAINTS = '  taints: []\n';

/**
 * kubeadmWorkerJoinConfig() for any number of groups at the cost of one: the configuration of a group without labels
 * or taints is stringified once, and each group's node-labels argument (the last kubelet argument) and taints (the
 * next key) are written into it, laid out as yaml lays them out, every value quoted by yaml
 * (test/cloudinit/kubeadm-config.test.ts holds the two to the same bytes).
 */
export function kubeadmWorkerJoinConfigWriter(): (group: WorkerJoinValues) => string {
  const [head, tail, ...more] = kubeadmWorkerJoinConfig({ labels: {}, taints: [] }).split(NO_TAINTS);
  if (tail === undefined || more.length > 0) throw new Error('BUG: the worker JoinConfiguration has no single empty taints list');
  return (group) => {
    const labels = nodeLabels(group);
    const labelsArg = labels !== '' ? `    - name: node-labels\n      value: ${yamlValue(labels)}\n` : '';
    const taints =
      group.taints.length === 0
        ? NO_TAINTS
        : '  taints:\n' +
          group.taints
            .map(
              (t) =>
                `    - key: ${yamlValue(t.key)}\n` +
                (t.value !== undefined ? `      value: ${yamlValue(t.value)}\n` : '') +
                `      effect: ${yamlValue(t.effect)}\n`,
            )
            .join('');
    return head + labelsArg + taints + tail;
  };
}
