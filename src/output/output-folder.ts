import { chmodSync, existsSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname, join, parse, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import { PKI_DIR } from '../model/bucket-layout.js';
import { parseReadBackJson, readBack, type ReadBackKind } from '../read-back.js';
import { ROLLOUT_RECORD_FILE } from '../rollout/rollout-record.js';
import { KUBERNETES_VERSION_FILE } from '../upgrade/previous-version.js';
import { ADMIN_KUBECONFIG, USERS_DIR } from '../pki/certificate-plan.js';
import { asUserFsError } from './fs-errors.js';
import { FOLDER_MODE } from './folders.js';
import { lockOutputFolder, type OutputLock } from './output-lock.js';
import { readManifest, recoverInterruptedSwap } from './writer.js';
import { DEFAULT_OUT_DIR_SHOWN } from './paths.js';

/**
 * Checks the folder generate will own before anything is read or written: it must be a folder (or not exist
 * yet, under a folder), and it must not be the working folder or hold it, since each run swaps the whole
 * folder by renaming it. Returns its absolute path.
 */
export function checkOutputFolder(outDir: string): string {
  const abs = resolve(outDir);
  const cwd = process.cwd();
  if (abs === parse(abs).root || cwd === abs || cwd.startsWith(abs + sep)) {
    throw new UserError(`the output folder ${outDir} is the working folder or holds it; hakube replaces its output folder as a whole, so run it from outside that folder or choose another with --out (default ${DEFAULT_OUT_DIR_SHOWN})`);
  }
  let probe = abs;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  let isFolder: boolean;
  try {
    isFolder = lstatSync(probe).isDirectory();
  } catch (err) {
    asUserFsError(err, 'read', probe);
  }
  if (!isFolder) {
    throw new UserError(probe === abs ? `--out ${outDir} is a file, not a folder` : `cannot create --out ${outDir}: ${relative(cwd, probe) || probe} is a file, not a folder`);
  }
  return abs;
}

/** Makes the missing folders of `path`, each with FOLDER_MODE whatever the umask. */
function makeParentFolders(path: string): void {
  const first = mkdirSync(path, { recursive: true });
  if (first === undefined) return;
  for (let folder = path; ; folder = dirname(folder)) {
    chmodSync(folder, FOLDER_MODE);
    if (folder === first) break;
  }
}

/**
 * Prepares the output folder for a run that writes it: checks it, takes its lock (released by the caller, also on
 * failure) and finishes an interrupted swap of an earlier run (so its keys are read, not regenerated).
 */
export function openOutputFolder(outDir: string): { outDir: string; lock: OutputLock } {
  const abs = checkOutputFolder(outDir);
  try {
    makeParentFolders(dirname(abs));
  } catch (err) {
    asUserFsError(err, 'create the folder of', abs);
  }
  const lock = lockOutputFolder(abs);
  try {
    recoverInterruptedSwap(abs);
  } catch (err) {
    lock.release();
    if (err instanceof UserError) throw err;
    asUserFsError(err, 'recover the earlier output of', abs);
  }
  return { outDir: abs, lock };
}

/** The limit a file of the output folder is read back with (src/read-back.ts). */
export function readBackKindOf(file: string): ReadBackKind {
  if (file.endsWith('.tf.json')) return 'terraform';
  if (file === KUBERNETES_VERSION_FILE) return 'version';
  if (file === ROLLOUT_RECORD_FILE) return 'record';
  return 'document';
}

/**
 * The files hakube wrote last time that the next run compares against, by relative path: only files its manifest
 * lists (Terraform files the user added are not hakube's), and none that hold key material (pki/, users/, the
 * admin kubeconfig). Each is read back bounded and never through a link (src/read-back.ts); each Terraform file
 * must still parse as a Terraform JSON document of bounded depth. Empty on a first run.
 */
export function readPreviousOutput(outDir: string): Map<string, string> {
  const files = readManifest(outDir).filter((f) => !f.startsWith(`${PKI_DIR}/`) && !f.startsWith(`${USERS_DIR}/`) && f !== ADMIN_KUBECONFIG);
  const previous = new Map<string, string>();
  for (const file of files) {
    const path = join(outDir, file);
    const text = readBack(path, readBackKindOf(file));
    if (text === undefined) continue;
    if (file.endsWith('.tf.json') && !file.includes('/')) checkTerraformDocument(path, text);
    previous.set(file, text);
  }
  return previous;
}

function checkTerraformDocument(path: string, text: string): void {
  const doc = parseReadBackJson(text, path);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new UserError(`${path} is not a Terraform JSON document (an object); restore it from git or delete it`);
  }
}
