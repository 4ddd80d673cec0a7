import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UNCOMMITTED } from './golden-mask.mjs';

export { UNCOMMITTED };

/** Every file under `dir` as sorted '/'-separated relative paths; [] when `dir` does not exist. */
export function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(join(dir, prefix))) return [];
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}


/** The files of a generated folder a repository holds (no key material, nor hakube's own file list), by path. */
export function committedContents(dir: string): Map<string, string> {
  return new Map(
    listFiles(dir)
      .filter((f) => !UNCOMMITTED.some((u) => f.startsWith(u)) && f !== '.hakube-files')
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}

/** Every file under `dir` with its content, by path: to show that a command changed nothing. */
export function snapshotFiles(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/**
 * Makes `outDir`'s record of what hakube wrote (.hakube-files, `<sha256>  <path>`) true of its files as they are now:
 * for a test that rewrites a folder to stand for what an earlier hakube wrote, which hakube must not take for a
 * hand edit.
 */
export function recordAsWrittenByHakube(outDir: string): void {
  const manifest = join(outDir, '.hakube-files');
  const recorded = readFileSync(manifest, 'utf8');
  writeFileSync(manifest, recorded.replace(/^[0-9a-f]{64}( {2}(.+))$/gm, (_, rest: string, path: string) => `${createHash('sha256').update(readFileSync(join(outDir, path))).digest('hex')}${rest}`));
}
