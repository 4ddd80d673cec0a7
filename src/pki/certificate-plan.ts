import type { ClusterModel } from '../model/model.js';
import { PKI_DIR } from '../model/bucket-layout.js';

export type ExtendedUsage = 'server' | 'client';

/**
 * One certificate hakube keeps: `<base>.crt` and `<base>.key`, paths relative to the output folder.
 * CAs have no issuer; a leaf names the base of the CA that signs it.
 */
export interface CertificatePlan {
  base: string;
  issuer: string | null;
  commonName: string;
  /** Subject O entries: Kubernetes groups for client certificates. */
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  usages: ExtendedUsage[];
}

export const USERS_DIR = 'users';
export const MANIFEST_PATH = `${PKI_DIR}/manifest.json`;
export const SERVICE_ACCOUNT_KEY = `${PKI_DIR}/sa.key`;
export const SERVICE_ACCOUNT_PUB = `${PKI_DIR}/sa.pub`;
/** Local admin kubeconfig, written when the API endpoint is known: it holds the admin key, so it lives in pki/ (0700). */
export const ADMIN_KUBECONFIG = `${PKI_DIR}/admin.kubeconfig`;

export const KUBERNETES_CA = `${PKI_DIR}/ca`;
export const FRONT_PROXY_CA = `${PKI_DIR}/front-proxy-ca`;
export const ETCD_CA = `${PKI_DIR}/etcd/ca`;
/** Signs only the pod identity webhook's serving certificate: the API server trusts it for that webhook alone. */
export const POD_IDENTITY_WEBHOOK_CA = `${PKI_DIR}/pod-identity-webhook/ca`;
export const POD_IDENTITY_WEBHOOK_SERVING = `${PKI_DIR}/pod-identity-webhook/serving`;
/** The name the API server dials the webhook by (its Service in kube-system), so the one SAN its certificate needs. */
export const POD_IDENTITY_WEBHOOK_DNS_NAME = 'pod-identity-webhook.kube-system.svc';
export const CA_BASES = [KUBERNETES_CA, FRONT_PROXY_CA, ETCD_CA, POD_IDENTITY_WEBHOOK_CA] as const;
export const ADMIN_CERT = `${PKI_DIR}/admin`;

/** kubeadm (1.29 and later) binds this group to cluster-admin; unlike system:masters the binding can be revoked. */
export const CLUSTER_ADMINS_GROUP = 'kubeadm:cluster-admins';
export const ADMIN_USER = 'kubernetes-admin';

/** Names users and groups may have: the schema's patterns, so a name is also a safe path segment. */
export const USER_NAME_PATTERN = /^[a-z0-9]([-a-z0-9_.@]*[a-z0-9])?$/;
export const GROUP_NAME_PATTERN = /^[A-Za-z0-9]([-A-Za-z0-9_.:@]*[A-Za-z0-9])?$/;

/**
 * User names hakube's own identities hold on the Kubernetes CA: a user by one of these names would be that identity
 * (kubernetes-admin is the admin kubeconfig's). Names under system: are Kubernetes' own and fail USER_NAME_PATTERN.
 */
export const RESERVED_USER_NAMES: readonly string[] = [
  ADMIN_USER,
  'kube-apiserver-kubelet-client',
  'kube-apiserver-etcd-client',
  'front-proxy-client',
  'kube-etcd-healthcheck-client',
];

/** Why `name` cannot be a hakube user, or undefined: the one rule for the spec's users and add-user. */
export function reservedUserNameProblem(name: string): string | undefined {
  if (!RESERVED_USER_NAMES.includes(name)) return undefined;
  return `user name ${JSON.stringify(name)} is the identity of one of hakube's own certificates${name === ADMIN_USER ? ' (the admin kubeconfig)' : ''}; a user by that name would act as it: choose another name`;
}

/** The warning for a user put in system:masters, on the spec path and for add-user alike. */
export function systemMastersWarning(name: string): string {
  return `user ${JSON.stringify(name)} is in system:masters, which bypasses RBAC and cannot be revoked; use kubeadm:cluster-admins or a custom group`;
}

export function userCertificateBase(name: string): string {
  return `${USERS_DIR}/${name}/${name}`;
}

export function userKubeconfigPath(name: string): string {
  return `${USERS_DIR}/${name}/kubeconfig`;
}

