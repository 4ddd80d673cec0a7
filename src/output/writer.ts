import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { GeneratedFile } from './files.js';
import { asUserFsError } from './fs-errors.js';

/** Lists the files hakube wrote last time, so it can tell its own files from the user's (state, .terraform/). */
export const MANIFEST_FILE = '.hakube-files';

export interface WriteReport {
  outDir: string;
  created: string[];
  changed: string[];
  unchanged: string[];
  removed: string[];
}

/** Files whose bytes must never change once written: private keys and secrets. */
function isKeyMaterial(path: string): boolean {
  return path.endsWith('.key') || path.startsWith('pki/secrets/');
}

function sameBytes(a: Buffer, b: string | Uint8Array): boolean {
  return a.equals(typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b));
}

export function readManifest(outDir: string): string[] {
  const path = join(outDir, MANIFEST_FILE);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
}

/** Every regular file and symlink under `dir`, as '/'-separated relative paths. */
function listTree(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listTree(dir, rel));
    else out.push(rel);
  }
  return out;
}

function leftovers(outDir: string): string[] {
  const parent = dirname(outDir);
  if (!existsSync(parent)) return [];
  const stem = `.${basename(outDir)}.hakube-`;
  return readdirSync(parent)
    .filter((n) => n.startsWith(stem))
    .map((n) => join(parent, n));
}

/**
 * If a previous run died between its two renames, the old output sits in a backup folder and
 * the output folder is missing: put it back before doing anything else.
 */
export function recoverInterruptedSwap(outDir: string): void {
  const backups = leftovers(outDir).filter((p) => p.includes('.hakube-old-'));
  if (!existsSync(outDir) && backups.length === 1) renameSync(backups[0], outDir);
  for (const stale of leftovers(outDir)) rmSync(stale, { recursive: true, force: true });
}

/** Compares the desired files with what is on disk, without writing. */
export function diffOutput(outDir: string, files: GeneratedFile[]): WriteReport {
  const report: WriteReport = { outDir, created: [], changed: [], unchanged: [], removed: [] };
  for (const f of files) {
    const path = join(outDir, f.path);
    if (!existsSync(path)) report.created.push(f.path);
    else if (sameBytes(readFileSync(path), f.content)) report.unchanged.push(f.path);
    else report.changed.push(f.path);
  }
  const wanted = new Set(files.map((f) => f.path));
  report.removed = readManifest(outDir).filter((p) => !wanted.has(p) && existsSync(join(outDir, p)));
  return report;
}

/**
 * Writes the whole output folder atomically: everything goes into a sibling temporary folder,
 * files hakube does not own (terraform.tfstate, .terraform/, notes) are hard-linked across, and
 * the folder is swapped in with two renames. A crash or an error before the swap leaves the
 * previous output as it was; when nothing changed, nothing is touched. `diff` is the result of
 * diffOutput() when the caller already has it.
 */
export function writeOutput(outDir: string, files: GeneratedFile[], diff?: WriteReport): WriteReport {
  recoverInterruptedSwap(outDir);
  const report = diff ?? diffOutput(outDir, files);
  for (const path of report.changed) {
    if (isKeyMaterial(path)) {
      throw new Error(`BUG: refusing to replace existing key material ${join(outDir, path)}`);
    }
  }
  const manifest = files.map((f) => f.path).sort();
  const manifestText = manifest.join('\n') + '\n';
  const manifestPath = join(outDir, MANIFEST_FILE);
  const manifestSame = existsSync(manifestPath) && readFileSync(manifestPath, 'utf8') === manifestText;
  if (report.created.length === 0 && report.changed.length === 0 && report.removed.length === 0 && manifestSame) {
    return report;
  }

  const parent = dirname(outDir);
  const staging = join(parent, `.${basename(outDir)}.hakube-new-${process.pid}`);
  const backup = join(parent, `.${basename(outDir)}.hakube-old-${process.pid}`);
  const hadOutput = existsSync(outDir);
  let movedAway = false;
  try {
    mkdirSync(parent, { recursive: true });
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    for (const f of files) {
      const path = join(staging, f.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.content, { mode: f.mode ?? 0o644 });
    }
    writeFileSync(join(staging, MANIFEST_FILE), manifestText);
    if (hadOutput) carryOverUserFiles(outDir, staging, new Set([...manifest, ...readManifest(outDir), MANIFEST_FILE]));
    if (hadOutput) {
      renameSync(outDir, backup);
      movedAway = true;
    }
    renameSync(staging, outDir);
  } catch (err) {
    // Put the previous output back and leave no partial copy (it may hold keys) beside it.
    if (movedAway && !existsSync(outDir)) renameSync(backup, outDir);
    rmSync(staging, { recursive: true, force: true });
    asUserFsError(err, 'write', outDir);
  }
  if (movedAway) rmSync(backup, { recursive: true, force: true });
  return report;
}

function carryOverUserFiles(from: string, to: string, owned: Set<string>): void {
  for (const rel of listTree(from)) {
    if (owned.has(rel)) continue;
    const src = join(from, rel);
    const dst = join(to, rel);
    mkdirSync(dirname(dst), { recursive: true });
    if (lstatSync(src).isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else linkSync(src, dst);
  }
}
