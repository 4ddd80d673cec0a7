/**
 * Where the team key store of an output folder lives: beside the folder, not inside it, because every generate
 * replaces the folder as a whole and its .gitignore keeps everything under pki/ and users/ out of git. The names
 * say what each file is, so the encrypted store is never taken for plaintext key files:
 * - `<folder>.keys.age`: pki/ and users/, encrypted with age (committed);
 * - `<folder>.keys.json`: what the store holds (path and sha256 of each file, no key material) and who can open it (committed);
 * - `<folder>.recipients`: the age or SSH public keys it is encrypted to, one a line (committed; the default of --recipients).
 */
export interface KeyStorePaths {
  archive: string;
  manifest: string;
  recipients: string;
}

export function keyStorePaths(outDir: string): KeyStorePaths {
  const base = outDir.replace(/\/+$/, '');
  return { archive: `${base}.keys.age`, manifest: `${base}.keys.json`, recipients: `${base}.recipients` };
}
