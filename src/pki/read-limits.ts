import { describeSize, KEY_FILE_LIMIT } from '../bounded-read.js';
import type { GeneratedFile } from '../output/files.js';
import { MANIFEST_PATH } from './certificate-plan.js';

/**
 * The most bytes of pki/manifest.json hakube reads back. It lists every certificate, so it grows with the users: one
 * at the longest name (64) with the most groups (16, each 64 long) costs 1,791 bytes, the cluster's own certificates
 * about 9 KB; so the schema admits at most 500 users (about 0.9 MB, a tenth of the limit to spare), checked by
 * test/spec/users-bound.test.ts.
 */
export const MANIFEST_JSON_LIMIT = 1024 * 1024;

/** The most bytes readPkiStore reads of `path` (relative to the output folder): the manifest, or a key file. */
export function storeReadLimit(path: string): number {
  return path === MANIFEST_PATH ? MANIFEST_JSON_LIMIT : KEY_FILE_LIMIT;
}

/**
 * The writer's side of storeReadLimit: a file under pki/ or users/ that hakube could not read back would make the
 * folder unusable, so writing one is a bug (of the schema's bounds on users and groups), caught before any write.
 */
export function checkReadableBack(files: GeneratedFile[]): void {
  for (const file of files) {
    const size = typeof file.content === 'string' ? Buffer.byteLength(file.content, 'utf8') : file.content.byteLength;
    const limit = storeReadLimit(file.path);
    if (size > limit) {
      throw new Error(`BUG: ${file.path} would be ${size} bytes, more than the ${describeSize(limit)} hakube reads it back with; the bounds on users and groups in schemas/cluster.schema.json are too loose`);
    }
  }
}
