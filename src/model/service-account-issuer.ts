import { createHash } from 'node:crypto';
import type { ResolvedServiceAccountPermission, ResolvedSpec } from '../spec/defaults.js';

/** kubeadm's default issuer (and audience), the one a cluster without discovery signs tokens as. */
export const IN_CLUSTER_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The audience the pod identity tokens carry, and the only client of the IAM OIDC provider. */
export const STS_AUDIENCE = 'sts.amazonaws.com';
/** Where kube-apiserver serves its JWKS, and so where the discovery bucket holds it. */
export const JWKS_PATH = 'openid/v1/jwks';
export const OPENID_CONFIGURATION_PATH = '.well-known/openid-configuration';

/** The published service-account issuer (serviceAccountIssuerDiscovery). */
export interface ServiceAccountIssuerModel {
  /** The bucket hakube creates; its name is the spec's, so the issuer is known before apply. */
  bucket: string;
  /** https://<bucket>.s3.<region>.amazonaws.com: kube-apiserver's first --service-account-issuer. */
  url: string;
  jwksUri: string;
  enableAWSOIDCProvider: boolean;
}

export interface ServiceAccountRoleModel extends ResolvedServiceAccountPermission {
  /** IAM role name: cluster slug, namespace and name, hashed when longer than IAM's 64 characters. */
  roleName: string;
  /** Terraform-safe, unique per namespace/name. */
  id: string;
}

export function serviceAccountIssuerModel(spec: ResolvedSpec): ServiceAccountIssuerModel | undefined {
  const d = spec.serviceAccountIssuerDiscovery;
  if (!d) return undefined;
  const url = `https://${d.discoveryStore}.s3.${spec.region}.amazonaws.com`;
  return { bucket: d.discoveryStore, url, jwksUri: `${url}/${JWKS_PATH}`, enableAWSOIDCProvider: d.enableAWSOIDCProvider };
}

/** IAM role names: at most 64 characters of [\w+=,.@-]. */
export const ROLE_NAME_MAX = 64;
const ROLE_HASH_LENGTH = 10;

/**
 * `<slug>-sa-<namespace>-<name>`, readable when it fits; else cut, with a hash of the full name after the cut so
 * two long names that share their start still get different roles.
 */
export function serviceAccountRoleName(slug: string, namespace: string, name: string): string {
  const full = `${slug}-sa-${namespace}-${name}`;
  if (full.length <= ROLE_NAME_MAX) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, ROLE_HASH_LENGTH);
  return `${full.slice(0, ROLE_NAME_MAX - ROLE_HASH_LENGTH - 1).replace(/[-.]+$/, '')}-${hash}`;
}

export function serviceAccountRoles(spec: ResolvedSpec, slug: string): ServiceAccountRoleModel[] {
  return spec.iam.serviceAccountExternalPermissions.map((p) => ({
    ...p,
    roleName: serviceAccountRoleName(slug, p.namespace, p.name),
    id: serviceAccountRoleId(p.namespace, p.name),
  }));
}

/**
 * The role's Terraform name. "-" and "." both become "_", so two accounts can share one (apps/a-b and apps/a.b);
 * the rules refuse that (HK299), as they refuse two accounts that share a role name.
 */
export function serviceAccountRoleId(namespace: string, name: string): string {
  return `sa_${namespace}__${name}`.replace(/[^a-z0-9_]/g, '_');
}

/** "system:serviceaccount:<namespace>:<name>": the subject of the account's tokens. */
export function serviceAccountSubject(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}
