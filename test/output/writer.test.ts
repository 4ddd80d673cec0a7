import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_FILE, recoverInterruptedSwap, writeOutput } from '../../src/output/writer.js';
import { isLocalOnly, LOCAL_MANIFEST_FILE } from '../../src/output/owned-files.js';
import { deadPid } from '../helpers/processes.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

function freshDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'hakube-writer-')), 'out');
}

describe('atomic output writer', () => {
  it('creates the folder with modes and a manifest, and reports what it created', () => {
    const out = freshDir();
    const report = writeOutput(out, [
      { path: 'main.tf.json', content: '{}\n' },
      { path: 'pki/ca.key', content: 'k', mode: 0o600 },
    ]);
    expect(report.created.sort()).toEqual(['main.tf.json', 'pki/ca.key']);
    expect(statSync(join(out, 'pki/ca.key')).mode & 0o777).toBe(0o600);
    // The committed manifest names only committed files; pki/ holds the list of the local-only ones.
    // With the sha256 of what it wrote (sha256sum format), so hand edits are caught.
    expect(readFileSync(join(out, MANIFEST_FILE), 'utf8')).toBe(`${createHash('sha256').update('{}\n').digest('hex')}  main.tf.json\n`);
    expect(readFileSync(join(out, LOCAL_MANIFEST_FILE), 'utf8')).toBe('pki/ca.key\n');
  });

  it('still removes a stale local-only file that an earlier version listed in the committed manifest', () => {
    const out = freshDir();
    writeOutput(out, [{ path: 'main.tf.json', content: '{}\n' }, { path: 'users/bob/kubeconfig', content: 'k', mode: 0o600 }]);
    rmSync(join(out, LOCAL_MANIFEST_FILE));
    writeFileSync(join(out, MANIFEST_FILE), 'main.tf.json\nusers/bob/kubeconfig\n');
    const report = writeOutput(out, [{ path: 'main.tf.json', content: '{}\n' }]);
    expect(report.removed).toEqual(['users/bob/kubeconfig']);
    expect(existsSync(join(out, 'users/bob/kubeconfig'))).toBe(false);
    expect(existsSync(join(out, LOCAL_MANIFEST_FILE))).toBe(false);
  });

  it('counts as local-only exactly the paths the output .gitignore keeps out of git', () => {
    const paths = ['pki/ca.key', 'pki/admin.kubeconfig', 'users/bob/kubeconfig', 'kubeconfig', 'main.tf.json', 'HA-REPORT.md', '.gitignore', 'cloud-init/control-plane-1.yaml', 'addons/storage-class.yaml'];
    const dir = mkdtempSync(join(tmpdir(), 'hakube-gitignore-'));
    // The .gitignore generate writes, as the golden test holds it.
    writeFileSync(join(dir, '.gitignore'), readFileSync(join(REPO_ROOT, 'generated/myfirstcluster.k8s.local/.gitignore')));
    expect(spawnSync('git', ['init', '-q', dir]).status).toBe(0);
    const ignored = spawnSync('git', ['check-ignore', '--no-index', ...paths], { cwd: dir, encoding: 'utf8' }).stdout.split('\n').filter((l) => l !== '');
    expect(paths.filter(isLocalOnly)).toEqual(ignored);
  });

  it('touches nothing when nothing changed', () => {
    const out = freshDir();
    const files = [{ path: 'a.tf.json', content: '1' }];
    writeOutput(out, files);
    const before = statSync(join(out, 'a.tf.json')).ino;
    const report = writeOutput(out, files);
    expect(report.unchanged).toEqual(['a.tf.json']);
    expect(report.changed).toEqual([]);
    expect(statSync(join(out, 'a.tf.json')).ino).toBe(before);
  });

  it('keeps files it does not own (Terraform state, .terraform/) and removes its own stale files', () => {
    const out = freshDir();
    writeOutput(out, [
      { path: 'a.tf.json', content: '1' },
      { path: 'old.tf.json', content: 'x' },
    ]);
    writeFileSync(join(out, 'terraform.tfstate'), 'STATE');
    mkdirSync(join(out, '.terraform/providers'), { recursive: true });
    writeFileSync(join(out, '.terraform/providers/p'), 'P');
    const report = writeOutput(out, [{ path: 'a.tf.json', content: '2' }]);
    expect(report.changed).toEqual(['a.tf.json']);
    expect(report.removed).toEqual(['old.tf.json']);
    expect(readFileSync(join(out, 'terraform.tfstate'), 'utf8')).toBe('STATE');
    expect(readFileSync(join(out, '.terraform/providers/p'), 'utf8')).toBe('P');
    expect(existsSync(join(out, 'old.tf.json'))).toBe(false);
    expect(readdirSync(join(out, '..')).filter((n) => n.includes('hakube-'))).toEqual([]);
  });

  it('refuses to replace key material and leaves the previous output as it was', () => {
    const out = freshDir();
    writeOutput(out, [
      { path: 'a.tf.json', content: '1' },
      { path: 'pki/ca.key', content: 'KEY1', mode: 0o600 },
    ]);
    expect(() =>
      writeOutput(out, [
        { path: 'a.tf.json', content: '2' },
        { path: 'pki/ca.key', content: 'KEY2', mode: 0o600 },
      ]),
    ).toThrow(/refusing to replace existing key material/);
    expect(readFileSync(join(out, 'a.tf.json'), 'utf8')).toBe('1');
    expect(readFileSync(join(out, 'pki/ca.key'), 'utf8')).toBe('KEY1');
  });

  it('recovers the previous output when an earlier run (of an older hakube: no container folder) died between its two renames', () => {
    const out = freshDir();
    writeOutput(out, [{ path: 'a.tf.json', content: '1' }]);
    renameSync(out, join(out, '..', `.out.hakube-old-${deadPid()}`));
    recoverInterruptedSwap(out);
    const report = writeOutput(out, [{ path: 'a.tf.json', content: '1' }]);
    expect(report.unchanged).toEqual(['a.tf.json']);
    expect(readdirSync(join(out, '..'))).toEqual(['out']);
  });
});
