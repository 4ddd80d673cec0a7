import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { dirname, join, parse, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import type { TerraformJson } from '../ha/rollout-plan.js';
import { asUserFsError } from './fs-errors.js';
import { readManifest, recoverInterruptedSwap } from './writer.js';

/**
 * Checks the folder generate will own before anything is read or written: it must be a folder (or not exist
 * yet, under a folder), and it must not be the working folder or hold it, since each run swaps the whole
 * folder by renaming it. Returns its absolute path.
 */
export function checkOutputFolder(outDir: string): string {
  const abs = resolve(outDir);
  const cwd = process.cwd();
  if (abs === parse(abs).root || cwd === abs || cwd.startsWith(abs + sep)) {
    throw new UserError(`--out ${outDir} is the working folder or holds it; hakube replaces its output folder as a whole, so choose a folder of its own (default generated/<cluster-name>)`);
  }
  let probe = abs;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  let isFolder: boolean;
  try {
    isFolder = lstatSync(probe).isDirectory();
  } catch (err) {
    asUserFsError(err, 'read', probe);
  }
  if (!isFolder) {
    throw new UserError(probe === abs ? `--out ${outDir} is a file, not a folder` : `cannot create --out ${outDir}: ${relative(cwd, probe) || probe} is a file, not a folder`);
  }
  return abs;
}

/**
 * Prepares the output folder for a run: finishes an interrupted swap of an earlier run (so its keys are read,
 * not regenerated) and checks the folder. Returns its absolute path.
 */
export function openOutputFolder(outDir: string): string {
  const abs = checkOutputFolder(outDir);
  try {
    recoverInterruptedSwap(abs);
  } catch (err) {
    asUserFsError(err, 'recover the earlier output of', abs);
  }
  return abs;
}

/**
 * The Terraform hakube wrote last time (only the files its manifest lists: Terraform files the user added are
 * not hakube's), merged, for rollout planning. Undefined on a first run.
 */
export function readPreviousTerraform(outDir: string, merge: (docs: TerraformJson[]) => TerraformJson): TerraformJson | undefined {
  const files = readManifest(outDir).filter((f) => f.endsWith('.tf.json') && !f.includes('/'));
  const present = files.filter((f) => existsSync(join(outDir, f)));
  if (present.length === 0) return undefined;
  return merge(
    present.map((file) => {
      const path = join(outDir, file);
      let doc: unknown;
      try {
        doc = JSON.parse(readFileSync(path, 'utf8'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code) asUserFsError(err, 'read', path);
        throw new UserError(`${path} is not valid JSON (${(err as Error).message}); restore it from git or delete it`);
      }
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
        throw new UserError(`${path} is not a Terraform JSON document (an object); restore it from git or delete it`);
      }
      return doc as TerraformJson;
    }),
  );
}
