import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasStackTrace, runCli, type CliResult } from '../helpers/run-cli.js';

const SPEC = 'examples/myfirstcluster.yaml';
const INIT = ['init', '--name', 'x.k8s.local', '--zones', 'us-west-2a,us-west-2b,us-west-2c', '--force', '-o'];
/** A write that blocked on a FIFO is killed here and fails its test. */
const HANG_MS = 20_000;
const temps: string[] = [];

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-named-'));
  temps.push(dir);
  return dir;
}

function fifo(path: string): string {
  const made = spawnSync('mkfifo', [path], { encoding: 'utf8' });
  expect(made.status, made.stderr).toBe(0);
  return path;
}

function expectRefused(r: CliResult, path: string): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain(path);
  expect(r.stderr).toContain('not a regular file');
  expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
}

describe('-o FILE --force is never a FIFO, socket or device', () => {
  it('kubeconfig -o and init -o refuse a FIFO, leaving it in place', () => {
    const dir = tmp();
    const out = join(dir, 'out');
    expect(runCli(['generate', SPEC, '--out', out]).code).toBe(0);
    const pipe = fifo(join(dir, 'pipe'));
    const server = ['--server', 'https://api.example.com:6443'];
    expectRefused(runCli(['kubeconfig', SPEC, '--out', out, ...server, '-o', pipe, '--force'], undefined, {}, HANG_MS), pipe);
    expect(lstatSync(pipe).isFIFO()).toBe(true);
    expectRefused(runCli([...INIT, pipe], undefined, {}, HANG_MS), pipe);
    expect(lstatSync(pipe).isFIFO()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['out', 'pipe']);
  });

  it('init -o /dev/null --force leaves /dev/null a character device', () => {
    const before = lstatSync('/dev/null');
    const devEntries = readdirSync('/dev').sort();
    expectRefused(runCli([...INIT, '/dev/null'], undefined, {}, HANG_MS), '/dev/null');
    const after = lstatSync('/dev/null');
    expect(after.isCharacterDevice()).toBe(true);
    expect([after.ino, after.rdev]).toEqual([before.ino, before.rdev]);
    expect(readdirSync('/dev').sort()).toEqual(devEntries);
  });

  it('a symbolic link at -o is replaced with --force, never written through', () => {
    const dir = tmp();
    const target = join(dir, 'theirs');
    writeFileSync(target, 'theirs\n');
    const link = join(dir, 'spec.yaml');
    symlinkSync(target, link);
    const r = runCli([...INIT, link]);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(link).isFile()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('theirs\n');
  });
});
