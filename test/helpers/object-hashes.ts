import { contentHash } from '../../src/output/files.js';
import type { BucketObject } from '../../src/model/bucket-layout.js';

/**
 * Content hashes for emitTerraform when a test has no real files: each source's hash is the hash of its path, so
 * the hashes are stable and differ between files, as real ones do.
 */
export function stableObjectHashes(objects: BucketObject[]): Map<string, string> {
  return new Map(objects.map((o) => [o.source, contentHash(o.source)]));
}
