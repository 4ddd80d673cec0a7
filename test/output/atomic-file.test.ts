import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/output/atomic-file.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-atomic-'));
  temps.push(dir);
  return dir;
}

describe('writeFileAtomic', () => {
  it('never writes through a symlink planted at a temporary name, and gives the file its mode', () => {
    const dir = tmp();
    const folder = join(dir, 'users/zed');
    mkdirSync(folder, { recursive: true });
    const outside = join(dir, 'outside');
    writeFileSync(outside, 'NOT YOURS');
    // Every name a predictable temporary could take in this process.
    for (const name of [`.zed.key.${process.pid}.tmp`, `.zed.key.tmp`]) symlinkSync(outside, join(folder, name));
    writeFileAtomic(join(folder, 'zed.key'), 'KEY', { mode: 0o600, exclusive: true });
    expect(readFileSync(outside, 'utf8')).toBe('NOT YOURS');
    expect(statSync(outside).mode & 0o777).not.toBe(0o600);
    expect(readFileSync(join(folder, 'zed.key'), 'utf8')).toBe('KEY');
    expect(lstatSync(join(folder, 'zed.key')).isFile()).toBe(true);
    expect(statSync(join(folder, 'zed.key')).mode & 0o777).toBe(0o600);
    expect(readdirSync(folder).sort()).toEqual([`.zed.key.${process.pid}.tmp`, '.zed.key.tmp', 'zed.key'].sort());
  });

  it('refuses to replace an existing key (EEXIST) and leaves no temporary behind', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.key'), 'OLD');
    expect(() => writeFileAtomic(join(dir, 'a.key'), 'NEW', { mode: 0o600, exclusive: true })).toThrow(/EEXIST/);
    expect(readFileSync(join(dir, 'a.key'), 'utf8')).toBe('OLD');
    expect(readdirSync(dir)).toEqual(['a.key']);
  });
});
