import { closeSync, openSync, readSync } from 'node:fs';

/** Largest spec file hakube reads: real specs are a few KiB; anything near this is a mistake or an attack. */
export const SPEC_FILE_LIMIT = 1024 * 1024;
/** Largest key, certificate or public-key file hakube reads (an RSA 4096 PEM key is about 3.3 KiB). */
export const KEY_FILE_LIMIT = 16 * 1024;

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
    const buffer = Buffer.alloc(limit + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, null);
      if (n === 0) break;
      filled += n;
    }
    if (filled > limit) throw new FileTooLargeError(path, limit);
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}
