import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import type { GeneratedFile } from './files.js';
import { FILE_MODE, makeTreeFolders } from './folders.js';
import { asUserFsError } from './fs-errors.js';

/**
 * Adds files that belong together (a key, its certificate, a kubeconfig) to an existing output folder, none of
 * which may exist yet: all of them or, after an error such as a full disk, none (those written are removed again).
 * Folders are made with their modes and never followed through a symbolic link.
 */
export function addFilesTogether(outDir: string, files: GeneratedFile[], written: (path: string) => void): void {
  const done: string[] = [];
  try {
    for (const file of files) {
      const path = join(outDir, file.path);
      makeTreeFolders(outDir, dirname(file.path));
      writeFileAtomic(path, file.content, { mode: file.mode ?? FILE_MODE, exclusive: true });
      done.push(path);
    }
  } catch (err) {
    try {
      for (const path of done.reverse()) rmSync(path, { force: true });
    } catch {
      // The error that brought us here is the one to report.
    }
    throw err;
  }
  for (const path of done) written(path);
}

/** Where addFolderTogether stages a new folder: a dot-name beside it, which the PKI store never reads. */
function stagingPrefix(folder: string): string {
  return `.${basename(folder)}.hakube-new-`;
}

/**
 * Adds a new folder of files that belong together (a user's key, certificate and kubeconfig) at once: the files are
 * written into a staging folder beside it, then renamed into place, so even a kill -9 leaves the folder complete or
 * absent, never a key without its certificate. Staging folders of earlier, killed runs for the same folder are
 * removed first (the caller holds the output folder's lock). Every file must lie under `folder`; when the folder
 * already exists, the files are added one by one as addFilesTogether does.
 */
export function addFolderTogether(outDir: string, folder: string, files: GeneratedFile[], written: (path: string) => void): void {
  if (files.some((f) => !f.path.startsWith(`${folder}/`))) throw new Error(`BUG: a file outside ${folder} in addFolderTogether`);
  const target = join(outDir, folder);
  const parent = dirname(folder);
  const prefix = stagingPrefix(folder);
  let taken: boolean;
  try {
    // lstat, so that a symbolic link (even a dangling one) counts as taken and is refused by addFilesTogether.
    taken = lstatSync(target, { throwIfNoEntry: false }) !== undefined;
    if (!taken) {
      makeTreeFolders(outDir, parent);
      const earlier = readdirSync(join(outDir, parent)).filter((n) => n.startsWith(prefix));
      for (const leftover of earlier) rmSync(join(outDir, parent, leftover), { recursive: true, force: true });
    }
  } catch (err) {
    asUserFsError(err, 'prepare the folder', target);
  }
  if (taken) {
    addFilesTogether(outDir, files, written);
    return;
  }
  const stagingName = `${prefix}${randomBytes(6).toString('hex')}`;
  const staging = join(parent, stagingName);
  try {
    makeTreeFolders(outDir, staging);
    for (const file of files) {
      const rel = `${staging}/${file.path.slice(folder.length + 1)}`;
      makeTreeFolders(outDir, dirname(rel));
      writeFileAtomic(join(outDir, rel), file.content, { mode: file.mode ?? FILE_MODE, exclusive: true });
    }
    try {
      renameSync(join(outDir, staging), target);
    } catch (err) {
      asUserFsError(err, 'write', target);
    }
  } catch (err) {
    try {
      rmSync(join(outDir, staging), { recursive: true, force: true });
    } catch {
      // Left for the next add-user of this folder, which removes earlier staging folders first.
    }
    throw err;
  }
  for (const file of files) written(join(outDir, file.path));
}
