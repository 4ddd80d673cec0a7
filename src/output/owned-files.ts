import { PKI_DIR } from '../model/bucket-layout.js';
import { USERS_DIR } from '../pki/certificate-plan.js';
import { ROLLOUT_RECORD_FILE } from '../rollout/rollout-record.js';
import { KUBERNETES_VERSION_FILE } from '../upgrade/previous-version.js';
import { READ_BACK_LIMITS } from '../read-back.js';

/**
 * Lists the files hakube wrote last time, so it can tell its own files from the user's (state, .terraform/). It is
 * committed, so it names only committed files: one naming the local-only ones would change with every teammate's
 * users and kubeconfigs.
 */
export const MANIFEST_FILE = '.hakube-files';
/**
 * The most bytes of either list hakube reads back: a few hundred paths of a hundred-odd bytes each, for the largest
 * spec the schema admits (test/spec/users-bound.test.ts); writeOutput never writes a longer one.
 */
export const FILE_LIST_LIMIT = READ_BACK_LIMITS['file-list'];
/** The same list for the files the output's .gitignore keeps out of git, kept where git never sees it either. */
export const LOCAL_MANIFEST_FILE = `${PKI_DIR}/.hakube-files`;

/** Folders whose whole content hakube writes. */
const OWNED_FOLDERS = ['cloud-init', 'addons', 'oidc', PKI_DIR, USERS_DIR];
/** Where earlier versions wrote the admin kubeconfig (now ADMIN_KUBECONFIG): still its own, so a later run removes it. */
const FORMER_ADMIN_KUBECONFIG = 'kubeconfig';
/** Single files hakube writes at the top of the output folder. */
const OWNED_FILES = new Set(['HA-REPORT.md', '.gitignore', MANIFEST_FILE, FORMER_ADMIN_KUBECONFIG, ROLLOUT_RECORD_FILE, KUBERNETES_VERSION_FILE]);

/**
 * Whether a path the user chose inside the output folder (relative, '/'-separated) would land on hakube's own files:
 * one of them, one of its folders, or anything under them, once `./` and repeated slashes are read as Terraform would.
 */
export function namesHakubeFile(path: string): boolean {
  const parts = path.split('/').filter((p) => p.length > 0 && p !== '.');
  return parts.length > 0 && (OWNED_FOLDERS.includes(parts[0] ?? '') || isHakubeFile(parts.join('/')));
}

/**
 * Whether `path` (relative, '/'-separated) is a name hakube itself can write into the output folder: the only
 * files it ever replaces or removes, whatever its manifest says. Terraform's state, .terraform/ and anything the
 * user added stay outside this set. Top-level *.tf.json files are hakube's by naming convention (docs/terraform.md).
 */
export function isHakubeFile(path: string): boolean {
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..') || path.includes('\\')) return false;
  if (parts.length === 1) return OWNED_FILES.has(path) || (path.endsWith('.tf.json') && path !== '.tf.json');
  return OWNED_FOLDERS.includes(parts[0] ?? '');
}

/**
 * Whether the output folder's .gitignore (written by src/generate.ts) keeps `path`, one of hakube's own files, out
 * of git: key material, users and kubeconfigs. test/output/writer.test.ts checks the two agree with git itself.
 */
export function isLocalOnly(path: string): boolean {
  const top = path.split('/')[0];
  return top === PKI_DIR || top === USERS_DIR || path === FORMER_ADMIN_KUBECONFIG;
}
