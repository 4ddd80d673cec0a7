import type { ClusterModel } from '../model/model.js';
import type { GeneratedFile } from '../output/files.js';
import { ADMIN_CERT, ADMIN_USER, userCertificateBase, userKubeconfigPath, userPlan } from './certificate-plan.js';
import { signingCaOf } from './emit.js';
import { certificatePem, cutShortWarning, issueLeaf, leafDaysCutByCa } from './issue.js';
import { generateKeyMaterial } from './keys.js';
import { renderKubeconfig } from './kubeconfig.js';
import { checkReadableBack } from './read-limits.js';
import type { StoredPair } from './store.js';

/**
 * A new x509 user: key, certificate (CN = name, one O per group) signed by the cluster CA, and a kubeconfig
 * when the API endpoint is known, and a warning when the CA cuts the certificate short. The caller checks the user
 * has no key yet, writes the files and prints the warning.
 */
export async function issueUserCredentials(opts: {
  model: ClusterModel;
  ca: StoredPair;
  name: string;
  groups: string[];
  server: string | undefined;
  now: Date;
}): Promise<{ files: GeneratedFile[]; warning?: string }> {
  const { model, ca, name, groups, server, now } = opts;
  const signer = await signingCaOf(ca);
  const validityDays = model.pki.certificateValidityDays;
  const cutTo = leafDaysCutByCa(signer, now, validityDays);
  const key = await generateKeyMaterial(model.pki.keyAlgorithm);
  const cert = await issueLeaf(userPlan(name, groups), key, signer, now, validityDays);
  const certPem = certificatePem(cert);
  const base = userCertificateBase(name);
  const files: GeneratedFile[] = [
    { path: `${base}.key`, content: key.privateKeyPem, mode: 0o600 },
    { path: `${base}.crt`, content: certPem, mode: 0o644 },
  ];
  if (server) {
    files.push({
      path: userKubeconfigPath(name),
      content: renderKubeconfig({ clusterName: model.name, server, caPem: ca.certBytes, user: name, certPem, keyPem: key.privateKeyPem }),
      mode: 0o600,
    });
  }
  checkReadableBack(files);
  return { files, ...(cutTo === undefined ? {} : { warning: cutShortWarning(signer, cutTo, validityDays) }) };
}

/** Where an identity's certificate lives: the admin's under pki/, a user's under users/<name>/. */
export function identityCertificateBase(user: string | undefined): { base: string; kubeconfigUser: string } {
  return user === undefined ? { base: ADMIN_CERT, kubeconfigUser: ADMIN_USER } : { base: userCertificateBase(user), kubeconfigUser: user };
}

