import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { asUserFsError } from './fs-errors.js';
import { PKI_DIR } from '../model/bucket-layout.js';
import { USERS_DIR } from '../pki/certificate-plan.js';

/** Modes set explicitly, whatever the umask: folders holding key material are the owner's alone. */
export const PRIVATE_FOLDER_MODE = 0o700;
export const FOLDER_MODE = 0o755;
export const FILE_MODE = 0o644;

/** The mode of a folder of the output tree (relative, '/'-separated): pki/ and users/ hold keys. */
export function folderModeOf(rel: string): number {
  const top = rel.split('/')[0];
  return top === PKI_DIR || top === USERS_DIR ? PRIVATE_FOLDER_MODE : FOLDER_MODE;
}

/**
 * Makes the folders of `rel` under `root` (which must exist), each with the mode folderModeOf gives it. An existing
 * component that is a symbolic link or not a folder is refused: hakube never writes through a link it did not make.
 */
export function makeTreeFolders(root: string, rel: string): void {
  const parts = rel.split('/').filter((p) => p.length > 0);
  for (let i = 1; i <= parts.length; i++) {
    const sub = parts.slice(0, i).join('/');
    const path = join(root, sub);
    let exists = true;
    try {
      const stats = lstatSync(path);
      if (stats.isSymbolicLink()) throw new UserError(`${path} is a symbolic link; hakube writes only into folders of its own, so replace it with a folder`);
      if (!stats.isDirectory()) throw new UserError(`${path} is not a folder; hakube needs a folder there, so move it away`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') asUserFsError(err, 'read', path);
      exists = false;
    }
    if (!exists) {
      try {
        mkdirSync(path);
        chmodSync(path, folderModeOf(sub));
      } catch (err) {
        asUserFsError(err, 'create the folder', path);
      }
    }
  }
}
