import type { BucketObject } from '../../model/bucket-layout.js';
import type { GeneratedFile } from '../../output/files.js';
import { revealSpecText } from './terraform-escape.js';

export const BUCKET_OBJECT_HASHES_FILE = 'bucket-object-hashes.tf.json';
const LOCAL_NAME = 'bucket_object_hashes';

/**
 * The `source_hash` of the object uploaded to `key`: a reference to the hash hakube recorded, so `terraform plan`
 * reads no local file (pki/ holds private keys and is not in the repository) and still sees a changed upload.
 */
export function sourceHashReference(key: string): string {
  return `\${local.${LOCAL_NAME}["${key}"]}`;
}

/**
 * One file of locals: each bucket object's key and the sha256 of the file it is uploaded from. It is the only
 * generated Terraform that depends on key material, and only through one-way hashes of it: a renewed certificate
 * shows as one changed line here and one in-place update of its object in the plan. Takes the shielded objects
 * emitTerraform() gives its builders, and reveals them as every other Terraform document.
 */
export function bucketObjectHashesFile(objects: BucketObject[], hashOfSource: ReadonlyMap<string, string>): GeneratedFile {
  const hashes: Record<string, string> = {};
  for (const object of [...objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const hash = hashOfSource.get(object.source);
    if (!hash) throw new Error(`BUG: no content hash for ${object.source}, uploaded to ${object.key}`);
    hashes[object.key] = hash;
  }
  const document = {
    '//': 'Written by hakube: sha256 of each file uploaded to the secrets bucket, so terraform plan needs no file under pki/.',
    locals: { [LOCAL_NAME]: hashes },
  };
  return { path: BUCKET_OBJECT_HASHES_FILE, content: `${JSON.stringify(revealSpecText(document), null, 2)}\n` };
}

/** The hashes recorded in an earlier bucket-object-hashes.tf.json, by object key; empty when it has none. */
export function recordedObjectHashes(document: unknown): Map<string, string> {
  const locals = (document as { locals?: Record<string, unknown> } | null)?.locals;
  const hashes = locals?.[LOCAL_NAME];
  if (!hashes || typeof hashes !== 'object' || Array.isArray(hashes)) return new Map();
  return new Map(Object.entries(hashes).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
