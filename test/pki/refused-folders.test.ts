import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../helpers/run-cli.js';
import { listFiles } from '../helpers/files.js';
import { tempDir } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('folders generate refuses to build on', () => {
  it('HK443: generating cluster B into cluster A\'s folder is refused, naming both clusters and the folder; nothing changes', () => {
    const out = join(tempDir('hakube-folder-cluster-'), 'out');
    dirs.push(join(out, '..'));
    const first = runCli(['generate', 'examples/myfirstcluster.yaml', '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    const before = new Map(listFiles(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));

    for (const command of [
      ['generate', 'examples/five-members.yaml', '--out', out],
      ['add-user', 'examples/five-members.yaml', '--name', 'zed', '--out', out],
    ]) {
      const r = runCli(command);
      expect(r.code, r.stderr).toBe(1);
      expect(hasStackTrace(r.stderr)).toBe(false);
      expect(r.stderr).toContain('HK443');
      expect(r.stderr).toContain('"myfirstcluster.k8s.local"');
      expect(r.stderr).toContain('"big.k8s.local"');
      expect(r.stderr).toContain(out);
    }
    expect(new Map(listFiles(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]))).toEqual(before);

    const again = runCli(['generate', 'examples/myfirstcluster.yaml', '--out', out]);
    expect(again.code, again.stderr).toBe(0);
  });

  it('HK440 end to end: with the CA key appended to ca.crt, generate exits 1 naming the file and writes nothing', () => {
    const out = join(tempDir('hakube-ca-with-key-'), 'out');
    dirs.push(join(out, '..'));
    expect(runCli(['generate', 'examples/myfirstcluster.yaml', '--out', out]).code).toBe(0);
    writeFileSync(join(out, 'pki/ca.crt'), readFileSync(join(out, 'pki/ca.crt'), 'utf8') + readFileSync(join(out, 'pki/ca.key'), 'utf8'));
    const before = new Map(listFiles(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
    const r = runCli(['generate', 'examples/myfirstcluster.yaml', '--out', out]);
    expect(r.code).toBe(1);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr).toContain(`${join(out, 'pki/ca.crt')}:1:1  /  error HK440: pki/ca.crt holds a "PRIVATE KEY" PEM block`);
    expect(r.stderr).not.toContain('BEGIN PRIVATE');
    expect(new Map(listFiles(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]))).toEqual(before);
  });
});
