import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { dirname, join, parse, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
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
 * The files hakube wrote last time that the next run compares against, by relative path: only files its manifest
 * lists (Terraform files the user added are not hakube's), and none that hold key material (pki/, users/, the
 * admin kubeconfig). Each Terraform file must still parse as a Terraform JSON document. Empty on a first run.
 */
export function readPreviousOutput(outDir: string): Map<string, string> {
  const files = readManifest(outDir).filter((f) => !f.startsWith('pki/') && !f.startsWith('users/') && f !== 'kubeconfig');
  const previous = new Map<string, string>();
  for (const file of files) {
    const path = join(outDir, file);
    if (!existsSync(path)) continue;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      asUserFsError(err, 'read', path);
    }
    if (file.endsWith('.tf.json') && !file.includes('/')) checkTerraformDocument(path, text);
    previous.set(file, text);
  }
  return previous;
}

function checkTerraformDocument(path: string, text: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path} is not valid JSON (${(err as Error).message}); restore it from git or delete it`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new UserError(`${path} is not a Terraform JSON document (an object); restore it from git or delete it`);
  }
}
