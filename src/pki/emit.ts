import { UserError } from '../errors.js';
import type { ClusterModel } from '../model/model.js';
import type { GeneratedFile } from '../output/files.js';
import { PKI_DIR, SECRET_FILES } from '../model/bucket-layout.js';
import type { CertificateInfo } from './certificate-info.js';
import {
  ADMIN_CERT,
  ADMIN_KUBECONFIG,
  ADMIN_USER,
  KUBERNETES_CA,
  MANIFEST_PATH,
  plannedCertificates,
  SERVICE_ACCOUNT_KEY,
  SERVICE_ACCOUNT_PUB,
  specApiServer,
  userKubeconfigPath,
  USERS_DIR,
  type CertificatePlan,
} from './certificate-plan.js';
import type { SigningCa } from './issue.js';
import type { KeyMaterial } from './keys.js';
import { renderKubeconfig } from './kubeconfig.js';
import { renderManifest, type ManifestFile } from './manifest.js';
import { checkReadableBack } from './read-limits.js';
import { newBootstrapToken, newEncryptionConfig } from './secrets.js';
import type { PkiStore, StoredPair } from './store.js';

export interface PkiChange {
  /** Output-relative path: a certificate's .crt (its key goes with it), a secret or a kubeconfig. */
  path: string;
  action: 'created' | 'reissued' | 'kept' | 'updated' | 'removed';
  /** Why a certificate was re-issued or removed, or a kubeconfig updated. */
  reason?: string;
}

export interface PkiEmission {
  files: GeneratedFile[];
  changes: PkiChange[];
}

const SECRET = 0o600;
const PUBLIC = 0o644;

const sorted = (values: string[]) => [...values].sort();

function describeList(values: string[]): string {
  return values.length ? values.join(', ') : 'none';
}

/** Why a stored certificate no longer matches its plan, or undefined when it still does. */
export function certificateMismatch(plan: CertificatePlan, info: CertificateInfo): string | undefined {
  const differences: string[] = [];
  const compare = (what: string, want: string[], have: string[]) => {
    if (sorted(want).join('\n') !== sorted(have).join('\n')) differences.push(`${what} ${describeList(have)} -> ${describeList(want)}`);
  };
  compare('CN', [plan.commonName], [info.commonName]);
  compare('O', plan.organizations, info.organizations);
  compare('DNS SANs', plan.dnsNames, info.dnsNames);
  compare('IP SANs', plan.ipAddresses, info.ipAddresses);
  compare('extended key usages', plan.usages, info.usages);
  if (info.isCa) differences.push('is a CA certificate but should be a leaf');
  return differences.length ? differences.join('; ') : undefined;
}

/**
 * The modules that make keys and certificates, with @peculiar/x509: imported only when something is made, since
 * loading them was a sixth of a rerun in an unchanged folder, which makes nothing.
 */
async function issuing() {
  const [issue, keys, x509] = await Promise.all([import('./issue.js'), import('./keys.js'), import('./x509-certificate.js')]);
  return { ...issue, ...keys, ...x509 };
}

interface FinalPair {
  base: string;
  certPem: string | Uint8Array;
  keyPem: string | Uint8Array;
  info: CertificateInfo;
}

async function keyOf(pair: StoredPair): Promise<KeyMaterial> {
  const { importSigningKey } = await issuing();
  try {
    return await importSigningKey(pair.keyBytes);
  } catch (err) {
    throw new UserError(`${pair.base}.key cannot be used: ${(err as Error).message}`);
  }
}

export async function signingCaOf(pair: StoredPair): Promise<SigningCa> {
  const { parseCertificate } = await issuing();
  return { cert: parseCertificate(pair.certBytes), key: await keyOf(pair), path: `${pair.base}.crt` };
}

/**
 * The complete desired content of pki/, users/ and the admin kubeconfig, given what exists. Existing keys and
 * certificates that still match the spec come back byte for byte; missing ones are created; leaves whose subject,
 * SANs or usages changed are re-issued from the same CA for the same key. No existing key file changes: CAs and
 * the service-account key are never replaced. Pure apart from fresh randomness: readPkiStore reads the disk and
 * the caller writes it.
 */
