import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { describeSize, FileTooLargeError, NotRegularFileError, readRegularFileBounded } from '../bounded-read.js';
import { UserError } from '../errors.js';
import { readBack } from '../read-back.js';
import { contentHash, type GeneratedFile } from './files.js';
import { FILE_MODE, FOLDER_MODE, makeTreeFolders, PRIVATE_FOLDER_MODE } from './folders.js';
import { asUserFsError } from './fs-errors.js';
import { PKI_DIR } from '../model/bucket-layout.js';
import { processRuns } from './output-lock.js';
import { FILE_LIST_LIMIT, isHakubeFile, isLocalOnly, LOCAL_MANIFEST_FILE, MANIFEST_FILE } from './owned-files.js';
import { keptFolderName, parseSwapFolderName, swapFolderName } from './swap-names.js';
import { writeNewFile } from './atomic-file.js';

export { MANIFEST_FILE } from './owned-files.js';

export interface WriteReport {
  outDir: string;
  created: string[];
  changed: string[];
  unchanged: string[];
  removed: string[];
}

/**
 * Every staging and backup folder gets this .gitignore before anything else, so no moment exists in which a key
 * inside it could be added to git. The tree itself sits in its subfolder TREE.
 */
const IGNORE_ALL = '# Written by hakube: a staging or backup copy of an output folder; never commit it.\n*\n';
const TREE = 'tree';

/** Files whose bytes must never change once written: private keys and secrets. */
function isKeyMaterial(path: string): boolean {
  return path.endsWith('.key') || path.startsWith('pki/secrets/');
}

/**
 * Whether the regular file at `path` (its lstat `stats`) holds exactly `content`: a file of another size differs
 * unread, and one of the same size is read no further than that size, never through a link.
 */
function holdsBytes(path: string, stats: Stats, content: string | Uint8Array): boolean {
  const wanted = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  if (stats.size !== wanted.length) return false;
  try {
    return readRegularFileBounded(path, wanted.length).equals(wanted);
  } catch (err) {
    // Replaced since lstat: grown, or by something that is not a file.
    if (err instanceof FileTooLargeError) return false;
    if (err instanceof NotRegularFileError) throw new UserError(`${path} is not a regular file, but hakube writes a file there; move it away`);
    asUserFsError(err, 'read', path);
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    asUserFsError(err, 'read', path);
  }
}

/**
 * The paths both manifests list, limited to names hakube itself writes: a damaged manifest never widens them. An
 * earlier version listed the local-only files in MANIFEST_FILE too; they are still read from there.
 */
export function readManifest(outDir: string): string[] {
  return [...new Set([MANIFEST_FILE, LOCAL_MANIFEST_FILE].flatMap((name) => readManifestFile(join(outDir, name))))];
}

/**
 * The committed manifest's record of what hakube wrote: path → sha256 of the bytes, for the files it lists with a
 * hash (`sha256sum` format, so `sha256sum -c .hakube-files` checks a folder by hand too). Hand edits are caught by it.
 */
export function readRecordedHashes(outDir: string): Map<string, string> {
  return new Map(manifestEntries(join(outDir, MANIFEST_FILE)).flatMap((e) => (e.hash ? [[e.path, e.hash] as const] : [])));
}

function readManifestFile(path: string): string[] {
  return manifestEntries(path).map((e) => e.path);
}

/** A line is `<sha256>  <path>`, or a bare path (the local manifest, and a committed one an older hakube wrote). */
const RECORDED_LINE = /^([0-9a-f]{64}) {2}(.+)$/;

function manifestEntries(path: string): { path: string; hash?: string }[] {
  return (readBack(path, 'file-list') ?? '')
    .split('\n')
    .map((line) => {
      const recorded = RECORDED_LINE.exec(line);
      return recorded ? { path: recorded[2] ?? '', hash: recorded[1] ?? '' } : { path: line };
    })
    .filter((e) => e.path.length > 0 && isHakubeFile(e.path));
}

/** The committed manifest: every committed file hakube wrote, with the hash of its bytes. */
function committedManifestText(files: GeneratedFile[]): string {
  return files
    .filter((f) => !isLocalOnly(f.path))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => `${contentHash(f.content)}  ${f.path}\n`)
    .join('');
}

/** The local manifest's content; none when there are no local-only files, so such a folder gets no pki/. */
function localManifestText(paths: string[]): string | undefined {
  return paths.length > 0 ? paths.join('\n') + '\n' : undefined;
}

