import { UserError } from '../errors.js';
import { PKI_DIR } from '../model/bucket-layout.js';
import { USERS_DIR } from './certificate-plan.js';

/**
 * The plaintext inside the encrypted key store: one JSON document listing the files of pki/ and users/ with their
 * bytes (base64) and mode, sorted by path, so the same keys always give the same plaintext. A list of files rather
 * than a tar archive on purpose: the format cannot express a link, a device, an owner or a time, so restoring it
 * can only ever create regular files, and what the reader must check is just each path and size.
 */
export const ARCHIVE_FORMAT = 1;

export interface KeyFile {
  /** Relative to the output folder, '/'-separated, under pki/ or users/. */
  path: string;
  /** 0o600 (private keys, secrets, kubeconfigs) or 0o644 (certificates, public keys). */
  mode: number;
  content: Buffer;
}

/** A key, certificate or kubeconfig is a few KiB; the folder's own lists grow with members and users. */
export const KEY_STORE_FILE_LIMIT = 1024 * 1024;
const FILE_COUNT_LIMIT = 10_000;
const ALLOWED_MODES = new Set([0o600, 0o644]);

/** Why `path` cannot be a file of the key store, or undefined: only plain relative paths under pki/ or users/. */
export function keyFilePathProblem(path: string): string | undefined {
  const parts = path.split('/');
  if (path.includes('\\') || path.includes('\0')) return 'has a backslash or NUL in its name';
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return "is not a plain relative path (empty, '.' or '..' parts, or absolute)";
  if (parts.length < 2 || (parts[0] !== PKI_DIR && parts[0] !== USERS_DIR)) return `is not under ${PKI_DIR}/ or ${USERS_DIR}/`;
  return undefined;
}

export function encodeArchive(cluster: string, files: KeyFile[]): Buffer {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const document = {
    hakubeKeyStore: ARCHIVE_FORMAT,
    cluster,
    files: sorted.map((f) => ({ path: f.path, mode: f.mode, content: f.content.toString('base64') })),
  };
  return Buffer.from(`${JSON.stringify(document, null, 1)}\n`, 'utf8');
}

/**
 * The files of a decrypted store, every one checked before any is returned: a known format, this cluster, and
 * members that are plain files (path, mode and content only) under pki/ or users/, each named once and within the
 * size limit. Anything else is refused naming the member; `archive` names the store in messages.
 */
export function decodeArchive(plaintext: Buffer, cluster: string, archive: string): KeyFile[] {
  const refuse = (why: string) => new UserError(`${archive} cannot be restored: ${why}; nothing was written`);
  let document: unknown;
  try {
    document = JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw refuse('its content is not a key store hakube sealed');
  }
  const d = document as { hakubeKeyStore?: unknown; cluster?: unknown; files?: unknown };
  if (!d || typeof d !== 'object' || d.hakubeKeyStore !== ARCHIVE_FORMAT || !Array.isArray(d.files)) {
    throw refuse(`it is not a key store of format ${ARCHIVE_FORMAT} (sealed by another version of hakube, or not by hakube)`);
  }
  if (d.cluster !== cluster) throw refuse(`it holds the keys of cluster ${JSON.stringify(d.cluster)}, not ${cluster}`);
  if (d.files.length > FILE_COUNT_LIMIT) throw refuse(`it lists more than ${FILE_COUNT_LIMIT} files`);
  const seen = new Set<string>();
  return d.files.map((member: unknown, index: number): KeyFile => {
    const m = member as Record<string, unknown>;
    const name = m && typeof m === 'object' && typeof m.path === 'string' ? m.path : `member ${index + 1}`;
    if (!m || typeof m !== 'object' || typeof m.path !== 'string' || typeof m.content !== 'string' || typeof m.mode !== 'number') {
      throw refuse(`${name} is not a file entry (path, mode, content)`);
    }
    const extra = Object.keys(m).filter((k) => k !== 'path' && k !== 'mode' && k !== 'content');
    if (extra.length > 0) throw refuse(`${name} is not a regular file (it has ${extra.join(', ')}); a key store holds regular files only`);
    const problem = keyFilePathProblem(m.path);
    if (problem) throw refuse(`member ${JSON.stringify(m.path)} ${problem}`);
    if (seen.has(m.path)) throw refuse(`${m.path} is listed twice`);
    seen.add(m.path);
    if (!ALLOWED_MODES.has(m.mode)) throw refuse(`${m.path} has mode ${m.mode.toString(8)}; a key store file is 600 or 644`);
    // base64 is 4 characters for 3 bytes: the bound is checked before decoding.
    if (m.content.length > Math.ceil(KEY_STORE_FILE_LIMIT / 3) * 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(m.content)) {
      throw refuse(`${m.path} is larger than ${KEY_STORE_FILE_LIMIT} bytes or not base64`);
    }
    const content = Buffer.from(m.content, 'base64');
    if (content.length > KEY_STORE_FILE_LIMIT) throw refuse(`${m.path} is larger than ${KEY_STORE_FILE_LIMIT} bytes`);
    return { path: m.path, mode: m.mode, content };
  });
}
