import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JWKS_FILE } from '../../src/emit/oidc/discovery-documents.js';
import { BUCKET_OBJECT_HASHES_FILE } from '../../src/emit/terraform/bucket-object-hashes.js';
import { listFiles, UNCOMMITTED } from './files.js';

/** The files of an output folder that are committed: key material (UNCOMMITTED) never is. */
export function committedFiles(dir: string): string[] {
  return listFiles(dir).filter((f) => !UNCOMMITTED.some((u) => f.startsWith(u)));
}

/**
 * bucket-object-hashes.tf.json records the sha256 of every uploaded file, key material included; a fresh run makes
 * fresh keys, so those hashes are compared as a mask (add-on hashes, which follow from the spec, exactly).
 * test/generate/cross-checks.test.ts checks every recorded hash against the file it names.
 */
export function comparable(file: string, bytes: Buffer): Buffer {
  // The published JWKS is the service-account public key: fresh with every run, like the hashes of key files.
  if (file === JWKS_FILE) return Buffer.from(bytes.toString('utf8').replace(/^( {6}"(?:kid|n|e|x|y)": )"[A-Za-z0-9_-]+"/gm, '$1"<public key>"'));
  if (file !== BUCKET_OBJECT_HASHES_FILE) return bytes;
  return Buffer.from(bytes.toString('utf8').replace(/^( {6}"(?:control-plane|nodes)\/(?!addons\/)[^"]+": )"[0-9a-f]{64}"/gm, '$1"<sha256 of key material>"'));
}

/** The committed files of `fresh` that differ from those of `committedDir`, as comparable() compares them. */
export function driftedFiles(committedDir: string, fresh: string): string[] {
  return committedFiles(fresh).filter((f) => !comparable(f, readFileSync(join(fresh, f))).equals(comparable(f, readFileSync(join(committedDir, f)))));
}
