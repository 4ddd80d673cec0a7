import type { Stats } from 'node:fs';
import { UserError } from '../errors.js';

/** What a file-system entry that is not a regular file is, for a message (from lstat, so a link is a link). */
export function describeKind(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  return 'a device';
}

/** errno codes that mean the user's paths or permissions are wrong, not that hakube has a bug. */
const USER_FIXABLE: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EBUSY: 'is busy (a mount point or the working folder?)',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many symbolic links',
};

/** Turns a file-system error about `path` into a UserError when the user can fix it; rethrows anything else. */
export function asUserFsError(err: unknown, action: string, path: string): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code && USER_FIXABLE[code]) throw new UserError(`cannot ${action} ${path}: ${USER_FIXABLE[code]} (${code})`);
  throw err;
}
