import { lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileTooLargeError, NotRegularFileError, readRegularFileBounded } from '../bounded-read.js';
import { UserError } from '../errors.js';
import { PKI_DIR } from '../model/bucket-layout.js';
import type { ClusterModel } from '../model/model.js';
import { writeFileAtomic } from '../output/atomic-file.js';
import { contentHash } from '../output/files.js';
import { FILE_MODE, FOLDER_MODE } from '../output/folders.js';
import { asUserFsError } from '../output/fs-errors.js';
import { addFilesTogether } from '../output/new-files.js';
import { lockOutputFolder } from '../output/output-lock.js';
import { openOutputFolder } from '../output/output-folder.js';
import { LOCAL_MANIFEST_FILE } from '../output/owned-files.js';
import { ageDecrypt, ageEncrypt } from './age.js';
import { plannedCertificates, USERS_DIR } from './certificate-plan.js';
import { decodeArchive, encodeArchive, KEY_STORE_FILE_LIMIT, keyFilePathProblem, type KeyFile } from './key-store-archive.js';
import { keyStorePaths } from './key-store-paths.js';
import { recordedUploadHashes, refuseLostKeyMaterial } from './lost-key-material.js';
import { readPkiStore } from './store.js';

/**
 * The plaintext, committed description of the encrypted store: which files it holds (sha256 of each, as
 * bucket-object-hashes.tf.json records uploads) and the recipients it was encrypted to. It lets `keys status` tell a
 * stale store without decrypting it, and shows a reviewer who can open the keys.
 */
interface StoreManifest {
  cluster: string;
  /** sha256 of the encrypted file: a store replaced without its manifest (or the reverse) is caught. */
  archive: string;
  recipients: string[];
  files: Record<string, string>;
}

const MANIFEST_NOTE = 'Written by hakube keys seal: what the encrypted key store beside it holds (sha256 of each file; no key material) and the public keys it is encrypted to.';
const RECIPIENTS_LIMIT = 64 * 1024;
/** The largest encrypted store hakube decrypts: far above what a cluster's keys take. */
const ARCHIVE_LIMIT = 64 * 1024 * 1024;

/** The recipients of an age recipients file: its lines that are neither empty nor comments (age's own reading). */
export function readRecipients(path: string): string[] {
  let text: string;
  try {
    text = readRegularFileBounded(path, RECIPIENTS_LIMIT).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`no recipients file ${path}: list the age public keys (age-keygen -y) or SSH public keys of every teammate and of the pipeline in it, one a line`);
    }
    if (err instanceof NotRegularFileError || err instanceof FileTooLargeError) throw new UserError(`recipients file ${err.message}`);
    asUserFsError(err, 'read', path);
  }
  const recipients = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (recipients.length === 0) throw new UserError(`${path} lists no recipient: nobody could open the key store`);
  return recipients;
}

/** Every file under pki/ and users/ of the folder (dot-named temporary and staging entries aside, but pki/.hakube-files kept). */
function readKeyFiles(outDir: string): KeyFile[] {
  const files: KeyFile[] = [];
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(join(outDir, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      asUserFsError(err, 'read', join(outDir, rel));
    }
    for (const entry of entries) {
      const path = `${rel}/${entry.name}`;
      if (entry.name.startsWith('.') && path !== LOCAL_MANIFEST_FILE) continue;
      if (entry.isDirectory()) {
        walk(path);
        continue;
      }
      if (!entry.isFile()) throw new UserError(`${join(outDir, path)} is not a regular file (a link or special file); the key store holds regular files only, so replace it with the file itself`);
      const problem = keyFilePathProblem(path);
      if (problem) throw new UserError(`${join(outDir, path)} cannot be stored: its name ${problem}`);
      let content: Buffer;
      try {
        content = readRegularFileBounded(join(outDir, path), KEY_STORE_FILE_LIMIT);
      } catch (err) {
        if (err instanceof NotRegularFileError || err instanceof FileTooLargeError) throw new UserError(err.message);
        asUserFsError(err, 'read', join(outDir, path));
      }
      // Anything readable by others is a certificate or public key (hakube writes those 644); everything else stays private.
      const mode = (lstatSync(join(outDir, path)).mode & 0o077) === 0 ? 0o600 : 0o644;
      files.push({ path, mode, content });
    }
  };
  walk(PKI_DIR);
  walk(USERS_DIR);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function hashesOf(files: KeyFile[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f.path, contentHash(f.content)]));
}

