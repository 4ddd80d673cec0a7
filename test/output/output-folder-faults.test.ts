import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { deadPid } from '../helpers/processes.js';
import { hasStackTrace, REPO_ROOT, runCli, type CliResult } from '../helpers/run-cli.js';

const BIN = join(REPO_ROOT, 'bin/hakube.js');
const SPEC = join(REPO_ROOT, 'examples/myfirstcluster.yaml');
/** Mounts and immutable flags a test made, undone even when it fails. */
const undo: (() => void)[] = [];
const temps: string[] = [];

afterEach(() => {
  for (const step of undo.splice(0).reverse()) step();
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-out-faults-'));
  temps.push(dir);
  return dir;
}

function run(args: string[], cwd: string): CliResult {
  return runCli(args, cwd);
}

function runAsync(args: string[], cwd: string): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

function sh(command: string): void {
  const r = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr}`);
}

function mode(path: string): number {
  return lstatSync(path).mode & 0o777;
}

function generated(cwd: string, out = 'o'): string {
  const r = run(['generate', SPEC, '--out', out], cwd);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return join(cwd, out);
}

/** Everything beside the output folder other than the folder itself: locks, staging, backups. */
function besides(cwd: string, out = 'o'): string[] {
  return readdirSync(cwd).filter((n) => n !== out);
}

describe('the output folder under concurrent runs', () => {
  it('lets concurrent generate runs take turns: every one exits 0 or names the holder, and the CA is never lost', async () => {
    const cwd = tmp();
    const results = await Promise.all([1, 2, 3].map(() => runAsync(['generate', SPEC, '--out', 'o'], cwd)));
    for (const r of results) {
      expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
      if (r.code !== 0) {
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/being written by another hakube run \(process \d+ on /);
      }
    }
    expect(results.some((r) => r.code === 0)).toBe(true);
    const ca = readFileSync(join(cwd, 'o/pki/ca.key'));
    const again = run(['generate', SPEC, '--out', 'o'], cwd);
    expect(again.code).toBe(0);
    expect(readFileSync(join(cwd, 'o/pki/ca.key')).equals(ca)).toBe(true);
    expect(again.stdout).not.toMatch(/^\s+(created|changed|removed)\s/m);
    expect(besides(cwd)).toEqual([]);
  });

  it('waits briefly for a live lock holder, then exits 1 naming it; a lock whose process is gone is taken over', () => {
    const cwd = tmp();
    generated(cwd);
    const holder = spawn('sleep', ['60']);
    undo.push(() => holder.kill('SIGKILL'));
    const lock = join(cwd, '.o.hakube-lock');
    writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: hostname(), started: '2026-01-01T00:00:00.000Z' }));
    const started = Date.now();
    const refused = run(['generate', SPEC, '--out', 'o'], cwd);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`being written by another hakube run (process ${holder.pid} on ${hostname()}`);
    expect(refused.stderr).toContain(lock);
    expect(Date.now() - started).toBeGreaterThan(4_000);
    expect(hasStackTrace(refused.stderr)).toBe(false);
    const addUser = run(['add-user', SPEC, '--out', 'o', '--name', 'zed'], cwd);
    expect(addUser.code).toBe(1);
    expect(existsSync(join(cwd, 'o/users/zed'))).toBe(false);
    // The tutorial has no API name, so only `hakube kubeconfig` writes the admin kubeconfig: not while locked.
    const kubeconfig = run(['kubeconfig', SPEC, '--out', 'o', '--server', 'https://api.example.com:6443'], cwd);
    expect(kubeconfig.code).toBe(1);
    expect(kubeconfig.stderr).toContain('being written by another hakube run');
    expect(existsSync(join(cwd, 'o/pki/admin.kubeconfig'))).toBe(false);

    writeFileSync(lock, JSON.stringify({ pid: deadPid(), host: hostname(), started: '2026-01-01T00:00:00.000Z' }));
    expect(run(['generate', SPEC, '--out', 'o'], cwd).code).toBe(0);
    expect(besides(cwd)).toEqual([]);
  });

  it("recovers only leftovers whose process is gone, never a symlink, and puts a dead run's backup back", () => {
    const cwd = tmp();
    const out = generated(cwd);
    const ca = readFileSync(join(out, 'pki/ca.key'));
    const live = spawn('sleep', ['60']);
    undo.push(() => live.kill('SIGKILL'));
    const liveStaging = join(cwd, `.o.hakube-new-${live.pid}-0a0b0c0d`);
    mkdirSync(liveStaging);
    writeFileSync(join(liveStaging, 'mine'), 'in use');
    // A symlink at a backup name pointing at someone's folder: never adopted as the output, never emptied.
    const elsewhere = join(tmp(), 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'precious'), 'x');
    const dead = deadPid();
    symlinkSync(elsewhere, join(cwd, `.o.hakube-old-${dead}-01020304`));
    // The run died between its two renames: the output sits in its backup container.
    const backup = join(cwd, `.o.hakube-old-${dead}-0f0f0f0f`);
    mkdirSync(backup);
    writeFileSync(join(backup, '.gitignore'), '*\n');
    renameSync(out, join(backup, 'tree'));

    const r = run(['generate', SPEC, '--out', 'o'], cwd);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, 'pki/ca.key')).equals(ca)).toBe(true);
    expect(readFileSync(join(liveStaging, 'mine'), 'utf8')).toBe('in use');
    expect(readFileSync(join(elsewhere, 'precious'), 'utf8')).toBe('x');
    expect(besides(cwd).sort()).toEqual([`.o.hakube-new-${live.pid}-0a0b0c0d`, `.o.hakube-old-${dead}-01020304`].sort());
  });

  it('--dry-run and --check write nothing: no lock, no recovery, no staging', () => {
    const cwd = tmp();
    const out = generated(cwd);
    const backup = join(cwd, `.o.hakube-old-${deadPid()}-0f0f0f0f`);
    mkdirSync(backup);
    writeFileSync(join(backup, '.gitignore'), '*\n');
    renameSync(out, join(backup, 'tree'));
    const before = listFiles(cwd);
    for (const flag of ['--dry-run', '--check']) {
      const r = run(['generate', SPEC, '--out', 'o', flag], cwd);
      expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
      expect(listFiles(cwd)).toEqual(before);
    }
  });
});

describe('what generate removes', () => {
  it('never removes a file outside its own file set, whatever .hakube-files lists', () => {
    const cwd = tmp();
    const out = generated(cwd);
    const userFiles = ['terraform.tfstate', 'terraform.tfstate.backup', '.terraform.lock.hcl', '.terraform/providers/p', 'notes.md'];
    for (const f of userFiles) {
      mkdirSync(join(out, f, '..'), { recursive: true });
      writeFileSync(join(out, f), f);
    }
    writeFileSync(join(cwd, 'outside'), 'outside');
    writeFileSync(join(out, '.hakube-files'), `${readFileSync(join(out, '.hakube-files'), 'utf8')}${[...userFiles, '.terraform', '../outside', '/etc/hostname'].join('\n')}\n`);
    const r = run(['generate', SPEC, '--out', 'o'], cwd);
    expect(r.code).toBe(0);
    for (const f of userFiles) expect(readFileSync(join(out, f), 'utf8')).toBe(f);
    expect(readFileSync(join(cwd, 'outside'), 'utf8')).toBe('outside');
    expect(r.stdout).not.toContain('removed');
  });
});

/** Whether a key file exists under a staging folder (`.<name>.hakube-new-*`) in `dir`; folders may vanish meanwhile. */
function stagedKeyExists(dir: string, inStaging = false): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  return entries.some((e) => {
    const staging = inStaging || e.name.includes('.hakube-new-');
    if (e.isDirectory()) return stagedKeyExists(join(dir, e.name), staging);
    return staging && e.name.endsWith('.key');
  });
}

describe('key material and git', () => {
  it('never leaves a key addable to git, whenever generate is killed (kill -9 while it writes, and at random moments)', async () => {
    const repo = tmp();
    sh(`cd ${repo} && git init -q . && mkdir generated`);
    const shown: string[] = [];
    for (let i = 0; i < 16; i++) {
      const child = spawn(process.execPath, [BIN, 'generate', SPEC, '--out', `generated/c${i % 4}`], { cwd: repo, stdio: 'ignore' });
      const exited = new Promise((done) => child.on('close', done));
      const kill = () => child.kill('SIGKILL');
      // Half the runs are killed the moment a key file appears in their staging folder. Polled, not fs.watch:
      // Node 20's recursive watcher throws an uncaught ENOENT when a watched folder vanishes, as staging does.
      const poll = i % 2 === 0 ? setInterval(() => stagedKeyExists(join(repo, 'generated')) && kill(), 2) : undefined;
      const timer = i % 2 === 1 ? setTimeout(kill, 400 + Math.floor(Math.random() * 2500)) : undefined;
      await exited;
      clearTimeout(timer);
      clearInterval(poll);
      const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: repo, encoding: 'utf8' }).stdout;
      shown.push(...status.split('\n').filter((l) => /\.key$|pki\/|users\/|kubeconfig/.test(l)));
    }
    expect(shown).toEqual([]);
    // Every folder is usable afterwards and ends complete.
    for (let i = 0; i < 4; i++) expect(run(['generate', SPEC, '--out', `generated/c${i}`], repo).code).toBe(0);
    expect(readdirSync(join(repo, 'generated')).sort()).toEqual(['c0', 'c1', 'c2', 'c3']);
  });
});

describe('add-user killed', () => {
  it('leaves a user folder complete or absent, whenever add-user is killed (kill -9 as its files appear, and at random moments)', async () => {
    const cwd = tmp();
    const out = generated(cwd);
    const users = join(out, 'users');
    const complete: string[] = [];
    for (let i = 0; i < 10; i++) {
      const name = `u${i}`;
      const child = spawn(process.execPath, [BIN, 'add-user', SPEC, '--out', 'o', '--name', name], { cwd, stdio: 'ignore' });
      const exited = new Promise((done) => child.on('close', done));
      const kill = () => child.kill('SIGKILL');
      // Half the runs are killed once a file of the new user exists anywhere under users/ (staging included).
      const appeared = () => readdirSync(users).some((n) => n.includes(name) && readdirSync(join(users, n)).length > 0);
      const poll = i % 2 === 0 ? setInterval(() => { try { if (appeared()) kill(); } catch { /* a folder vanished meanwhile */ } }, 2) : undefined;
      const timer = i % 2 === 1 ? setTimeout(kill, 100 + Math.floor(Math.random() * 900)) : undefined;
      await exited;
      clearTimeout(timer);
      clearInterval(poll);
      const folder = join(users, name);
      if (existsSync(folder)) {
        expect(readdirSync(folder).sort(), name).toEqual([`${name}.crt`, `${name}.key`]);
        complete.push(name);
      }
    }
    // Whatever was killed when, the folder stays usable: generate reads every user's key and certificate.
    expect(run(['generate', SPEC, '--out', 'o'], cwd).code).toBe(0);
    // A user whose add-user was killed can be added again.
    const again = ['u0', 'u1', 'u2'].find((u) => !complete.includes(u));
    if (again) expect(run(['add-user', SPEC, '--out', 'o', '--name', again], cwd).code).toBe(0);
  });
});

describe('modes whatever the umask', () => {
  it('writes folders holding keys 0700, keys 0600, other files 0644 and other folders 0755 under umask 000', () => {
    const cwd = tmp();
    sh(`cd ${cwd} && umask 000 && node ${BIN} generate ${SPEC} --out gen/o >/dev/null && node ${BIN} add-user ${SPEC} --out gen/o --name zed >/dev/null`);
    const out = join(cwd, 'gen/o');
    expect(mode(join(cwd, 'gen'))).toBe(0o755);
    expect(mode(out)).toBe(0o755);
    for (const rel of listFiles(out)) {
      const path = join(out, rel);
      const folder = rel.split('/').slice(0, -1);
      for (let i = 1; i <= folder.length; i++) {
        const sub = folder.slice(0, i).join('/');
        expect([sub, mode(join(out, sub))]).toEqual([sub, sub.startsWith('pki') || sub.startsWith('users') ? 0o700 : 0o755]);
      }
      const secret = rel.endsWith('.key') || rel.startsWith('pki/secrets/') || rel.endsWith('kubeconfig');
      expect([rel, mode(path)]).toEqual([rel, secret ? 0o600 : 0o644]);
    }
    expect(mode(join(out, 'users/zed'))).toBe(0o700);
  });
});

describe('symlinks and temporary files', () => {
  it('add-user refuses a symlinked users/<name> folder and writes nothing through it', () => {
    const cwd = tmp();
    const out = generated(cwd);
    const elsewhere = join(tmp(), 'elsewhere');
    mkdirSync(elsewhere);
    mkdirSync(join(out, 'users'), { recursive: true });
    symlinkSync(elsewhere, join(out, 'users/zed'));
    const r = run(['add-user', SPEC, '--out', 'o', '--name', 'zed'], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(join('o', 'users/zed'));
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('refuses a symlinked pki/ca.key, naming it', () => {
    const cwd = tmp();
    const out = generated(cwd);
    const moved = join(tmp(), 'ca.key');
    renameSync(join(out, 'pki/ca.key'), moved);
    symlinkSync(moved, join(out, 'pki/ca.key'));
    const r = run(['generate', SPEC, '--out', 'o'], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/HK420: pki\/ca\.key is a symbolic link/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});

describe('file-system faults end in a clean error', () => {
  it('writes a folder with a 240-character name', () => {
    const cwd = tmp();
    const name = 'x'.repeat(240);
    const r = run(['generate', SPEC, '--out', name], cwd);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(join(cwd, name, 'pki/ca.key'))).toBe(true);
    expect(besides(cwd, name)).toEqual([]);
  });

  it('refuses HA-REPORT.md being a folder, naming it, and changes nothing (with or without an earlier output)', () => {
    const cwd = tmp();
    const out = generated(cwd);
    rmSync(join(out, 'HA-REPORT.md'));
    mkdirSync(join(out, 'HA-REPORT.md'));
    mkdirSync(join(cwd, 'fresh/HA-REPORT.md'), { recursive: true });
    const before = listFiles(cwd);
    for (const folder of ['o', 'fresh']) {
      const r = run(['generate', SPEC, '--out', folder], cwd);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(join(folder, 'HA-REPORT.md'));
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
    expect(listFiles(cwd)).toEqual(before);
    expect(readdirSync(join(cwd, 'fresh'))).toEqual(['HA-REPORT.md']);
  });

  it('on a read-only file system, generate and add-user exit 1 naming the path and change nothing', () => {
    const cwd = tmp();
    const out = generated(cwd);
    // A file that is not what hakube wrote: generate replaces it (--overwrite-edits), so it must write.
    writeFileSync(join(out, 'HA-REPORT.md'), 'stale');
    sh(`mount --bind ${cwd} ${cwd} && mount -o remount,bind,ro ${cwd}`);
    undo.push(() => sh(`umount ${cwd}`));
    const before = listFiles(cwd);
    for (const args of [['generate', SPEC, '--out', 'o', '--overwrite-edits'], ['add-user', SPEC, '--out', 'o', '--name', 'zed']]) {
      const r = run(args, cwd);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/read-only file system \(EROFS\)/);
      expect(r.stderr).toContain(cwd);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
    expect(listFiles(cwd)).toEqual(before);
  });

  it('add-user on a full disk leaves no key without its certificate, and generate works afterwards', () => {
    const cwd = tmp();
    const disk = join(cwd, 'disk');
    mkdirSync(disk);
    sh(`mount -t tmpfs -o size=2m tmpfs ${disk}`);
    undo.push(() => sh(`umount ${disk}`));
    cpSync(generated(cwd), join(disk, 'o'), { recursive: true });
    let leftKey = false;
    // Leave exactly n free pages, so that the run fails at each of its writes in turn.
    for (let free = 0; free < 4; free++) {
      sh(`cd ${disk} && rm -f fill gap && head -c ${4096 * free} /dev/zero > gap && (head -c 2000000 /dev/zero > fill 2>/dev/null || true) && rm gap`);
      const r = run(['add-user', SPEC, '--out', 'o', '--name', 'zed'], disk);
      expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
      const key = existsSync(join(disk, 'o/users/zed/zed.key'));
      const cert = existsSync(join(disk, 'o/users/zed/zed.crt'));
      expect(key).toBe(cert);
      if (r.code !== 0) expect(r.stderr).toMatch(/no space left on device \(ENOSPC\)/);
      leftKey ||= key;
      if (key) break;
    }
    sh(`rm -f ${disk}/fill`);
    const regenerated = run(['generate', SPEC, '--out', 'o'], disk);
    expect(regenerated.code, regenerated.stderr).toBe(0);
    expect(leftKey || run(['add-user', SPEC, '--out', 'o', '--name', 'zed'], disk).code === 0).toBe(true);
  });

  it('chattr +i pki: exit 1 naming it, nothing changed; once removed, every later run works', () => {
    const cwd = tmp();
    const out = generated(cwd);
    writeFileSync(join(out, 'HA-REPORT.md'), 'stale');
    sh(`chattr +i ${join(out, 'pki')}`);
    undo.push(() => sh(`chattr -i ${join(out, 'pki')}`));
    const before = listFiles(cwd);
    const r = run(['generate', SPEC, '--out', 'o', '--overwrite-edits'], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(join(out, 'pki'));
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(listFiles(cwd)).toEqual(before);
    sh(`chattr -i ${join(out, 'pki')}`);
    expect(run(['generate', SPEC, '--out', 'o', '--overwrite-edits'], cwd).code).toBe(0);
    expect(readFileSync(join(out, 'HA-REPORT.md'), 'utf8')).not.toBe('stale');
    expect(run(['generate', SPEC, '--out', 'o'], cwd).code).toBe(0);
    expect(besides(cwd)).toEqual([]);
    expect(statSync(join(out, 'pki')).isDirectory()).toBe(true);
  });
});

describe('--out', () => {
  it("refuses --out '' as a usage error for every command that takes it", () => {
    for (const args of [['generate', SPEC], ['add-user', SPEC, '--name', 'zed'], ['validate', SPEC], ['kubeconfig', SPEC]]) {
      const r = run([...args, '--out', ''], tmp());
      expect([args[0], r.code]).toEqual([args[0], 2]);
      expect(r.stderr).toContain('--out needs a folder name');
    }
  });
});
