import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { UserError } from '../errors.js';
import { FILE_MODE } from './folders.js';
import { asUserFsError, describeKind } from './fs-errors.js';

/**
 * Creates a new file holding `content`: exclusively (O_CREAT|O_EXCL, so never through a symbolic link or into a file
 * someone else made), with `mode` set explicitly whatever the umask, and synced to disk. A file this call could not
 * finish (a full disk) is removed again: it made the file, so nobody else's is lost.
 */
export function writeNewFile(path: string, content: string | Uint8Array, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    fchmodSync(fd, mode);
    writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    removeQuietly(path);
    throw err;
  }
  closeSync(fd);
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // The error that brought us here is the one to report.
  }
}

/**
 * Makes folder `dir` and its missing parents. Not mkdirSync's recursive mode: on a read-only file system it reports
 * ENOENT instead of EROFS (Node 20), which would name the wrong cause.
 */
function makeFolderPath(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw err;
    makeFolderPath(dirname(dir));
    mkdirSync(dir);
  }
}

/**
 * Writes one file so that readers see the old or the new content, never a partial one: a temporary file with a
 * random name beside it (created exclusively), fsync, then rename. With `exclusive`, refuses to replace an existing
 * file (used for private keys, which are never overwritten). Every file-system error is a UserError naming `path`,
 * and no temporary file is left behind, whatever failed.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, opts: { mode?: number; exclusive?: boolean } = {}): void {
  try {
    makeFolderPath(dirname(path));
  } catch (err) {
    asUserFsError(err, 'create the folder', dirname(path));
  }
  const temp = join(dirname(path), `.${basename(path).slice(0, 64)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeNewFile(temp, content, opts.mode ?? FILE_MODE);
  } catch (err) {
    asUserFsError(err, 'write', path);
  }
  try {
    if (opts.exclusive) {
      // link() fails with EEXIST if the target exists, unlike rename(); it is atomic too.
      linkSync(temp, path);
    } else {
      renameSync(temp, path);
    }
  } catch (err) {
    if (opts.exclusive && (err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UserError(`${path} already exists (EEXIST; it appeared while hakube was writing); it was left as it is`);
    }
    asUserFsError(err, 'write', path);
  } finally {
    removeQuietly(temp);
  }
}

/**
 * Writes a file the user named on the command line: never replaces an existing file unless `force`, never a
 * folder, FIFO, socket or device (even with `force`: replacing /dev/null or a pipe someone reads breaks things far
 * from hakube), and reports path and permission problems as user errors. A symbolic link is replaced itself,
 * never written through.
 */
export function writeUserNamedFile(path: string, content: string, opts: { mode?: number; force: boolean; flag: string }): void {
  let existing: Stats | undefined;
  try {
    existing = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') asUserFsError(err, 'write', path);
  }
  let target = existing;
  if (existing?.isSymbolicLink()) {
    try {
      target = statSync(path);
    } catch {
      // Dangling: the link alone is replaced.
    }
  }
  // A link to a folder too: the user surely meant a file inside it.
  if (target?.isDirectory()) throw new UserError(`${opts.flag} ${path} is a folder; name a file`);
  if (existing && !existing.isFile() && !existing.isSymbolicLink()) {
    throw new UserError(`${opts.flag} ${path} is ${describeKind(existing)}, not a regular file; hakube writes only regular files, name one`);
  }
  if (existing && !opts.force) throw new UserError(`${path} already exists; choose another file or pass --force to replace it`);
  const folder = dirname(path) || '.';
  let folderStats: Stats | undefined;
  try {
    folderStats = statSync(folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') asUserFsError(err, 'write', path);
  }
  if (!folderStats) throw new UserError(`cannot write ${path}: folder ${folder} does not exist`);
  if (!folderStats.isDirectory()) throw new UserError(`cannot write ${path}: ${folder} is not a folder`);
  writeFileAtomic(path, content, { ...(opts.mode !== undefined ? { mode: opts.mode } : {}) });
}
