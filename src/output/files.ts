import { createHash } from 'node:crypto';

/** One file of the output folder, as an emitter produces it. Paths are relative and use '/'. */
export interface GeneratedFile {
  path: string;
  content: string | Uint8Array;
  /** 0o600 for anything holding a private key or secret; default 0o644. */
  mode?: number;
}

/** sha256 of a file's bytes, hex: how hakube records a file it wrote (bucket objects, its own record of the folder). */
export function contentHash(content: string | Uint8Array): string {
  return createHash('sha256').update(typeof content === 'string' ? Buffer.from(content, 'utf8') : content).digest('hex');
}
