import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUCKET_OBJECT_HASHES_FILE, recordedObjectHashes } from '../emit/terraform/bucket-object-hashes.js';
import { UserError } from '../errors.js';
import { bucketObjects, PKI_DIR, SECRET_FILES } from '../model/bucket-layout.js';
import type { ClusterModel } from '../model/model.js';
import { readManifest } from '../output/writer.js';
import { parseReadBackJson, readBack } from '../read-back.js';
import { plannedCertificates, SERVICE_ACCOUNT_KEY, SERVICE_ACCOUNT_PUB, USERS_DIR } from './certificate-plan.js';
import { keyStorePaths } from './key-store-paths.js';
import type { PkiStore } from './store.js';

/** The flag of `hakube generate` that makes new key material in place of the recorded one, on purpose. */
export const NEW_PKI_FLAG = '--new-pki';

const ENCRYPTION_CONFIG = `${PKI_DIR}/${SECRET_FILES.encryptionConfig}`;

/**
 * The key material whose replacement breaks a running cluster, in the sets that are kept or lost together (a
 * certificate and its key; the service-account pair), each with whether the store holds it: the CAs (every
 * machine trusts them), the service-account pair (every token is signed with it), the encryption config (the
 * Secrets in etcd are encrypted with it) and the spec's users (their kubeconfigs are handed out). A leaf, the
 * bootstrap token and the manifest are made anew from these without harm, so they are not listed.
 */
function irreplaceableFiles(model: ClusterModel, store: PkiStore): Array<{ paths: string[]; present: boolean }> {
  const pairs = plannedCertificates(model)
    .filter((plan) => plan.issuer === null || plan.base.startsWith(`${USERS_DIR}/`))
    .map((plan) => ({ paths: [`${plan.base}.crt`, `${plan.base}.key`], present: store.pairs.has(plan.base) }));
  return [
    ...pairs,
    { paths: [SERVICE_ACCOUNT_KEY, SERVICE_ACCOUNT_PUB], present: store.serviceAccount !== undefined },
    { paths: [ENCRYPTION_CONFIG], present: store.encryptionConfig !== undefined },
  ];
}

/**
 * The sha256 the folder's committed bucket-object-hashes.tf.json records for each file it uploads, by the file's
 * path relative to the folder: in a clone, where pki/ is missing, that is the record of the key material. Key
 * material only, so bucketObjects needs no add-on names.
 */
export function recordedUploadHashes(outDir: string, model: ClusterModel): Map<string, string> {
  const path = join(outDir, BUCKET_OBJECT_HASHES_FILE);
  // No such file: no record in it. A link, FIFO, huge or damaged file is refused naming it.
  const text = readBack(path, 'terraform');
  const hashes = text === undefined ? new Map<string, string>() : recordedObjectHashes(parseReadBackJson(text, path));
  return new Map(
    bucketObjects(model, []).flatMap((object) => {
      const hash = hashes.get(object.key);
      return hash === undefined ? [] : [[object.source, hash] as const];
    }),
  );
}

/**
 * The files of an earlier output that the folder records as written: its manifests (MANIFEST_FILE for the committed
 * files, the one inside pki/ for pki/ and users/, so a restored pki/ still records the users), and the files its
 * committed bucket-object-hashes.tf.json names as uploaded to the bucket (the CAs, the service-account pair, the
 * encryption config).
 */
function recordedFiles(outDir: string, model: ClusterModel): string[] {
  return [...readManifest(outDir), ...recordedUploadHashes(outDir, model).keys()];
}

/**
 * The one decision "is key material lost": the irreplaceable files the spec needs, some of which the folder's
 * record of its previous output lists, that are not on disk. A clone of the repository has the record without pki/
 * and users/ (git-ignored); a first run, or a file the spec newly needs (a CA for a feature just turned on), is not
 * recorded, so it is simply created. Paths are relative to the folder.
 */
export function lostKeyMaterial(model: ClusterModel, recorded: readonly string[], store: PkiStore): string[] {
  const listed = new Set(recorded);
  return irreplaceableFiles(model, store)
    .filter((set) => !set.present && set.paths.some((path) => listed.has(path)))
    .flatMap((set) => set.paths)
    .sort();
}

/**
 * Refuses, before anything is written, to go on in a folder whose recorded key material is missing: generating
 * would quietly make a new cluster CA (and service-account key, encryption key) that the next apply uploads to every
 * machine. The record is read here (recordedFiles). With `newPki` (only `hakube generate --new-pki`) it returns
 * the lost files instead, to be made anew and warned about.
 */
export function refuseLostKeyMaterial(outDir: string, model: ClusterModel, store: PkiStore, newPki = false): string[] {
  const lost = lostKeyMaterial(model, recordedFiles(outDir, model), store);
  if (lost.length === 0 || newPki) return lost;
  const keyStore = keyStorePaths(outDir).archive;
  const restore = existsSync(keyStore)
    ? `  The team key store ${keyStore} is beside it: restore them with 'hakube keys open' (the same spec and --out) and your age identity, then run the command again.\n`
    : `  Restore ${PKI_DIR}/ and ${USERS_DIR}/ into ${outDir} from your team's key store or a backup (they are kept out of git), then run the command again.\n`;
  throw new UserError(
    `${outDir} holds hakube output, but key material it records (in ${BUCKET_OBJECT_HASHES_FILE} and its file lists) is missing: ${lost.join(', ')}\n` +
      `  Going on would make a new cluster CA and keys, which the next terraform apply uploads to every machine; nothing was written.\n` +
      restore +
      `  To start a new PKI for this cluster on purpose (every machine must then be replaced), run hakube generate with ${NEW_PKI_FLAG}.`,
  );
}
