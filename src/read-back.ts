import { describeSize, FileTooLargeError, NotRegularFileError, readRegularFileBounded } from './bounded-read.js';
import { UserError } from './errors.js';
import { showValue } from './show-value.js';

/**
 * Files hakube reads back: what it wrote into the output folder (committed, so anyone with commit access may have
 * replaced one by a link, a FIFO or a huge file), and Terraform states. Each kind has a limit far above what
 * hakube (or Terraform, for a large cluster) writes there, so a hostile file costs bounded memory and time.
 */
export type ReadBackKind = 'version' | 'record' | 'file-list' | 'terraform' | 'document' | 'state';

export const READ_BACK_LIMITS: Record<ReadBackKind, number> = {
  /** kubernetes-version.txt: one line such as `1.34.2`. */
  version: 1024,
  /** rollout-pending.json, pki/manifest.json: a few member or cluster names. */
  record: 1024 * 1024,
  /** .hakube-files and pki/.hakube-files: one line per file hakube wrote. */
  'file-list': 4 * 1024 * 1024,
  /** A *.tf.json of hakube's (a few MiB at 200 worker groups). */
  terraform: 64 * 1024 * 1024,
  /** cloud-init, HA-REPORT.md, add-on manifests, OIDC documents. */
  document: 16 * 1024 * 1024,
  /** A Terraform state: a few MiB for a large cluster, as its plan is (plan-check reads at most 256 MiB). */
  state: 256 * 1024 * 1024,
};

/**
 * Nesting of a JSON document read back beyond which it is refused: hakube's own files nest about 10 deep and a
 * Terraform state about 15; the recursive walks over them (merging documents, collecting references,
 * JSON.stringify, structuredClone) would exhaust the stack at some thousands.
 */
export const MAX_JSON_DEPTH = 100;

const HOW_TO_FIX = 'restore it from git or delete it';

/**
 * The text of `path`, read back with a bound and without following a link: a symbolic link, a FIFO, a device or a
 * folder in its place, or a file over its kind's limit, is a UserError naming it. Undefined when nothing is there.
 * `followLink` only for a path the user named on the command line (`--state`), which still must lead to a
 * regular file.
 */
export function readBack(path: string, kind: ReadBackKind, opts: { followLink?: boolean } = {}): string | undefined {
  const limit = READ_BACK_LIMITS[kind];
  try {
    return readRegularFileBounded(path, limit, opts).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof NotRegularFileError) {
      throw new UserError(`${path} is not a regular file (a symbolic link, FIFO, device or folder is never read in its place); ${opts.followLink ? 'name the file itself' : HOW_TO_FIX}`);
    }
    if (err instanceof FileTooLargeError) throw new UserError(`${path} is larger than ${describeSize(limit)}, more than hakube reads there; ${opts.followLink ? 'name the right file' : HOW_TO_FIX}`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code) throw new UserError(`cannot read ${path} (${code})`);
    throw err;
  }
}

/**
 * `text` (read back from `path`) parsed as JSON, refused with a UserError naming the file (and saying `howToFix`)
 * when it is not JSON or nests deeper than MAX_JSON_DEPTH, so no later walk over it can overflow the stack.
 */
export function parseReadBackJson(text: string, path: string, howToFix = HOW_TO_FIX): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the text around the error: shown as any value from a user's file is.
    throw new UserError(`${path} is not valid JSON (${showValue((err as Error).message)}); ${howToFix}`);
  }
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) throw new UserError(`${path} holds a value nested more than ${MAX_JSON_DEPTH} deep, deeper than any file hakube reads; ${howToFix}`);
  return value;
}

/**
 * Whether a parsed JSON `value` nests arrays and objects deeper than `limit` (a scalar is 0 deep), measured without
 * recursion and stopping once past it, so no depth a file holds can exhaust the stack here.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