/** Whether the file at `path` holds exactly `text`, or is absent when `text` is. */
function holds(path: string, text: string | undefined): boolean {
  const stats = lstatOrUndefined(path);
  if (text === undefined) return stats === undefined;
  return stats?.isFile() === true && holdsBytes(path, stats, text);
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

/** A staging or backup folder this user made (not a link planted in its place) whose process is gone. */
interface Leftover {
  path: string;
  kind: 'new' | 'old';
}

function leftovers(outDir: string): Leftover[] {
  const parent = dirname(outDir);
  if (!existsSync(parent)) return [];
  const found: Leftover[] = [];
  for (const name of readdirSync(parent)) {
    const path = join(parent, name);
    const parsed = parseSwapFolderName(outDir, path);
    if (!parsed || processRuns(parsed.pid)) continue;
    const stats = lstatOrUndefined(path);
    if (!stats || !stats.isDirectory() || stats.uid !== process.getuid?.()) continue;
    found.push({ path, kind: parsed.kind });
  }
  return found;
}

/**
 * Finishes what an earlier run that died left beside the output folder; call it holding the folder's lock. If it died
 * between its two renames, the old output sits in a backup folder and the output folder is missing: it is put back.
 * Only leftovers of processes that are gone are touched, and never symbolic links or folders of another user.
 */
export function recoverInterruptedSwap(outDir: string): void {
  const found = leftovers(outDir);
  const backups = found.filter((l) => l.kind === 'old');
  if (!lstatOrUndefined(outDir) && backups.length > 0) {
    if (backups.length > 1) {
      throw new UserError(`${outDir} is missing and several earlier runs left a backup of it (${backups.map((b) => b.path).join(', ')}); rename the newest one's ${TREE}/ to ${outDir}`);
    }
    const backup = (backups[0] as Leftover).path;
    // An older hakube renamed the output folder itself to the backup name.
    const tree = lstatOrUndefined(join(backup, TREE))?.isDirectory() ? join(backup, TREE) : backup;
    renameSync(tree, outDir);
  }
  for (const leftover of found) removeSwapFolder(leftover.path);
}

/** Compares the desired files with what is on disk, without writing. */
export function diffOutput(outDir: string, files: GeneratedFile[]): WriteReport {
  const report: WriteReport = { outDir, created: [], changed: [], unchanged: [], removed: [] };
  for (const f of files) {
    const path = join(outDir, f.path);
    const stats = lstatOrUndefined(path);
    if (!stats) report.created.push(f.path);
    else if (!stats.isFile()) {
      throw new UserError(`${path} is ${stats.isDirectory() ? 'a folder' : 'not a regular file'}, but hakube writes a file there; move it away`);
    } else if (holdsBytes(path, stats, f.content)) report.unchanged.push(f.path);
    else report.changed.push(f.path);
  }
  const wanted = new Set(files.map((f) => f.path));
  report.removed = readManifest(outDir).filter((p) => !wanted.has(p) && lstatOrUndefined(join(outDir, p)) !== undefined);
  return report;
}

/** Every folder of the tree under `dir`, itself first. */
function listFolders(dir: string): string[] {
  return [dir, ...readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => listFolders(join(dir, e.name)))];
}

/**
 * The previous output is removed once the new one is in place; a folder in it that cannot be changed (read-only,
 * immutable) would fail that step after the swap and every later run with it, so it is found before anything
 * is written, by creating and removing a probe file in each folder.
 */
function checkChangeable(outDir: string): void {
  for (const folder of listFolders(outDir)) {
    const probe = join(folder, '.hakube-probe');
    try {
      rmSync(probe, { force: true });
      writeNewFile(probe, '', FILE_MODE);
      rmSync(probe);
    } catch (err) {
      asUserFsError(err, 'change the folder', folder);
    }
  }
}

/** Removes a staging or backup folder: its tree first, its .gitignore last, so an interrupted removal exposes no key. */
function removeSwapFolder(path: string): void {
  rmSync(join(path, TREE), { recursive: true, force: true });
  rmSync(path, { recursive: true, force: true });
}

/** Makes a staging or backup folder: private, and ignored by git before anything is put in it. */
function makeSwapFolder(path: string): void {
  mkdirSync(path);
  chmodSync(path, PRIVATE_FOLDER_MODE);
  writeNewFile(join(path, '.gitignore'), IGNORE_ALL, FILE_MODE);
}

/**
 * Writes the whole output folder atomically; call it holding the folder's lock. Everything goes into a staging
 * folder beside it, files hakube does not own (terraform.tfstate, .terraform/, notes) are hard-linked across, and
 * the folder is swapped in with two renames. A crash or an error before the swap leaves the previous output as it
 * was; when nothing changed, nothing is touched. `diff` is the result of diffOutput() when the caller has it.
 */
