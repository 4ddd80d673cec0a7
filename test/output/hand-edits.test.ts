import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { hasStackTrace, REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { tempDir, TUTORIAL } from '../pki/helpers.js';

const OUT = 'generated/myfirstcluster.k8s.local';
const MEMBERS = [1, 2, 3].map((n) => `cloud-init/control-plane-${n}.yaml`);

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=hakube test', '-c', 'user.email=test@example.com', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Every file of the working copy (outside .git/) with the sha256 of its bytes: equal before and after means nothing was written. */
function contentListing(dir: string): Map<string, string> {
  return new Map(
    listFiles(dir)
      .filter((f) => !f.startsWith('.git/'))
      .map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]),
  );
}

function bumpPatch(repo: string): void {
  const spec = join(repo, 'cluster.yaml');
  const text = readFileSync(spec, 'utf8');
  if (!text.includes('kubernetesVersion: 1.34.2')) throw new Error('fixture changed: the tutorial no longer runs 1.34.2');
  writeFileSync(spec, text.replace('kubernetesVersion: 1.34.2', 'kubernetesVersion: 1.34.3'));
}

function expectRefused(r: ReturnType<typeof runCli>, files: string[]): void {
  expect(r.code, r.stderr).toBe(1);
  expect(hasStackTrace(r.stderr)).toBe(false);
  expect(r.stderr).toContain(`differ from what hakube last wrote there (edited by hand, or changed outside hakube): ${files.join(', ')}`);
  expect(r.stderr).toContain('Nothing was written.');
}

/**
 * Issue 21, item 5: hakube records the hash of every committed file it writes (.hakube-files), and refuses to carry
 * a hand edit into a rollout as if it had been applied. Every case runs in a real git repository.
 */
describe('hand edits of generated files', () => {
  let repo: string;
  const out = () => join(repo, OUT);

  beforeEach(() => {
    repo = join(tempDir('hakube-edits-'), 'repo');
    execFileSync('mkdir', ['-p', repo]);
    git(repo, 'init', '--quiet');
    copyFileSync(join(REPO_ROOT, TUTORIAL), join(repo, 'cluster.yaml'));
    const first = runCli(['generate', 'cluster.yaml'], repo);
    expect(first.code, first.stderr).toBe(0);
    git(repo, 'add', '-A');
    git(repo, 'commit', '--quiet', '-m', 'applied');
  });

  it('the record is sha256sum format: sha256sum -c checks the committed folder', () => {
    expect(execFileSync('sha256sum', ['-c', '--quiet', '.hakube-files'], { cwd: out(), encoding: 'utf8' })).toBe('');
  });

  it('every member edited by hand and a version bump: refused, even with --overwrite-edits, and nothing is written', () => {
    for (const m of MEMBERS) appendFileSync(join(out(), m), '# tuned by hand\n');
    bumpPatch(repo);
    const before = contentListing(repo);
    const r = runCli(['generate', 'cluster.yaml'], repo);
    expectRefused(r, MEMBERS);
    expect(r.stderr).toContain(`holds ${MEMBERS[1]}, ${MEMBERS[2]} back`);
    expect(contentListing(repo)).toEqual(before);
    const forced = runCli(['generate', 'cluster.yaml', '--overwrite-edits'], repo);
    expect(forced.code, forced.stderr).toBe(1);
    expect(forced.stderr).toContain(`holds ${MEMBERS[1]}, ${MEMBERS[2]} back`);
    expect(contentListing(repo)).toEqual(before);
  });

  it('restored from git, the same bump changes one member against the applied commit', () => {
    for (const m of MEMBERS) appendFileSync(join(out(), m), '# tuned by hand\n');
    bumpPatch(repo);
    expect(runCli(['generate', 'cluster.yaml'], repo).code).toBe(1);
    git(repo, 'checkout', '--', OUT);
    const r = runCli(['generate', 'cluster.yaml'], repo);
    expect(r.code, r.stderr).toBe(0);
    const changed = git(repo, 'diff', '--name-only', 'HEAD', '--', OUT).split('\n').filter(Boolean);
    expect(changed.filter((f) => MEMBERS.some((m) => f.endsWith(m)))).toEqual([`${OUT}/${MEMBERS[0]}`]);
  });

  it('a hand edit with no rollout: refused naming the file; --overwrite-edits puts back what the spec gives', () => {
    const workers = join(out(), 'workers.tf.json');
    const applied = readFileSync(workers, 'utf8');
    writeFileSync(workers, applied.replace('"max_size": 2', '"max_size": 20'));
    const before = contentListing(repo);
    expectRefused(runCli(['generate', 'cluster.yaml'], repo), ['workers.tf.json']);
    expect(runCli(['generate', 'cluster.yaml', '--dry-run'], repo).code).toBe(1);
    expect(contentListing(repo)).toEqual(before);
    const forced = runCli(['generate', 'cluster.yaml', '--overwrite-edits'], repo);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(workers, 'utf8')).toBe(applied);
  });

  it('generate --check names a held member edited by hand, which would otherwise look up to date', () => {
    bumpPatch(repo);
    expect(runCli(['generate', 'cluster.yaml'], repo).code).toBe(0);
    expect(runCli(['generate', 'cluster.yaml', '--check'], repo).code).toBe(0);
    appendFileSync(join(out(), MEMBERS[2]!), '# tuned by hand\n');
    const r = runCli(['generate', 'cluster.yaml', '--check'], repo);
    expect(r.code).toBe(1);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr).toContain(`(edited by hand, or changed outside hakube): ${MEMBERS[2]}`);
    const next = runCli(['rollout', 'next', 'cluster.yaml', '--state', join(repo, 'none.json')], repo);
    expect(next.code).toBe(1);
  });

  it('a held member file removed by hand is refused even with --overwrite-edits', () => {
    bumpPatch(repo);
    expect(runCli(['generate', 'cluster.yaml'], repo).code).toBe(0);
    rmSync(join(out(), MEMBERS[1]!));
    const before = contentListing(repo);
    const r = runCli(['generate', 'cluster.yaml', '--overwrite-edits'], repo);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`holds ${MEMBERS[1]} back`);
    expect(contentListing(repo)).toEqual(before);
  });

  it('a record without hashes (an older hakube) records no edit, and the next generate adds them', () => {
    const manifest = join(out(), '.hakube-files');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^[0-9a-f]{64} {2}/gm, ''));
    appendFileSync(join(out(), 'HA-REPORT.md'), 'note\n');
    const r = runCli(['generate', 'cluster.yaml'], repo);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(manifest, 'utf8')).toMatch(/^[0-9a-f]{64} {2}HA-REPORT\.md$/m);
  });
});
