import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
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
      try {
        writeFileAtomic(path, file.content, { mode: file.mode ?? FILE_MODE, exclusive: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(`${path} appeared while hakube was writing; it was left as it is`);
        asUserFsError(err, 'write', path);
      }
      done.push(path);
    }
  } catch (err) {
    for (const path of done.reverse()) rmSync(path, { force: true });
    throw err;
  }
  for (const path of done) written(path);
}