export function writeOutput(outDir: string, files: GeneratedFile[], diff?: WriteReport): WriteReport {
  const report = diff ?? diffOutput(outDir, files);
  for (const path of report.changed) {
    if (isKeyMaterial(path)) {
      throw new Error(`BUG: refusing to replace existing key material ${join(outDir, path)}`);
    }
  }
  for (const f of files) {
    if (!isHakubeFile(f.path)) throw new Error(`BUG: ${f.path} is not among the files hakube owns (src/output/owned-files.ts)`);
  }
  const manifest = files.map((f) => f.path).sort();
  const committedText = committedManifestText(files);
  const localText = localManifestText(manifest.filter(isLocalOnly));
  for (const text of [committedText, localText ?? '']) {
    // The reader's limit (readManifestFile): a list hakube could not read back would make the folder unusable.
    if (Buffer.byteLength(text, 'utf8') > FILE_LIST_LIMIT) throw new Error(`BUG: a list of ${manifest.length} files is larger than ${describeSize(FILE_LIST_LIMIT)}; the schema's bounds are too loose`);
  }
  const manifestSame = holds(join(outDir, MANIFEST_FILE), committedText) && holds(join(outDir, LOCAL_MANIFEST_FILE), localText);
  if (report.created.length === 0 && report.changed.length === 0 && report.removed.length === 0 && manifestSame) {
    return report;
  }

  const staging = swapFolderName(outDir, 'new');
  const backup = swapFolderName(outDir, 'old');
  const hadOutput = lstatOrUndefined(outDir) !== undefined;
  let movedAway = false;
  if (hadOutput) checkChangeable(outDir);
  try {
    makeSwapFolder(staging);
    const tree = join(staging, TREE);
    mkdirSync(tree);
    chmodSync(tree, FOLDER_MODE);
    // The output's own .gitignore (keeping pki/ and users/ out of git) goes in before any key.
    const ordered = [...files].sort((a, b) => Number(b.path === '.gitignore') - Number(a.path === '.gitignore'));
    for (const f of ordered) {
      makeTreeFolders(tree, dirname(f.path) === '.' ? '' : dirname(f.path));
      writeNewFile(join(tree, f.path), f.content, f.mode ?? FILE_MODE);
    }
    writeNewFile(join(tree, MANIFEST_FILE), committedText, FILE_MODE);
    if (localText !== undefined) {
      makeTreeFolders(tree, PKI_DIR);
      writeNewFile(join(tree, LOCAL_MANIFEST_FILE), localText, FILE_MODE);
    }
    if (hadOutput) carryOverUserFiles(outDir, tree, new Set([...manifest, ...readManifest(outDir), MANIFEST_FILE, LOCAL_MANIFEST_FILE]));
    if (hadOutput) {
      makeSwapFolder(backup);
      renameSync(outDir, join(backup, TREE));
      movedAway = true;
    }
    renameSync(tree, outDir);
  } catch (err) {
    // The previous output goes back in place. Its backup holds the only copy of the keys until then, so it is
    // removed only once it is back (or was never moved); otherwise it is kept under a name no later run removes.
    const kept = movedAway ? putBack(outDir, backup) : undefined;
    discardSwapFolder(staging);
    if (kept === undefined) discardSwapFolder(backup);
    else {
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new UserError(
        `cannot write ${outDir} (${why}), and the previous output could not be put back in its place: ` +
          `it is kept, keys included, in ${join(kept, TREE)}; once nothing else is at ${outDir}, move that folder there`,
      );
    }
    if (err instanceof UserError) throw err;
    asUserFsError(err, 'write', outDir);
  }
  discardSwapFolder(staging);
  try {
    removeSwapFolder(backup);
  } catch (err) {
    asUserFsError(err, `remove the previous output (the new one is in place; delete it yourself) at`, backup);
  }
  return report;
}

/**
 * Renames the backup's tree back to `outDir`. Undefined when it is back; otherwise the backup folder, renamed where
 * no later run takes it for a dead run's leftover, since something else may have taken `outDir` meanwhile.
 */
function putBack(outDir: string, backup: string): string | undefined {
  try {
    if (!lstatOrUndefined(outDir)) {
      renameSync(join(backup, TREE), outDir);
      return undefined;
    }
  } catch {
    // Kept below.
  }
  const kept = keptFolderName(outDir);
  try {
    renameSync(backup, kept);
    return kept;
  } catch {
    return backup;
  }
}

/**
 * Removes a staging or backup folder on the way out of a failed or finished write. One that cannot be removed is
 * left: it is private and ignored by git, and the next run removes it as a leftover of a process that is gone.
 */
function discardSwapFolder(path: string): void {
  try {
    removeSwapFolder(path);
  } catch {
    // Left for the next run (recoverInterruptedSwap).
  }
}

function carryOverUserFiles(from: string, to: string, owned: Set<string>): void {
  for (const rel of listTree(from)) {
    if (owned.has(rel)) continue;
    const src = join(from, rel);
    const dst = join(to, rel);
    makeTreeFolders(to, dirname(rel) === '.' ? '' : dirname(rel));
    if (lstatSync(src).isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else linkSync(src, dst);
  }
}