export async function emitPki(model: ClusterModel, store: PkiStore, now: Date): Promise<PkiEmission> {
  const plans = plannedCertificates(model);
  const { keyAlgorithm, caValidityDays, certificateValidityDays } = model.pki;
  const changes: PkiChange[] = [];
  const final = new Map<string, FinalPair>();
  // Stored CA keys are imported only when a leaf needs signing.
  const signers = new Map<string, () => Promise<SigningCa>>();

  const keep = (pair: StoredPair) => {
    final.set(pair.base, { base: pair.base, certPem: pair.certBytes, keyPem: pair.keyBytes, info: pair.info });
    changes.push({ path: `${pair.base}.crt`, action: 'kept' });
  };

  await Promise.all(
    plans
      .filter((plan) => plan.issuer === null)
      .map(async (plan) => {
        const stored = store.pairs.get(plan.base);
        if (stored) {
          keep(stored);
          let imported: Promise<SigningCa> | undefined;
          signers.set(plan.base, () => (imported ??= signingCaOf(stored)));
          return;
        }
        const { generateKeyMaterial, issueCa, certificatePem, describeCertificate } = await issuing();
        const key = await generateKeyMaterial(keyAlgorithm);
        const cert = await issueCa(plan, key, now, caValidityDays);
        signers.set(plan.base, async () => ({ cert, key, path: `${plan.base}.crt` }));
        final.set(plan.base, { base: plan.base, certPem: certificatePem(cert), keyPem: key.privateKeyPem, info: describeCertificate(cert) });
        changes.push({ path: `${plan.base}.crt`, action: 'created' });
      }),
  );

  await Promise.all(
    plans
      .filter((plan): plan is CertificatePlan & { issuer: string } => plan.issuer !== null)
      .map(async (plan) => {
        const stored = store.pairs.get(plan.base);
        const mismatch = stored ? certificateMismatch(plan, stored.info) : undefined;
        if (stored && !mismatch) {
          keep(stored);
          return;
        }
        const signer = signers.get(plan.issuer);
        if (!signer) throw new Error(`BUG: ${plan.base} is issued by ${plan.issuer}, which is not a planned CA`);
        const { generateKeyMaterial, leafDaysCutByCa, issueLeaf, certificatePem, describeCertificate, cutShortWarning } = await issuing();
        // A re-issued leaf keeps its key: only the certificate changes, and no existing key file is ever rewritten.
        const key = stored ? await keyOf(stored) : await generateKeyMaterial(keyAlgorithm);
        const ca = await signer();
        const cutTo = leafDaysCutByCa(ca, now, certificateValidityDays);
        const cert = await issueLeaf(plan, key, ca, now, certificateValidityDays);
        final.set(plan.base, { base: plan.base, certPem: certificatePem(cert), keyPem: stored?.keyBytes ?? key.privateKeyPem, info: describeCertificate(cert) });
        const warning = cutTo === undefined ? undefined : cutShortWarning(ca, cutTo, certificateValidityDays);
        const reason = [mismatch, warning].filter((r) => r !== undefined).join('; ') || undefined;
        changes.push({ path: `${plan.base}.crt`, action: stored ? 'reissued' : 'created', ...(reason ? { reason } : {}) });
      }),
  );

  for (const [base, pair] of store.pairs) {
    if (final.has(base)) continue;
    if (base.startsWith(`${USERS_DIR}/`)) {
      // Users added with `hakube add-user` are not in the spec; their credentials are kept as they are.
      keep(pair);
    } else {
      changes.push({ path: `${base}.crt`, action: 'removed', reason: 'the spec no longer calls for it' });
    }
  }

  const files: GeneratedFile[] = [];
  for (const pair of final.values()) {
    files.push({ path: `${pair.base}.crt`, content: pair.certPem, mode: PUBLIC }, { path: `${pair.base}.key`, content: pair.keyPem, mode: SECRET });
  }

  const secretFiles = await secretsAndServiceAccount(store, keyAlgorithm, changes);
  files.push(...secretFiles);
  files.push(...kubeconfigs(model, store, final, changes));

  const manifestFiles: ManifestFile[] = [
    { path: SERVICE_ACCOUNT_KEY, kind: 'service-account-key' },
    { path: SERVICE_ACCOUNT_PUB, kind: 'service-account-public-key' },
    { path: `${PKI_DIR}/${SECRET_FILES.bootstrapToken}`, kind: 'bootstrap-token' },
    { path: `${PKI_DIR}/${SECRET_FILES.encryptionConfig}`, kind: 'encryption-config' },
  ];
  files.push(
    {
      path: MANIFEST_PATH,
      content: renderManifest(model.name, [...final.values()].map((p) => ({ path: `${p.base}.crt`, info: p.info })), manifestFiles),
      mode: PUBLIC,
    },
  );

  files.sort((a, b) => a.path.localeCompare(b.path));
  changes.sort((a, b) => a.path.localeCompare(b.path));
  checkReadableBack(files);
  return { files, changes };
}

