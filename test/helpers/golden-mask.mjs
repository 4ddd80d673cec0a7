import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// What a golden comparison masks, shared by the golden test (test/helpers/golden.ts) and npm run golden:update
// (scripts/update-golden.mjs), so that the script rewrites exactly the files the test would call drifted.

/** The published JWKS: the service-account public key, fresh with every run (src/emit/oidc/discovery-documents.ts). */
export const JWKS_FILE = 'oidc/jwks.json';
/** The sha256 of every uploaded file, key material included (src/emit/terraform/bucket-object-hashes.ts). */
export const BUCKET_OBJECT_HASHES_FILE = 'bucket-object-hashes.tf.json';
/** hakube's record of what it wrote: `<sha256>  <path>` per committed file (src/output/writer.ts). */
export const MANIFEST_FILE = '.hakube-files';
/** What holds key material: never committed (the output's .gitignore), so never compared. */
export const UNCOMMITTED = ['pki/', 'users/'];

/**
 * A fresh run makes fresh keys, so what follows from them is compared as a mask: the JWKS key fields and the
 * hashes of key files (add-on hashes, which follow from the spec, exactly), and the record's hashes of those two files. test/generate/cross-checks.test.ts
 * checks every recorded hash against the file it names.
 */
export function comparable(file, bytes) {
  if (file === MANIFEST_FILE) {
    // The record hashes the two files above as they are; their masked parts differ with every run.
    const keyed = [JWKS_FILE, BUCKET_OBJECT_HASHES_FILE].map((f) => f.replace(/[.]/g, '[.]')).join('|');
    return Buffer.from(bytes.toString('utf8').replace(new RegExp(`^[0-9a-f]{64}(  (?:${keyed})$)`, 'gm'), '<sha256 of a file holding key hashes>$1'));
  }
  if (file === JWKS_FILE) return Buffer.from(bytes.toString('utf8').replace(/^( {6}"(?:kid|n|e|x|y)": )"[A-Za-z0-9_-]+"/gm, '$1"<public key>"'));
  if (file !== BUCKET_OBJECT_HASHES_FILE) return bytes;
  return Buffer.from(bytes.toString('utf8').replace(/^( {6}"(?:control-plane|nodes)\/(?!addons\/)[^"]+": )"[0-9a-f]{64}"/gm, '$1"<sha256 of key material>"'));
}

/**
 * Makes `outDir`'s record of what hakube wrote (MANIFEST_FILE, `<sha256>  <path>`) true of its files as they are
 * now: for the golden folders, whose kept files may hold an earlier run's key hashes, and for a test that rewrites a
 * folder to stand for what an earlier hakube wrote, which hakube must not take for a hand edit.
 */
export function recordAsWrittenByHakube(outDir) {
  const manifest = join(outDir, MANIFEST_FILE);
  const recorded = readFileSync(manifest, 'utf8');
  const rehashed = recorded.replace(/^[0-9a-f]{64}( {2}(.+))$/gm, (_, rest, path) => `${createHash('sha256').update(readFileSync(join(outDir, path))).digest('hex')}${rest}`);
  if (rehashed !== recorded) writeFileSync(manifest, rehashed);
}
