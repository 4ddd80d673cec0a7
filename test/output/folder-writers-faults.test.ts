import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listFiles, snapshotFiles } from '../helpers/files.js';
import { faultTemp, fillDiskLeaving, makeImmutable, mountReadOnly, mountSmallDisk, undoFaults } from '../helpers/fs-faults.js';
import { hasStackTrace, REPO_ROOT, runCli, type CliResult } from '../helpers/run-cli.js';

const BIN = join(REPO_ROOT, 'bin/hakube.js');
const SPEC = join(REPO_ROOT, 'examples/myfirstcluster.yaml');
const SNAPSHOT = 'etcd-backups/20261202T033000Z-control-plane-2-rev1234.db';
/** Renews every leaf, whatever its age: the validity is far shorter. */
const RENEW_ALL = ['--within', '36500'];

afterEach(undoFaults);

function generated(cwd: string, out = 'o'): string {
  const r = runCli(['generate', SPEC, '--out', out], cwd);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return join(cwd, out);
}

/** hakube's temporary files and staging or backup folders, anywhere under `dir`. */
function leftovers(dir: string): string[] {
  return listFiles(dir).filter((f) => /(^|\/)\.[^/]+\.[0-9a-f]{12}\.tmp$/.test(f) || /\.hakube-(new|old|lock)/.test(f));
}

/** Exit 1 with one error line, no stack trace. */
function expectCleanFailure(r: CliResult, what: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
  expect(r.stderr).toMatch(what);
}

function runAsync(args: string[], cwd: string): { pid: number; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return { pid: child.pid as number, done };
}

