import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

/**
 * Writes one file so that readers see the old or the new content, never a partial one:
 * a temporary file beside it, fsync, then rename. With `exclusive`, refuses to replace an existing
 * file (used for private keys, which are never overwritten) and throws an EEXIST error.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, opts: { mode?: number; exclusive?: boolean } = {}): void {
  const mode = opts.mode ?? 0o644;
  mkdirSync(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'w', mode);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (opts.exclusive) {
      // link() fails with EEXIST if the target exists, unlike rename(); it is atomic too.
      linkSync(temp, path);
    } else {
      renameSync(temp, path);
    }
  } finally {
    rmSync(temp, { force: true });
  }
}