export function memberEtcdBase(member: string, file: 'server' | 'peer'): string {
  return `${PKI_DIR}/etcd/members/${member}/${file}`;
}

/**
 * Which CA signs the leaf stored at `base`: fixed by kubeadm's layout, so the store can check
 * signatures without the spec.
 */
export function issuerOf(base: string): string {
  if (base.startsWith(`${PKI_DIR}/etcd/`) || base === `${PKI_DIR}/apiserver-etcd-client`) return ETCD_CA;
  if (base === `${PKI_DIR}/front-proxy-client`) return FRONT_PROXY_CA;
  if (base === POD_IDENTITY_WEBHOOK_SERVING) return POD_IDENTITY_WEBHOOK_CA;
  return KUBERNETES_CA;
}

export function isCaBase(base: string): boolean {
  return (CA_BASES as readonly string[]).includes(base);
}

/** The API server URL when the spec fixes its DNS name; otherwise it is known only after apply. */
export function specApiServer(model: ClusterModel): string | undefined {
  return model.api.dns ? `https://${model.api.dns.name}:${model.api.port}` : undefined;
}

export function userPlan(name: string, groups: string[]): CertificatePlan {
  return {
    base: userCertificateBase(name),
    issuer: KUBERNETES_CA,
    commonName: name,
    organizations: [...groups],
    dnsNames: [],
    ipAddresses: [],
    usages: ['client'],
  };
}

function ca(base: string, commonName: string): CertificatePlan {
  return { base, issuer: null, commonName, organizations: [], dnsNames: [], ipAddresses: [], usages: [] };
}

function client(base: string, commonName: string, organizations: string[] = []): CertificatePlan {
  return { base, issuer: issuerOf(base), commonName, organizations, dnsNames: [], ipAddresses: [], usages: ['client'] };
}

/**
 * Every certificate the spec calls for, CAs first, following the "PKI certificates and requirements"
 * table and kubeadm's file names. The API server's serving certificate is absent on purpose: kubeadm
 * makes it on each control-plane node at boot (see docs/pki.md).
 */
export function plannedCertificates(model: ClusterModel): CertificatePlan[] {
  const plans: CertificatePlan[] = [
    ca(KUBERNETES_CA, 'kubernetes-ca'),
    ca(FRONT_PROXY_CA, 'kubernetes-front-proxy-ca'),
    ca(ETCD_CA, 'etcd-ca'),
    // The kubelet authorizes the API server through RBAC; kubeadm gives this identity kubeadm:cluster-admins.
    client(`${PKI_DIR}/apiserver-kubelet-client`, 'kube-apiserver-kubelet-client', [CLUSTER_ADMINS_GROUP]),
    client(`${PKI_DIR}/apiserver-etcd-client`, 'kube-apiserver-etcd-client'),
    client(`${PKI_DIR}/front-proxy-client`, 'front-proxy-client'),
    client(`${PKI_DIR}/etcd/healthcheck-client`, 'kube-etcd-healthcheck-client'),
  ];
  for (const member of model.controlPlane.members) {
    for (const file of ['server', 'peer'] as const) {
      plans.push({
        base: memberEtcdBase(member.name, file),
        issuer: ETCD_CA,
        // kubeadm names etcd's serving and peer certificates after the node.
        commonName: member.name,
        organizations: [],
        dnsNames: [member.name, 'localhost'],
        ipAddresses: [member.privateIp, '127.0.0.1'],
        // etcd uses both certificates as server and as client (peers dial each other; etcd 3.2+ checks clientAuth on the server cert).
        usages: ['server', 'client'],
      });
    }
  }
  plans.push(client(ADMIN_CERT, ADMIN_USER, [CLUSTER_ADMINS_GROUP]));
  if (model.serviceAccountIssuer) {
    plans.push(ca(POD_IDENTITY_WEBHOOK_CA, 'pod-identity-webhook-ca'), {
      base: POD_IDENTITY_WEBHOOK_SERVING,
      issuer: POD_IDENTITY_WEBHOOK_CA,
      commonName: POD_IDENTITY_WEBHOOK_DNS_NAME,
      organizations: [],
      dnsNames: [POD_IDENTITY_WEBHOOK_DNS_NAME],
      ipAddresses: [],
      usages: ['server'],
    });
  }
  for (const user of model.users) plans.push(userPlan(user.name, user.groups));
  return plans;
}
