import type { ClusterModel } from './model.js';

/** Which machines may read an object: the bucket prefix and IAM policy follow it. */
export type BucketRole = 'control-plane' | 'nodes';

/**
 * One file hakube hands to machines through the secrets bucket. Terraform uploads
 * `source` (relative to the output folder) to `key` with `source_hash`, so the content never enters
 * Terraform state; cloud-init fetches `key` with the instance role.
 */
export interface BucketObject {
  role: BucketRole;
  /** Object key, always under `<role>/`. */
  key: string;
  /** Path of the local file, relative to the output folder. */
  source: string;
  /** Path the machine installs it at. */
  installPath: string;
  /** Private keys, tokens and encryption keys: mode 0600 on disk and on the machine. */
  secret: boolean;
  /** Only this control-plane member fetches it (its own etcd certificates). */
  member?: string;
  /** A program the machine runs: mode 0700 there. */
  executable?: boolean;
}

/**
 * The add-on installer (hakube-addons) is fetched from the bucket rather than written into the initializing member's
 * user data: with every add-on it takes about 2.7 KB of the 16 KB EC2 allows (gzip), which the member's own boot and
 * day-two scripts need. It is a script of the spec alone (no value Terraform fills in), so it is uploaded as written.
 */
export const ADDONS_SCRIPT_SOURCE = 'cloud-init/hakube-addons.sh';
export const ADDONS_SCRIPT_INSTALL_PATH = '/usr/local/sbin/hakube-addons';

export const PKI_DIR = 'pki';
export const NODE_PKI_DIR = '/etc/kubernetes/pki';

/**
 * kubeadm's shared control-plane files (its "manual certificate distribution" set) plus the clients kubeadm would
 * otherwise make. The etcd CA's key stays home: with external etcd, nothing on a machine issues etcd certificates.
 */
const SHARED_CONTROL_PLANE_PKI: Array<[string, boolean]> = [
  ['ca.crt', false],
  ['ca.key', true],
  ['sa.key', true],
  ['sa.pub', false],
  ['front-proxy-ca.crt', false],
  ['front-proxy-ca.key', true],
  ['front-proxy-client.crt', false],
  ['front-proxy-client.key', true],
  ['apiserver-kubelet-client.crt', false],
  ['apiserver-kubelet-client.key', true],
  ['apiserver-etcd-client.crt', false],
  ['apiserver-etcd-client.key', true],
  ['etcd/ca.crt', false],
  ['etcd/healthcheck-client.crt', false],
  ['etcd/healthcheck-client.key', true],
];

/** Per-member etcd files: stored locally under pki/etcd/members/<member>/, installed where kubeadm expects them. */
export const MEMBER_ETCD_FILES: Array<[string, boolean]> = [
  ['server.crt', false],
  ['server.key', true],
  ['peer.crt', false],
  ['peer.key', true],
];

/** Secrets that are not certificates, kept under pki/secrets/. */
export const SECRET_FILES = {
  bootstrapToken: 'secrets/bootstrap-token',
  encryptionConfig: 'secrets/encryption-config.yaml',
} as const;

export const ADDONS_DIR = 'addons';

/**
 * The pod identity webhook's CA certificate (its caBundle) and serving pair, for the add-on step that makes its TLS
 * Secret; only when the issuer is published. The CA's key stays home: it signs nothing on a machine.
 */
export const POD_IDENTITY_WEBHOOK_DIR = '/etc/kubernetes/hakube/pod-identity-webhook/';
export const POD_IDENTITY_WEBHOOK_FILES = {
  caCert: { file: 'pod-identity-webhook/ca.crt', installPath: `${POD_IDENTITY_WEBHOOK_DIR}ca.crt`, secret: false },
  cert: { file: 'pod-identity-webhook/serving.crt', installPath: `${POD_IDENTITY_WEBHOOK_DIR}tls.crt`, secret: false },
  key: { file: 'pod-identity-webhook/serving.key', installPath: `${POD_IDENTITY_WEBHOOK_DIR}tls.key`, secret: true },
} as const;

/** A member's own etcd certificates and keys: only it fetches them, so they come and go (and wait) with it. */
export function memberEtcdObjects(member: string): BucketObject[] {
  return MEMBER_ETCD_FILES.map(([file, secret]) => ({
    role: 'control-plane',
    key: `control-plane/members/${member}/etcd/${file}`,
    source: `${PKI_DIR}/etcd/members/${member}/${file}`,
    installPath: `${NODE_PKI_DIR}/etcd/${file}`,
    secret,
    member,
  }));
}

/**
 * Every object in the secrets bucket, in a stable order. A pure function of the model: the
 * Terraform (which uploads), cloud-init (which fetches) and the PKI store (which must hold every
 * `source`) all derive from this one list, and tests cross-check them. `addonFiles` are the add-on
 * file names relative to addons/, always `addonFileNames(model)`: without them the list would lack
 * the add-on uploads that generate writes.
 */
export function bucketObjects(model: ClusterModel, addonFiles: string[]): BucketObject[] {
  const objects: BucketObject[] = [];
  for (const [file, secret] of SHARED_CONTROL_PLANE_PKI) {
    objects.push({
      role: 'control-plane',
      key: `control-plane/pki/${file}`,
      source: `${PKI_DIR}/${file}`,
      installPath: `${NODE_PKI_DIR}/${file}`,
      secret,
    });
  }
  for (const member of model.controlPlane.members) objects.push(...memberEtcdObjects(member.name));
  objects.push(
    {
      role: 'control-plane',
      key: `control-plane/${SECRET_FILES.encryptionConfig}`,
      source: `${PKI_DIR}/${SECRET_FILES.encryptionConfig}`,
      installPath: '/etc/kubernetes/encryption/encryption-config.yaml',
      secret: true,
    },
    {
      role: 'control-plane',
      key: `control-plane/${SECRET_FILES.bootstrapToken}`,
      source: `${PKI_DIR}/${SECRET_FILES.bootstrapToken}`,
      installPath: '/etc/kubernetes/hakube/bootstrap-token',
      secret: true,
    },
  );
  if (model.serviceAccountIssuer) {
    for (const { file, installPath, secret } of Object.values(POD_IDENTITY_WEBHOOK_FILES)) {
      objects.push({ role: 'control-plane', key: `control-plane/pki/${file}`, source: `${PKI_DIR}/${file}`, installPath, secret });
    }
  }
  objects.push({
    role: 'control-plane',
    key: 'control-plane/scripts/hakube-addons',
    source: ADDONS_SCRIPT_SOURCE,
    installPath: ADDONS_SCRIPT_INSTALL_PATH,
    secret: false,
    executable: true,
  });
  for (const file of [...addonFiles].sort()) {
    objects.push({
      role: 'control-plane',
      key: `control-plane/${ADDONS_DIR}/${file}`,
      source: `${ADDONS_DIR}/${file}`,
      installPath: `/etc/kubernetes/hakube/addons/${file}`,
      secret: false,
    });
  }
  objects.push(
    {
      role: 'nodes',
      key: 'nodes/pki/ca.crt',
      source: `${PKI_DIR}/ca.crt`,
      installPath: `${NODE_PKI_DIR}/ca.crt`,
      secret: false,
    },
    {
      role: 'nodes',
      key: `nodes/${SECRET_FILES.bootstrapToken}`,
      source: `${PKI_DIR}/${SECRET_FILES.bootstrapToken}`,
      installPath: '/etc/kubernetes/hakube/bootstrap-token',
      secret: true,
    },
  );
  return objects;
}
