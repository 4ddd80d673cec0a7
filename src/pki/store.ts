import { X509Certificate as NodeCertificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { IssueCode } from '../issue-codes.js';
import { existsSync, lstatSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { describeSize, FileTooLargeError, NotRegularFileError, readRegularFileBounded } from '../bounded-read.js';
import { UserError, type Issue } from '../errors.js';
import { parseReadBackJson, readBack } from '../read-back.js';
import { showValue } from '../show-value.js';
import { PKI_DIR, SECRET_FILES } from '../model/bucket-layout.js';
import { describeNatively, type CertificateInfo } from './certificate-info.js';
import {
  ADMIN_KUBECONFIG,
  CA_BASES,
  isCaBase,
  issuerOf,
  MANIFEST_PATH,
  SERVICE_ACCOUNT_KEY,
  SERVICE_ACCOUNT_PUB,
  USERS_DIR,
} from './certificate-plan.js';
import { kubeconfigServer } from './kubeconfig.js';
import { certificateFileProblem, keyFileProblem, pemLabels } from './pem-blocks.js';
import { storeReadLimit } from './read-limits.js';
import { checkBootstrapToken, checkEncryptionConfig } from './secrets.js';

/** A certificate and its key as found on disk, checked: parsable, matching, signed by its CA. */
export interface StoredPair {
  /** Path without extension, relative to the output folder, e.g. pki/etcd/ca. */
  base: string;
  certBytes: Buffer;
  keyBytes: Buffer;
  info: CertificateInfo;
}

export interface StoredKubeconfig {
  path: string;
  bytes: Buffer;
  server: string;
}

/** Everything hakube made earlier under pki/, users/ and the admin kubeconfig. Only readPkiStore touches the disk. */
export interface PkiStore {
  pairs: Map<string, StoredPair>;
  serviceAccount?: { key: Buffer; pub: Buffer };
  bootstrapToken?: Buffer;
  encryptionConfig?: Buffer;
  kubeconfigs: Map<string, StoredKubeconfig>;
}

export function emptyPkiStore(): PkiStore {
  return { pairs: new Map(), kubeconfigs: new Map() };
}

const CA_IS_NEVER_REPLACED = 'a CA is never replaced: deleting it means re-creating every certificate and re-provisioning the cluster';
const BOOTSTRAP_TOKEN = `${PKI_DIR}/${SECRET_FILES.bootstrapToken}`;
const ENCRYPTION_CONFIG = `${PKI_DIR}/${SECRET_FILES.encryptionConfig}`;

type Problem = (code: IssueCode, path: string, message: string) => void;

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Relative paths ('/'-separated) of the regular files under `dir`; dotfiles (temporary files, .gitignore) are not
 * store content. A folder that is not one (a file in its place) or cannot be read is a store problem.
 */
function listFiles(outDir: string, dir: string, problem: Problem): string[] {
  const root = join(outDir, dir);
  if (!existsSync(root) && !isLink(root)) return [];
  if (isLink(root)) {
    problem('HK420', dir, 'is a symbolic link; hakube reads and writes key material only in a folder of its own, never through a link: put the folder itself there');
    return [];
  }
  if (!statSync(root).isDirectory()) {
    problem('HK401', dir, `is a file, but hakube keeps key material in the folder ${dir}/; restore that folder (from backup if it held keys), or move the file away`);
    return [];
  }
  const found: string[] = [];
  const walk = (rel: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(outDir, rel), { withFileTypes: true });
    } catch (err) {
      problem('HK401', rel, `cannot be read as a folder: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const child = `${rel}/${entry.name}`;
      if (entry.isSymbolicLink()) problem('HK420', child, 'is a symbolic link; hakube never follows links to key material: put the file itself there');
      else if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) found.push(child);
      else problem('HK420', child, 'is not a regular file (a FIFO, socket or device); hakube reads key material only from regular files: put the file itself there');
    }
  };
  walk(dir);
  return found.sort();
}

/**
 * Refuses a folder whose pki/manifest.json names another cluster: its CA, service-account key, bootstrap token,
 * encryption key and users belong to that cluster, and reusing them for this one would join two clusters' trust.
 * A folder without a manifest (never generated) is anyone's.
 */
function checkFolderCluster(outDir: string, clusterName: string): void {
  const path = join(outDir, MANIFEST_PATH);
  const position = { file: path, line: 1, column: 1 };
  // Read back like every file of the folder: a link, a FIFO or a huge file is refused naming it.
  const text = readBack(path, 'record');
  if (text === undefined) return;
  let owner: unknown;
  try {
    owner = (parseReadBackJson(text, path) as { cluster?: unknown } | null)?.cluster;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const why = 'is not JSON hakube wrote';
    throw new UserError(`${path} ${why}, so hakube cannot tell which cluster ${outDir} belongs to; restore it from your backup of ${PKI_DIR}/ (it is not in git)`, [
      { code: 'HK443', severity: 'error', pointer: '', message: `${MANIFEST_PATH} ${why}; restore it from your backup of ${PKI_DIR}/ (it is not in git)`, position },
    ]);
  }
  if (owner === clusterName) return;
  const message =
    `${outDir} holds the key material of cluster ${showValue(owner)} (per ${MANIFEST_PATH}), not of ${showValue(clusterName)}: generating here would reuse the other ` +
    `cluster's CA, service-account key, bootstrap token, encryption key and users; use another --out folder (renaming a cluster means new key material)`;
  throw new UserError(`${outDir} belongs to another cluster`, [{ code: 'HK443', severity: 'error', pointer: '/metadata/name', message, position }]);
}

/**
 * The load step for key material: reads whatever exists under `<outDir>/pki/`, `<outDir>/users/` and the admin
 * kubeconfig, and checks it. Any unparsable file, key that does not match its certificate, or leaf not signed by
 * its CA is reported (all at once) as a UserError naming the file: never a reason to regenerate silently.
 * A missing folder is an empty store.
 */
export async function readPkiStore(outDir: string, clusterName?: string): Promise<PkiStore> {
  if (clusterName !== undefined) checkFolderCluster(outDir, clusterName);
  const store = emptyPkiStore();
  const issues: Issue[] = [];
  const problem: Problem = (code, path, message) =>
    issues.push({ code, severity: 'error', pointer: '', message: `${path} ${message}`, position: { file: join(outDir, path), line: 1, column: 1 } });
  // Bounded and never through a link: a key or certificate is a few KiB; a huge file is reported, not read, and a
  // link or FIFO put in place of a file since it was listed is refused.
  const read = (path: string): Buffer | undefined => {
    try {
      return readRegularFileBounded(join(outDir, path), storeReadLimit(path));
    } catch (err) {
      if (err instanceof FileTooLargeError) problem('HK442', path, `is larger than ${describeSize(storeReadLimit(path))}, more than any key, certificate or token hakube writes`);
      else if (err instanceof NotRegularFileError) problem('HK420', path, 'is not a regular file; hakube never follows links to key material: put the file itself there');
      else throw err;
      return undefined;
    }
  };

  const files = [...listFiles(outDir, PKI_DIR, problem), ...listFiles(outDir, USERS_DIR, problem)];
  const present = new Set(files);

  for (const path of files) {
    if (!path.endsWith('.crt')) continue;
    const base = path.slice(0, -'.crt'.length);
    const keyPath = `${base}.key`;
    if (!present.has(keyPath)) {
      problem(
        'HK404',
        path,
        isCaBase(base)
          ? `has no private key ${keyPath}; restore the CA key from backup (${CA_IS_NEVER_REPLACED})`
          : `has no private key ${keyPath}; restore the key, or delete the certificate to have a new pair issued`,
      );
      continue;
    }
    const certBytes = read(path);
    const keyBytes = read(keyPath);
    if (!certBytes || !keyBytes) continue;
    const certProblem = certificateFileProblem(certBytes.toString('utf8'));
    const keyProblem = keyFileProblem(keyBytes.toString('utf8'));
    if (certProblem) problem('HK440', path, certProblem);
    if (keyProblem) problem('HK441', keyPath, keyProblem);
    if (certProblem || keyProblem) continue;
    let nodeCert: NodeCertificate;
    try {
      const blocks = certBytes.toString('utf8').match(/-----BEGIN CERTIFICATE-----/g) ?? [];
      if (blocks.length !== 1) throw new Error(`expected one PEM certificate, found ${blocks.length}`);
      nodeCert = new NodeCertificate(certBytes);
    } catch (err) {
      problem('HK401', path, `is not a PEM certificate: ${(err as Error).message}`);
      continue;
    }
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: keyBytes, format: 'pem' });
    } catch (err) {
      problem('HK401', keyPath, `is not a PEM private key: ${(err as Error).message}`);
      continue;
    }
    if (!nodeCert.checkPrivateKey(key)) {
      problem('HK402', keyPath, `does not match the certificate ${path}; restore the key that belongs to it`);
      continue;
    }
    let info = describeNatively(nodeCert);
    if (!info) {
      try {
        info = await describedByPeculiar(certBytes);
      } catch (err) {
        problem('HK401', path, `is not a PEM certificate: ${(err as Error).message}`);
        continue;
      }
    }
    store.pairs.set(base, { base, certBytes, keyBytes, info });
  }
  for (const path of files) {
    const certPath = path.replace(/\.key$/, '.crt');
    if (path.endsWith('.key') && path !== SERVICE_ACCOUNT_KEY && !present.has(certPath)) {
      problem(
        'HK404',
        path,
        isCaBase(path.slice(0, -'.key'.length))
          ? `has no certificate ${certPath}; restore the CA certificate from backup (${CA_IS_NEVER_REPLACED})`
          : `has no certificate ${certPath}; restore it, or delete the key to have a new pair issued`,
      );
    }
  }

  for (const base of CA_BASES) {
    const ca = store.pairs.get(base);
    if (!ca) continue;
    const nodeCa = new NodeCertificate(ca.certBytes);
    if (!ca.info.isCa || !nodeCa.verify(nodeCa.publicKey)) {
      problem('HK403', `${base}.crt`, 'is not a self-signed CA certificate');
      store.pairs.delete(base);
    }
  }
  for (const [base, pair] of [...store.pairs]) {
    if (isCaBase(base)) continue;
    const caBase = issuerOf(base);
    const ca = store.pairs.get(caBase);
    if (!ca) {
      problem('HK403', `${base}.crt`, `was issued by a CA that is not in the store (${caBase}.crt is missing or invalid); restore the CA, never replace it`);
      store.pairs.delete(base);
      continue;
    }
    const leaf = new NodeCertificate(pair.certBytes);
    const caCert = new NodeCertificate(ca.certBytes);
    if (!leaf.checkIssued(caCert) || !leaf.verify(caCert.publicKey)) {
      problem('HK403', `${base}.crt`, `is not signed by the CA ${caBase}.crt in the store`);
      store.pairs.delete(base);
    }
  }

  readServiceAccount(present, read, problem, store);
  const bootstrapToken = present.has(BOOTSTRAP_TOKEN) ? read(BOOTSTRAP_TOKEN) : undefined;
  if (bootstrapToken) {
    const bytes = bootstrapToken;
    const why = checkBootstrapToken(bytes.toString('utf8'));
    if (why) problem('HK405', BOOTSTRAP_TOKEN, why);
    else store.bootstrapToken = bytes;
  }
  const encryptionConfig = present.has(ENCRYPTION_CONFIG) ? read(ENCRYPTION_CONFIG) : undefined;
  if (encryptionConfig) {
    const bytes = encryptionConfig;
    const why = checkEncryptionConfig(bytes.toString('utf8'));
    if (why) problem('HK405', ENCRYPTION_CONFIG, why);
    else store.encryptionConfig = bytes;
  }

  const kubeconfigs = [...files.filter((f) => f.startsWith(`${USERS_DIR}/`) && f.endsWith('/kubeconfig'))];
  // Listed with pki/ when a regular file; a link or FIFO in its place is reported there.
  if (present.has(ADMIN_KUBECONFIG)) kubeconfigs.push(ADMIN_KUBECONFIG);
  for (const path of kubeconfigs) {
    const bytes = read(path);
    if (!bytes) continue;
    try {
      store.kubeconfigs.set(path, { path, bytes, server: kubeconfigServer(bytes.toString('utf8')) });
    } catch (err) {
      problem('HK406', path, `is not a kubeconfig hakube can read: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  if (issues.length > 0) {
    throw new UserError(`${join(outDir, PKI_DIR)}: ${issues.length} problem(s) with existing key material; hakube never replaces it silently`, issues);
  }
  return store;
}

/** The certificates Node cannot describe exactly as @peculiar/x509 does, described by it (loaded only then). */
async function describedByPeculiar(certBytes: Buffer): Promise<CertificateInfo> {
  const { describeCertificate, parseCertificate } = await import('./x509-certificate.js');
  return describeCertificate(parseCertificate(certBytes));
}

function readServiceAccount(
  present: Set<string>,
  read: (path: string) => Buffer | undefined,
  problem: Problem,
  store: PkiStore,
): void {
  const hasKey = present.has(SERVICE_ACCOUNT_KEY);
  const hasPub = present.has(SERVICE_ACCOUNT_PUB);
  if (!hasKey && !hasPub) return;
  if (!hasKey || !hasPub) {
    const [missing, found] = hasKey ? [SERVICE_ACCOUNT_PUB, SERVICE_ACCOUNT_KEY] : [SERVICE_ACCOUNT_KEY, SERVICE_ACCOUNT_PUB];
    problem('HK404', found, `is present but ${missing} is missing; restore it (service-account tokens are signed with this pair)`);
    return;
  }
  const key = read(SERVICE_ACCOUNT_KEY);
  const pub = read(SERVICE_ACCOUNT_PUB);
  if (!key || !pub) return;
  const keyProblem = keyFileProblem(key.toString('utf8'));
  if (keyProblem) {
    problem('HK441', SERVICE_ACCOUNT_KEY, keyProblem);
    return;
  }
  if (pemLabels(pub.toString('utf8')).join() !== 'PUBLIC KEY') {
    problem('HK440', SERVICE_ACCOUNT_PUB, 'must hold exactly one "PUBLIC KEY" PEM block and nothing else');
    return;
  }
  let derived: Buffer;
  let stored: Buffer;
  try {
    derived = createPublicKey(createPrivateKey({ key, format: 'pem' })).export({ type: 'spki', format: 'der' });
  } catch (err) {
    problem('HK401', SERVICE_ACCOUNT_KEY, `is not a PEM private key: ${(err as Error).message}`);
    return;
  }
  try {
    stored = createPublicKey({ key: pub, format: 'pem' }).export({ type: 'spki', format: 'der' });
  } catch (err) {
    problem('HK401', SERVICE_ACCOUNT_PUB, `is not a PEM public key: ${(err as Error).message}`);
    return;
  }
  if (!derived.equals(stored)) {
    problem('HK402', SERVICE_ACCOUNT_PUB, `is not the public half of ${SERVICE_ACCOUNT_KEY}`);
    return;
  }
  store.serviceAccount = { key, pub };
}
