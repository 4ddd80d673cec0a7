import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../helpers/run-cli.js';
import { listFiles } from '../helpers/files.js';
import { tempDir } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("a folder holding another cluster's key material", () => {
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
});
