import { DISCOVERY_FILES } from '../../src/emit/oidc/discovery-documents.js';
import { contentHash } from '../../src/emit/terraform/bucket-object-hashes.js';
import type { BucketObject } from '../../src/model/bucket-layout.js';

/**
 * Content hashes for emitTerraform when a test has no real files: each source's hash is the hash of its path, so
 * the hashes are stable and differ between files, as real ones do. The discovery documents (published only when
 * the spec enables serviceAccountIssuerDiscovery) are included: unused otherwise.
 */
export function stableObjectHashes(objects: BucketObject[]): Map<string, string> {
  return new Map([...objects.map((o) => o.source), ...DISCOVERY_FILES].map((source) => [source, contentHash(source)]));
}
