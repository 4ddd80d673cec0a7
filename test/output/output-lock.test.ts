import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasStackTrace, REPO_ROOT, runCli, type CliResult } from '../helpers/run-cli.js';

const SPEC = join(REPO_ROOT, 'examples/myfirstcluster.yaml');
/** Far above the lock's 5 s wait: a run killed at this point hung. */
const HANG_MS = 20_000;
const temps: string[] = [];

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-lock-'));
  temps.push(dir);
  return dir;
}

function generate(cwd: string): CliResult & { ms: number } {
  const started = Date.now();
  const r = runCli(['generate', SPEC, '--out', 'o'], cwd, {}, HANG_MS);
  return { ...r, ms: Date.now() - started };
}

function expectRefused(r: CliResult & { ms: number }, lock: string): void {
  expect(r.code, `${r.stderr} (after ${r.ms} ms)`).toBe(1);
  expect(r.stderr).toContain(lock);
  expect(r.stderr).toContain('remove it');
  expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
  // Refused at once, not after waiting for a holder that does not exist.
  expect(r.ms).toBeLessThan(4_000);
}

describe('a lock path that is not a lock file', () => {
  it('a dangling symbolic link is refused at once naming it, neither followed nor waited on', () => {
    const cwd = tmp();
    const lock = join(cwd, '.o.hakube-lock');
    const target = join(cwd, 'nowhere');
    symlinkSync(target, lock);
    expectRefused(generate(cwd), lock);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(join(cwd, 'o'))).toBe(false);
    expect(lstatSync(lock).isSymbolicLink()).toBe(true);
  });

  it('a symbolic link to a file is refused, and the file it points at is left alone', () => {
    const cwd = tmp();
    const lock = join(cwd, '.o.hakube-lock');
    const target = join(cwd, 'precious');
    writeFileSync(target, 'mine');
    symlinkSync(target, lock);
    expectRefused(generate(cwd), lock);
    expect(lstatSync(lock).isSymbolicLink()).toBe(true);
  });

  it('a FIFO is refused without blocking on it', () => {
    const cwd = tmp();
    const lock = join(cwd, '.o.hakube-lock');
    const made = spawnSync('mkfifo', [lock], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    expectRefused(generate(cwd), lock);
    expect(lstatSync(lock).isFIFO()).toBe(true);
  });

  it('a folder is refused naming it', () => {
    const cwd = tmp();
    const lock = join(cwd, '.o.hakube-lock');
    mkdirSync(lock);
    expectRefused(generate(cwd), lock);
    expect(lstatSync(lock).isDirectory()).toBe(true);
  });
});