/** The committed manifest, or undefined when there is none; a damaged one is an error naming it. */
function readStoreManifest(path: string): StoreManifest | undefined {
  let text: string;
  try {
    text = readRegularFileBounded(path, KEY_STORE_FILE_LIMIT).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof NotRegularFileError || err instanceof FileTooLargeError) throw new UserError(err.message);
    asUserFsError(err, 'read', path);
  }
  const damaged = () => new UserError(`${path} is not a key store manifest hakube wrote; restore it from git, or run hakube keys seal where the keys are`);
  let m: Partial<StoreManifest>;
  try {
    m = JSON.parse(text) as Partial<StoreManifest>;
  } catch {
    throw damaged();
  }
  const files = m.files;
  if (
    typeof m.cluster !== 'string' ||
    typeof m.archive !== 'string' ||
    !Array.isArray(m.recipients) ||
    !m.recipients.every((r) => typeof r === 'string') ||
    !files ||
    typeof files !== 'object' ||
    !Object.values(files).every((h) => typeof h === 'string')
  ) {
    throw damaged();
  }
  return { cluster: m.cluster, archive: m.archive, recipients: m.recipients, files };
}

function manifestText(m: StoreManifest): string {
  return `${JSON.stringify({ '//': MANIFEST_NOTE, cluster: m.cluster, archive: m.archive, recipients: m.recipients, files: m.files }, null, 2)}\n`;
}

/** sha256 of the encrypted store, or undefined when there is none. */
function archiveHash(path: string): string | undefined {
  try {
    return contentHash(readRegularFileBounded(path, ARCHIVE_LIMIT));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof NotRegularFileError || err instanceof FileTooLargeError) throw new UserError(err.message);
    asUserFsError(err, 'read', path);
  }
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

export interface SealResult {
  archive: string;
  manifest: string;
  files: number;
  recipients: string[];
  /** False when the store already held exactly these files for exactly these recipients: nothing was written. */
  written: boolean;
}

/**
 * Encrypts pki/ and users/ of the folder to every recipient of `recipientsFile` into the store beside the folder and
 * writes its manifest. The folder is locked while it is read, and must hold every key its records name (a folder
 * missing its CA must not become the team's store). age encrypts with a fresh file key each time, so a store that
 * already matches is left as it is: no churn in git when nothing changed.
 */
export async function sealKeyStore(model: ClusterModel, outDir: string, recipientsFile: string): Promise<SealResult> {
  const paths = keyStorePaths(outDir);
  const recipients = readRecipients(recipientsFile);
  const lock = lockOutputFolder(outDir);
  try {
    const store = await readPkiStore(outDir, model.name);
    refuseLostKeyMaterial(outDir, model, store);
    const files = readKeyFiles(outDir);
    if (files.length === 0) throw new UserError(`no key material under ${join(outDir, PKI_DIR)} or ${join(outDir, USERS_DIR)}: run hakube generate first, or hakube keys open to restore it`);
    const hashes = hashesOf(files);
    const previous = readStoreManifest(paths.manifest);
    const current = archiveHash(paths.archive);
    if (
      previous &&
      previous.cluster === model.name &&
      previous.archive === current &&
      sameRecord(previous.files, hashes) &&
      previous.recipients.join('\n') === recipients.join('\n')
    ) {
      return { archive: paths.archive, manifest: paths.manifest, files: files.length, recipients, written: false };
    }
    const encrypted = ageEncrypt(encodeArchive(model.name, files), recipientsFile);
    // The store first, then its manifest: if the second write fails, keys status reports the pair as not matching.
    try {
      writeFileAtomic(paths.archive, encrypted, { mode: FILE_MODE });
      writeFileAtomic(paths.manifest, manifestText({ cluster: model.name, archive: contentHash(encrypted), recipients, files: hashes }), { mode: FILE_MODE });
    } catch (err) {
      asUserFsError(err, 'write', paths.archive);
    }
    return { archive: paths.archive, manifest: paths.manifest, files: files.length, recipients, written: true };
  } finally {
    lock.release();
  }
}

