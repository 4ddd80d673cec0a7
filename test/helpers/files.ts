import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordAsWrittenByHakube, UNCOMMITTED } from './golden-mask.mjs';

export { recordAsWrittenByHakube, UNCOMMITTED };

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