async function secretsAndServiceAccount(store: PkiStore, keyAlgorithm: ClusterModel['pki']['keyAlgorithm'], changes: PkiChange[]): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  if (store.serviceAccount) {
    files.push(
      { path: SERVICE_ACCOUNT_KEY, content: store.serviceAccount.key, mode: SECRET },
      { path: SERVICE_ACCOUNT_PUB, content: store.serviceAccount.pub, mode: PUBLIC },
    );
    changes.push({ path: SERVICE_ACCOUNT_KEY, action: 'kept' });
  } else {
    const { generateKeyMaterial, publicKeyPem } = await issuing();
    // kube-apiserver accepts ECDSA as well as RSA service-account signing keys, so the spec's algorithm applies here too.
    const key = await generateKeyMaterial(keyAlgorithm);
    files.push(
      { path: SERVICE_ACCOUNT_KEY, content: key.privateKeyPem, mode: SECRET },
      { path: SERVICE_ACCOUNT_PUB, content: await publicKeyPem(key.publicKey), mode: PUBLIC },
    );
    changes.push({ path: SERVICE_ACCOUNT_KEY, action: 'created' });
  }
  const secret = (path: string, stored: Buffer | undefined, create: () => string) => {
    files.push({ path, content: stored ?? create(), mode: SECRET });
    changes.push({ path, action: stored ? 'kept' : 'created' });
  };
  secret(`${PKI_DIR}/${SECRET_FILES.bootstrapToken}`, store.bootstrapToken, newBootstrapToken);
  secret(`${PKI_DIR}/${SECRET_FILES.encryptionConfig}`, store.encryptionConfig, newEncryptionConfig);
  return files;
}

/**
 * Admin and user kubeconfigs, for every identity whose API endpoint is known: from the spec's DNS name, or else
 * the one a kubeconfig written earlier (by `hakube kubeconfig` or `add-user --server`) points at.
 */
function kubeconfigs(model: ClusterModel, store: PkiStore, final: Map<string, FinalPair>, changes: PkiChange[]): GeneratedFile[] {
  const ca = final.get(KUBERNETES_CA);
  if (!ca) throw new Error('BUG: the Kubernetes CA is always planned');
  const identities: Array<{ path: string; user: string; pair: FinalPair | undefined }> = [{ path: ADMIN_KUBECONFIG, user: ADMIN_USER, pair: final.get(ADMIN_CERT) }];
  for (const base of final.keys()) {
    if (!base.startsWith(`${USERS_DIR}/`)) continue;
    const name = base.split('/')[1];
    identities.push({ path: userKubeconfigPath(name), user: name, pair: final.get(base) });
  }
  const files: GeneratedFile[] = [];
  for (const { path, user, pair } of identities) {
    const stored = store.kubeconfigs.get(path);
    const server = specApiServer(model) ?? stored?.server;
    if (!pair || !server) continue;
    const content = renderKubeconfig({ clusterName: model.name, server, caPem: ca.certPem, user, certPem: pair.certPem, keyPem: pair.keyPem });
    files.push({ path, content, mode: SECRET });
    if (!stored) changes.push({ path, action: 'created' });
    else if (stored.bytes.equals(Buffer.from(content))) changes.push({ path, action: 'kept' });
    else changes.push({ path, action: 'updated', reason: `for ${server} with the current certificate` });
  }
  for (const path of store.kubeconfigs.keys()) {
    if (!files.some((f) => f.path === path)) changes.push({ path, action: 'removed', reason: 'its certificate no longer exists' });
  }
  return files;
}
