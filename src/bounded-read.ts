import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Largest spec file hakube reads: real specs are a few KiB; anything near this is a mistake or an attack. */
export const SPEC_FILE_LIMIT = 1024 * 1024;
/** Largest key, certificate or public-key file hakube reads (an RSA 4096 PEM key is about 3.3 KiB). */
export const KEY_FILE_LIMIT = 16 * 1024;

const READ_CHUNK = 64 * 1024;

export class FileTooLargeError extends Error {
  constructor(
    readonly path: string,
    readonly limit: number,
  ) {
    super(`${path} is larger than ${describeSize(limit)}`);
    this.name = 'FileTooLargeError';
  }
}

/** The path is a symbolic link, a FIFO, a device, a socket or a folder, where a regular file was expected. */
export class NotRegularFileError extends Error {
  constructor(readonly path: string) {
    super(`${path} is not a regular file`);
    this.name = 'NotRegularFileError';
  }
}

export function describeSize(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/**
 * The bytes of `path`, reading at most `limit` + 1 of them, so a huge file or an endless one (/dev/zero, a pipe
 * that never ends) costs bounded memory and time. Throws FileTooLargeError past the limit, or the fs error.
 */
export function readBounded(path: string, limit: number): Buffer {
  return readOpened(openSync(path, 'r'), path, limit);
}

/**
 * Like readBounded, but only a regular file at `path` itself: a symbolic link is not followed (O_NOFOLLOW fails it
 * with ELOOP), and opening a FIFO does not wait for a writer (O_NONBLOCK) before fstat refuses it. Throws
 * NotRegularFileError for anything but a regular file. `followLink`: a link is followed, to a regular file only.
 */
export function readRegularFileBounded(path: string, limit: number, opts: { followLink?: boolean } = {}): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (opts.followLink ? 0 : constants.O_NOFOLLOW));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new NotRegularFileError(path);
    throw err;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new NotRegularFileError(path);
    // A regular file says its size: one over the limit is refused unread (readOpened still bounds one that grows).
    if (stats.size > limit) throw new FileTooLargeError(path, limit);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return readOpened(fd, path, limit);
}

/** Reads open `fd` up to `limit` bytes, closing it. */
function readOpened(fd: number, path: string, limit: number): Buffer {
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    // Chunks, so a large limit costs memory only for what the file really holds.
    while (total <= limit) {
      const chunk = Buffer.alloc(Math.min(READ_CHUNK, limit + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
    }
    if (total > limit) throw new FileTooLargeError(path, limit);
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
