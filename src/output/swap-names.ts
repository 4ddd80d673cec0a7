import { createHash, randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** Longer folder names are shortened in the names beside them, which must fit NAME_MAX (255) with their suffixes. */
const LONGEST_NAME_KEPT = 64;

/**
 * The prefix of everything hakube keeps beside an output folder while writing it (its lock, staging and backup
 * folders): `<parent>/.<name>.hakube-`, with a long name cut and made unique by its hash.
 */
export function swapStem(outDir: string): string {
  const name = basename(outDir);
  const shown = name.length <= LONGEST_NAME_KEPT ? name : `${name.slice(0, 40)}~${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
  return join(dirname(outDir), `.${shown}.hakube-`);
}

export type SwapKind = 'new' | 'old';

/** A fresh staging ('new') or backup ('old') folder name of this process: its pid (for recovery) and a random part. */
export function swapFolderName(outDir: string, kind: SwapKind): string {
  return `${swapStem(outDir)}${kind}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Where a failed write keeps the previous output when it cannot put it back: named apart from staging and backup
 * folders, so that no later run ever removes it as a leftover.
 */
export function keptFolderName(outDir: string): string {
  return `${swapStem(outDir)}kept-${new Date().toISOString().replace(/[-:.]/g, '')}-${process.pid}`;
}

/** The kind and owning pid of a leftover named by swapFolderName (or an older hakube: no random part). */
export function parseSwapFolderName(outDir: string, path: string): { kind: SwapKind; pid: number } | undefined {
  const stem = basename(swapStem(outDir));
  const name = basename(path);
  if (!name.startsWith(stem)) return undefined;
  const match = /^(new|old)-(\d+)(?:-[0-9a-f]+)?$/.exec(name.slice(stem.length));
  if (!match) return undefined;
  return { kind: match[1] as SwapKind, pid: Number(match[2]) };
}
