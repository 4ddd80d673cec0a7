import { closeSync, openSync, readSync } from 'node:fs';

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

export function describeSize(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/**
 * The bytes of `path`, reading at most `limit` + 1 of them, so a huge file or an endless one (/dev/zero, a pipe
 * that never ends) costs bounded memory and time. Throws FileTooLargeError past the limit, or the fs error.
 */
export function readBounded(path: string, limit: number): Buffer {
  const fd = openSync(path, 'r');
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
