import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import type { CommandModule } from 'yargs';
import { UsageError, UserError } from '../../src/errors.js';
import type { Console } from '../../src/cli/output.js';
import type { ClusterModel } from '../../src/model/model.js';
import { writeFileAtomic } from '../../src/output/atomic-file.js';
import { emitPki, type PkiEmission } from '../../src/pki/emit.js';
import { readPkiStore } from '../../src/pki/store.js';
import { validateFile, validateText } from '../../src/spec/validate.js';

export const TUTORIAL = 'examples/myfirstcluster.yaml';
export const PRIVATE = 'examples/private-multigroup.yaml';

export function tempDir(prefix = 'hakube-pki-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function modelOf(spec: string): ClusterModel {
  return validateFile(spec).model;
}

/** The private example with one zone's subnet moved: control-plane-2 gets a new fixed IP. */
export function privateModelWithMovedZoneB(): ClusterModel {
  const text = readFileSync(PRIVATE, 'utf8');
  const moved = text.replace('cidr: 10.40.64.0/19', 'cidr: 10.40.128.0/19');
  if (moved === text) throw new Error('fixture changed: zone b subnet not found in the private example');
  return validateText(moved, PRIVATE).model;
}

/** The load → emit → write round of generate, as the lead's writer does it (keys never replaced). */
export async function generateInto(outDir: string, model: ClusterModel, now = new Date()): Promise<PkiEmission> {
  const emission = await emitPki(model, await readPkiStore(outDir), now);
  for (const file of emission.files) writeFileAtomic(join(outDir, file.path), file.content, { mode: file.mode });
  return emission;
}

export function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
}

export function certText(path: string): string {
  return run('openssl', ['x509', '-in', path, '-noout', '-text']);
}

/** The value line of an extension in `openssl x509 -text` output, and whether it is critical. */
export function extension(text: string, name: string): { value: string; critical: boolean } | undefined {
  const m = new RegExp(`${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:( critical)?\\s*\\n\\s*(.+)`).exec(text);
  return m ? { value: m[2].trim(), critical: m[1] !== undefined } : undefined;
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs command modules the way src/cli/main.ts does: UserError → 1, UsageError → 2. */
export async function runCommand(commands: Array<(con: Console) => CommandModule<object, never>>, argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const con: Console = { out: (t) => out.push(t), err: (t) => err.push(t) };
  let parser = yargs(argv).scriptName('hakube').strict().exitProcess(false).showHelpOnFail(false);
  for (const make of commands) parser = parser.command(make(con) as CommandModule);
  parser = parser.fail((msg: string | null, e: Error | undefined) => {
    throw e ?? new UsageError(msg ?? 'invalid usage');
  });
  try {
    await parser.parseAsync();
    return { code: 0, out: out.join('\n'), err: err.join('\n') };
  } catch (e) {
    if (e instanceof UsageError) return { code: 2, out: out.join('\n'), err: [...err, e.message].join('\n') };
    if (e instanceof UserError) return { code: 1, out: out.join('\n'), err: [...err, e.message].join('\n') };
    throw e;
  }
}