export interface OpenResult {
  archive: string;
  restored: string[];
  alreadyThere: number;
}

/**
 * Decrypts the store beside the folder and restores its files into pki/ and users/ (modes 600/644, folders 700),
 * under the folder's lock. Before anything is written: the store must be this cluster's, hold only regular files
 * under pki/ and users/ (key-store-archive.ts), agree with its committed manifest and with the hashes the folder's
 * bucket-object-hashes.tf.json records (a store sealed before the last certs renew would upload old certificates),
 * and no file on disk may differ from the store's (it is never overwritten). Files already there with the same
 * bytes are left as they are.
 */
export async function openKeyStore(model: ClusterModel, outDir: string, identity: { file: string } | { text: string }): Promise<OpenResult> {
  const paths = keyStorePaths(outDir);
  const current = archiveHash(paths.archive);
  if (current === undefined) throw new UserError(`no key store ${paths.archive}: it is made with hakube keys seal where the keys are, then committed`);
  const manifest = readStoreManifest(paths.manifest);
  if (!manifest) throw new UserError(`${paths.manifest} is missing: the store cannot be checked without it; restore it from git`);
  if (manifest.archive !== current) {
    throw new UserError(`${paths.archive} is not the store ${paths.manifest} describes (one was changed without the other); restore both from the same commit, or run hakube keys seal where the keys are`);
  }
  const plaintext = ageDecrypt(paths.archive, identity);
  const files = decodeArchive(plaintext, model.name, paths.archive);
  if (!sameRecord(hashesOf(files), manifest.files)) throw new UserError(`${paths.archive} does not hold the files ${paths.manifest} lists; nothing was written`);
  const recorded = recordedUploadHashes(outDir, model);
  const disagree = files.filter((f) => recorded.has(f.path) && recorded.get(f.path) !== contentHash(f.content)).map((f) => f.path);
  if (disagree.length > 0) {
    throw new UserError(
      `${paths.archive} is stale: ${disagree.join(', ')} in it ${disagree.length === 1 ? 'is' : 'are'} not what ${join(outDir, 'bucket-object-hashes.tf.json')} records; nothing was written.\n` +
        '  Whoever last ran certs renew, add-user or generate with new keys must run hakube keys seal there and commit the store (docs/pki.md, The team key store).',
    );
  }
  try {
    mkdirSync(outDir, { recursive: true, mode: FOLDER_MODE });
  } catch (err) {
    asUserFsError(err, 'create', outDir);
  }
  const { lock } = openOutputFolder(outDir);
  try {
    const missing: KeyFile[] = [];
    const differing: string[] = [];
    let alreadyThere = 0;
    for (const file of files) {
      const path = join(outDir, file.path);
      let onDisk: Buffer | undefined;
      try {
        onDisk = readRegularFileBounded(path, KEY_STORE_FILE_LIMIT);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          // A link, folder, special or oversized file where the store has a file: not ours to replace.
          differing.push(file.path);
          continue;
        }
      }
      if (onDisk === undefined) missing.push(file);
      else if (onDisk.equals(file.content)) alreadyThere++;
      else differing.push(file.path);
    }
    if (differing.length > 0) {
      throw new UserError(
        `${outDir} already has ${differing.join(', ')}, different from the store's; nothing was written. hakube never replaces a key file: ` +
          'if the store is the truth, move those files away and open it again; if they are, run hakube keys seal to update the store',
      );
    }
    // All or none: a failure part-way (a full disk) removes what was restored.
    addFilesTogether(
      outDir,
      missing.map((f) => ({ path: f.path, content: f.content, mode: f.mode })),
      () => undefined,
    );
    return { archive: paths.archive, restored: missing.map((f) => f.path), alreadyThere };
  } finally {
    lock.release();
  }
}

