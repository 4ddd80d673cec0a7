import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_FILE, recoverInterruptedSwap, writeOutput } from '../../src/output/writer.js';
import { deadPid } from '../helpers/processes.js';

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
    expect(readFileSync(join(out, MANIFEST_FILE), 'utf8')).toBe('main.tf.json\npki/ca.key\n');
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
