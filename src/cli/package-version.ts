import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** package.json's version, read from the package root; the bundle (scripts/build.mjs) holds it as a constant. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
  return pkg.version;
}
