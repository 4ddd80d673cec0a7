import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotFiles } from '../helpers/files.js';
import { hasStackTrace, REPO_ROOT, runCli, type CliResult } from '../helpers/run-cli.js';

/**
 * Files hakube reads back from its output folder (and Terraform states) are hostile input: a committed symbolic link,
 * a FIFO, an endless device, a huge file, a gzip bomb or a deeply nested JSON value must each end the command
 * promptly with exit 1 naming the file, never a stack trace, a hang or another file's content in a message.
 * test/output/read-back-property.test.ts runs every such replacement over every file of a generated folder.
 */

const TUTORIAL_TEXT = readFileSync(join(REPO_ROOT, 'examples/myfirstcluster.yaml'), 'utf8');
const INSTANCE_TYPE: [string, string] = ['    instanceType: t3.medium\n  instanceGroups:', '    instanceType: m6i.large\n  instanceGroups:'];
/** A run blocked on a FIFO or growing on /dev/zero is killed here and fails its test. */
const HANG_MS = 30_000;
/** Nesting far beyond what any recursive walk survives (JSON.parse itself takes it). */
const DEEP = 20_000;

let work = '';
let base = '';

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'hakube-read-back-'));
  writeFileSync(join(work, 'cluster.yaml'), TUTORIAL_TEXT);
  base = join(work, 'base');
  const r = runCli(['generate', join(work, 'cluster.yaml'), '--out', base]);
  if (r.code !== 0) throw new Error(`test setup: ${r.stderr}`);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A copy of the generated tutorial, with a spec edited from `from` to `to` beside it. */
function scenario(from?: string, to?: string): { spec: string; out: string; dir: string } {
  const dir = mkdtempSync(join(work, 'case-'));
  const out = join(dir, 'out');
  cpSync(base, out, { recursive: true });
  const spec = join(dir, 'cluster.yaml');
  writeFileSync(spec, from && to ? TUTORIAL_TEXT.replace(from, to) : TUTORIAL_TEXT);
  return { spec, out, dir };
}

function run(args: string[]): CliResult {
  return runCli(args, undefined, {}, HANG_MS);
}

function expectRefused(r: CliResult, file: string, why: string): void {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.stderr).toContain(file);
  expect(r.stderr).toContain(why);
  expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
}