export interface StoreStatus {
  archive: string;
  manifest: string;
  /** False when the store or its manifest is not there at all (stale then says which). */
  exists: boolean;
  /** Why the store does not hold what the folder needs, one reason a line; empty when it is up to date. */
  stale: string[];
  files: number;
  recipients: string[];
  /** Whether pki/ is here, so the store was compared with the files themselves too. */
  comparedWithFiles: boolean;
}

/**
 * Whether the committed store holds the key material the folder needs, read from records only (never decrypted):
 * every key file the folder's bucket-object-hashes.tf.json records, with the recorded hash; every user of the
 * spec; when pki/ is here, exactly the files of pki/ and users/ (so a renewed certificate, an added user or a
 * removed one shows before it is committed); when the recipients file is there, exactly its recipients.
 */
export function keyStoreStatus(model: ClusterModel, outDir: string, recipientsFile: string): StoreStatus {
  const paths = keyStorePaths(outDir);
  const manifest = readStoreManifest(paths.manifest);
  const current = archiveHash(paths.archive);
  const base = { archive: paths.archive, manifest: paths.manifest };
  if (!manifest || current === undefined) {
    const missing = [manifest ? undefined : paths.manifest, current === undefined ? paths.archive : undefined].filter((p) => p !== undefined);
    return { ...base, exists: false, stale: [`${missing.join(' and ')} not found`], files: 0, recipients: [], comparedWithFiles: false };
  }
  const stale: string[] = [];
  if (manifest.cluster !== model.name) stale.push(`it holds the keys of cluster ${manifest.cluster}, not ${model.name}`);
  if (manifest.archive !== current) stale.push(`${paths.archive} is not the store ${paths.manifest} describes (one was changed without the other)`);
  const stored = new Map(Object.entries(manifest.files));
  for (const [path, hash] of [...recordedUploadHashes(outDir, model)].sort()) {
    if (!path.startsWith(`${PKI_DIR}/`)) continue;
    if (!stored.has(path)) stale.push(`${path} is not in the store (bucket-object-hashes.tf.json records it)`);
    else if (stored.get(path) !== hash) stale.push(`${path} in the store is not the one bucket-object-hashes.tf.json records (renewed or re-made since the store was sealed)`);
  }
  for (const plan of plannedCertificates(model).filter((p) => p.base.startsWith(`${USERS_DIR}/`))) {
    for (const path of [`${plan.base}.crt`, `${plan.base}.key`]) if (!stored.has(path)) stale.push(`${path} (a user of the spec) is not in the store`);
  }
  let comparedWithFiles = false;
  if (lstatSync(join(outDir, PKI_DIR), { throwIfNoEntry: false })?.isDirectory()) {
    comparedWithFiles = true;
    const onDisk = hashesOf(readKeyFiles(outDir));
    for (const [path, hash] of Object.entries(onDisk)) {
      if (!stored.has(path)) stale.push(`${path} is here but not in the store`);
      else if (stored.get(path) !== hash) stale.push(`${path} here differs from the store's`);
    }
    for (const path of stored.keys()) if (!(path in onDisk)) stale.push(`${path} is in the store but no longer here`);
  }
  if (lstatSync(recipientsFile, { throwIfNoEntry: false }) !== undefined) {
    const recipients = readRecipients(recipientsFile);
    const added = recipients.filter((r) => !manifest.recipients.includes(r));
    const removed = manifest.recipients.filter((r) => !recipients.includes(r));
    if (added.length > 0) stale.push(`not yet encrypted to ${added.join(', ')} (added to ${recipientsFile})`);
    if (removed.length > 0) stale.push(`still encrypted to ${removed.join(', ')} (removed from ${recipientsFile})`);
  }
  return { ...base, exists: true, stale: [...new Set(stale)], files: stored.size, recipients: manifest.recipients, comparedWithFiles };
}
