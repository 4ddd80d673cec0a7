import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles, UNCOMMITTED } from './files.js';
import { comparable } from './golden-mask.mjs';

export { comparable };

/** The files of an output folder that are committed: key material (UNCOMMITTED) never is. */
export function committedFiles(dir: string): string[] {
  return listFiles(dir).filter((f) => !UNCOMMITTED.some((u) => f.startsWith(u)));
}

/** The committed files of `fresh` that differ from those of `committedDir`, as comparable() compares them. */
export function driftedFiles(committedDir: string, fresh: string): string[] {
  return committedFiles(fresh).filter((f) => !comparable(f, readFileSync(join(fresh, f))).equals(comparable(f, readFileSync(join(committedDir, f)))));
}