function mkfifo(path: string): void {
  const made = spawnSync('mkfifo', [path], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mkfifo (coreutils) is needed: ${made.stderr}`);
}

/** A Terraform state (format 4) with control_plane_1 recorded with `attributes`. */
function stateWith(attributes: Record<string, unknown>): string {
  return JSON.stringify({ version: 4, resources: [{ mode: 'managed', type: 'aws_instance', name: 'control_plane_1', instances: [{ attributes }] }] });
}

/** base64 of a gzip stream that inflates to 64 MiB of zeros: 64 KiB on disk, far over any user data. */
function gzipBomb(): string {
  return gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }).toString('base64');
}

describe('kubernetes-version.txt read back by validate and generate', () => {
  it('a committed symbolic link to pki/ca.key is refused as not a regular file, never quoted', () => {
    const { spec, out } = scenario();
    const version = join(out, 'kubernetes-version.txt');
    rmSync(version);
    symlinkSync('pki/ca.key', version);
    const key = readFileSync(join(out, 'pki/ca.key'), 'utf8');
    const keyBody = key.split('\n')[1]!;
    const before = snapshotFiles(out);
    for (const args of [['validate', spec, '--out', out], ['generate', spec, '--out', out], ['generate', spec, '--out', out, '--check']]) {
      const r = run(args);
      expectRefused(r, version, 'not a regular file');
      expect(r.stdout + r.stderr).not.toContain('PRIVATE KEY');
      expect(r.stdout + r.stderr).not.toContain(keyBody);
    }
    expect(snapshotFiles(out)).toEqual(before);
  });

  it('a regular file holding key material is refused with the value redacted', () => {
    const { spec, out } = scenario();
    const version = join(out, 'kubernetes-version.txt');
    const key = readFileSync(join(out, 'pki/ca.key'), 'utf8');
    writeFileSync(version, key);
    const r = run(['validate', spec, '--out', out]);
    expectRefused(r, version, 'redacted');
    expect(r.stderr).not.toContain(key.split('\n')[1]!);
  });
});

describe('files read back from the folder: /dev/zero and FIFOs end promptly', () => {
  const files = ['HA-REPORT.md', 'cloud-init/control-plane-1.yaml', 'kubernetes-version.txt', 'rollout-pending.json', '.hakube-files', 'pki/manifest.json', 'bucket-object-hashes.tf.json'];
  it.each(files)('%s as a symbolic link to /dev/zero, then as a FIFO: generate --check exits 1 naming it', (file) => {
    // A rollout in progress, so that the folder holds and lists rollout-pending.json too.
    const { spec, out } = scenario(...INSTANCE_TYPE);
    expect(run(['generate', spec, '--out', out]).code).toBe(0);
    const path = join(out, file);
    rmSync(path, { force: true });
    symlinkSync('/dev/zero', path);
    expectRefused(run(['generate', spec, '--out', out, '--check']), path, 'not a regular file');
    rmSync(path);
    mkfifo(path);
    expectRefused(run(['generate', spec, '--out', out, '--check']), path, 'not a regular file');
  });
});

describe('rollout next reads a Terraform state as hostile input', () => {
  it('a gzip bomb in user_data_base64 of --state is a clear error, not gigabytes of memory', () => {
    const { spec, out, dir } = scenario(...INSTANCE_TYPE);
    expect(run(['generate', spec, '--out', out]).code).toBe(0);
    const state = join(dir, 'state.json');
    const config = JSON.parse(readFileSync(join(out, 'control-plane.tf.json'), 'utf8')).resource.aws_instance.control_plane_1;
    writeFileSync(state, stateWith({ instance_type: config.instance_type, user_data_base64: gzipBomb() }));
    expectRefused(run(['rollout', 'next', spec, '--out', out, '--state', state]), state, 'user data larger than');
  });

  it('a gzip bomb in the local backend state in the folder is the same clear error', () => {
    const { spec, out } = scenario(...INSTANCE_TYPE);
    expect(run(['generate', spec, '--out', out]).code).toBe(0);
    const state = join(out, 'terraform.tfstate');
    const config = JSON.parse(readFileSync(join(out, 'control-plane.tf.json'), 'utf8')).resource.aws_instance.control_plane_1;
    writeFileSync(state, stateWith({ instance_type: config.instance_type, user_data_base64: gzipBomb() }));
    expectRefused(run(['rollout', 'next', spec, '--out', out]), state, 'user data larger than');
  });

  it.each([
    ['resources: [null]', JSON.stringify({ version: 4, resources: [null] }), 'not a Terraform state'],
    ['instances: [null]', JSON.stringify({ version: 4, resources: [{ mode: 'managed', type: 'aws_instance', name: 'control_plane_1', instances: [null] }] }), 'not a Terraform state'],
    ['attributes: a string', JSON.stringify({ version: 4, resources: [{ mode: 'managed', type: 'aws_instance', name: 'control_plane_1', instances: [{ attributes: 'x' }] }] }), 'not a Terraform state'],
    ['deep nesting', `{"version":4,"resources":[{"mode":"managed","type":"aws_instance","name":"control_plane_1","instances":[{"attributes":{"instance_type":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}}]}]}`, 'nested more than'],
  ])('a --state with %s is refused naming the file', (_what, text, why) => {
    const { spec, out, dir } = scenario(...INSTANCE_TYPE);
    expect(run(['generate', spec, '--out', out]).code).toBe(0);
    const state = join(dir, 'state.json');
    writeFileSync(state, text);
    const before = snapshotFiles(out);
    expectRefused(run(['rollout', 'next', spec, '--out', out, '--state', state]), state, why);
    expect(snapshotFiles(out)).toEqual(before);
  });

  it('a --state that is a FIFO or a device is refused at once', () => {
    const { spec, out, dir } = scenario(...INSTANCE_TYPE);
    expect(run(['generate', spec, '--out', out]).code).toBe(0);
    const pipe = join(dir, 'state.pipe');
    mkfifo(pipe);
    expectRefused(run(['rollout', 'next', spec, '--out', out, '--state', pipe]), pipe, 'not a regular file');
    expectRefused(run(['rollout', 'next', spec, '--out', out, '--state', '/dev/zero']), '/dev/zero', 'not a regular file');
  });
});

describe('a committed *.tf.json with a deeply nested value', () => {
  it.each([['generate'], ['generate --check'], ['rollout status']])('%s refuses it naming the file', (command) => {
    const { spec, out } = scenario(...INSTANCE_TYPE);
    const file = join(out, 'network.tf.json');
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    const text = JSON.stringify(doc).replace(/^\{/, `{"locals":{"deep":${'['.repeat(DEEP)}${']'.repeat(DEEP)}},`);
    writeFileSync(file, text);
    const [first, ...rest] = command.split(' ');
    const args = first === 'rollout' ? ['rollout', ...rest, spec, '--out', out] : [first!, spec, '--out', out, ...rest];
    expectRefused(run(args), file, 'nested');
  });
});