/** Waits (polling the file system, no time limit of its own) until `pid` holds the lock, or `done` settles first. */
async function lockHeldBy(lock: string, pid: number, done: Promise<unknown>): Promise<boolean> {
  let finished = false;
  void done.then(() => (finished = true));
  for (;;) {
    try {
      if ((JSON.parse(readFileSync(lock, 'utf8')) as { pid?: number }).pid === pid) return true;
    } catch {
      // Not there yet, or caught between its creation and its write.
    }
    if (finished) return false;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function serialOnDisk(path: string): string {
  const { X509Certificate } = require('node:crypto') as typeof import('node:crypto');
  return new X509Certificate(readFileSync(path)).serialNumber.toLowerCase();
}

describe('certs renew and the folder lock', () => {
  it('writes nothing while another run holds the lock: exit 1 naming the holder, every file as it was', () => {
    const cwd = faultTemp();
    const out = generated(cwd);
    const holder = spawn('sleep', ['60']);
    try {
      writeFileSync(join(cwd, '.o.hakube-lock'), JSON.stringify({ pid: holder.pid, host: hostname(), started: '2026-01-01T00:00:00.000Z' }));
      const before = snapshotFiles(out);
      const r = runCli(['certs', 'renew', SPEC, '--out', 'o', ...RENEW_ALL], cwd);
      expectCleanFailure(r, new RegExp(`being written by another hakube run \\(process ${holder.pid} on `));
      expect(snapshotFiles(out)).toEqual(before);
      expect(leftovers(out)).toEqual([]);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('holds the lock across all its writes: a generate started meanwhile waits for it, and the renewal stays on disk', async () => {
    const cwd = faultTemp();
    generated(cwd);
    const renew = runAsync(['certs', 'renew', SPEC, '--out', 'o', ...RENEW_ALL, '-o', 'json'], cwd);
    const held = await lockHeldBy(join(cwd, '.o.hakube-lock'), renew.pid, renew.done);
    const generate = held ? runAsync(['generate', SPEC, '--out', 'o'], cwd).done : undefined;
    const renewed = await renew.done;
    expect(held, 'certs renew never held the lock').toBe(true);
    expect(renewed.code, renewed.stderr).toBe(0);
    const other = await generate;
    expect(hasStackTrace(other?.stderr ?? ''), other?.stderr).toBe(false);
    // It ran after renew, or gave up naming the holder: never in between.
    if (other?.code !== 0) expect(other?.stderr).toContain(`process ${renew.pid} on `);
    const { renewed: list } = JSON.parse(renewed.stdout) as { renewed: { path: string; newSerial: string }[] };
    expect(list.length).toBeGreaterThan(10);
    const manifest = readFileSync(join(cwd, 'o/pki/manifest.json'), 'utf8').toLowerCase();
    for (const c of list) {
      expect([c.path, serialOnDisk(join(cwd, 'o', c.path))]).toEqual([c.path, c.newSerial.toLowerCase()]);
      expect(manifest).toContain(c.newSerial.toLowerCase());
    }
    expect(leftovers(cwd)).toEqual([]);
  });
});

describe('file-system faults in certs renew, add-user and etcd restore', () => {
  it('certs renew on a read-only folder: exit 1 naming it, no stack trace, nothing changed', () => {
    const cwd = faultTemp();
    const out = generated(cwd);
    const before = snapshotFiles(cwd);
    mountReadOnly(cwd);
    const r = runCli(['certs', 'renew', SPEC, '--out', 'o', ...RENEW_ALL], cwd);
    expectCleanFailure(r, /read-only file system \(EROFS\)/);
    expect(r.stderr).toContain(out);
    expect(snapshotFiles(cwd)).toEqual(before);
  });

  it('add-user with an immutable users/ folder: exit 1 naming it, no stack trace, no staging or temporary file', () => {
    const cwd = faultTemp();
    const out = generated(cwd);
    makeImmutable(join(out, 'users'));
    const r = runCli(['add-user', SPEC, '--out', 'o', '--name', 'zed'], cwd);
    expectCleanFailure(r, /operation not permitted \(EPERM\)/);
    expect(r.stderr).toContain(join('o', 'users'));
    expect(leftovers(cwd)).toEqual([]);
  });

  it('etcd restore --dir on a read-only folder: exit 1 naming the path, no stack trace', () => {
    const cwd = faultTemp();
    mkdirSync(join(cwd, 'r'));
    mountReadOnly(join(cwd, 'r'));
    const r = runCli(['etcd', 'restore', SPEC, '--snapshot', SNAPSHOT, '--dir', 'r/procedure'], cwd);
    expectCleanFailure(r, /read-only file system \(EROFS\)/);
    expect(r.stderr).toContain(join('r', 'procedure'));
  });

  it('etcd restore --dir on a full disk: exit 1 naming the file, no stack trace, no temporary file left', () => {
    const cwd = faultTemp();
    const disk = join(cwd, 'disk');
    mkdirSync(disk);
    mountSmallDisk(disk, 1024 * 1024);
    fillDiskLeaving(disk, 0);
    const r = runCli(['etcd', 'restore', SPEC, '--snapshot', SNAPSHOT, '--dir', 'r', '--force'], disk);
    expectCleanFailure(r, /no space left on device \(ENOSPC\)/);
    expect(r.stderr).toContain(join('r', 'README.md'));
    expect(leftovers(disk)).toEqual([]);
  });

  it('certs renew on a full disk: exit 1, no stack trace, no temporary file, every certificate and key as it was', () => {
    const cwd = faultTemp();
    const disk = join(cwd, 'disk');
    mkdirSync(disk);
    mountSmallDisk(disk, 8 * 1024 * 1024);
    const out = generated(disk);
    const before = snapshotFiles(out);
    fillDiskLeaving(disk, 2);
    const r = runCli(['certs', 'renew', SPEC, '--out', 'o', ...RENEW_ALL], disk);
    expectCleanFailure(r, /no space left on device \(ENOSPC\)/);
    expect(snapshotFiles(out)).toEqual(before);
    expect(leftovers(disk)).toEqual([]);
    expect(existsSync(join(out, 'pki/ca.key'))).toBe(true);
  });
});
