import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

const BIN = join(REPO_ROOT, 'bin/hakube.js');
const TUTORIAL = join(REPO_ROOT, 'examples/myfirstcluster.yaml');
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function hakube(args: string[], cacheHome: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cacheHome }, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The cache files of this version, by name, with their bytes. */
function cacheFiles(cacheHome: string): Map<string, Buffer> {
  const folder = join(cacheHome, 'hakube', VERSION);
  let names: string[] = [];
  try {
    names = readdirSync(folder);
  } catch {
    return new Map();
  }
  return new Map(names.map((n) => [n, readFileSync(join(folder, n))]));
}

/** Everything generate wrote, by path, except what differs between two first runs (fresh keys). */
function terraformOf(out: string): Map<string, string> {
  return new Map(listFiles(out).filter((f) => f.endsWith('.tf.json') && f !== 'bucket-object-hashes.tf.json').map((f) => [f, readFileSync(join(out, f), 'utf8')]));
}

describe("the bundle's compile cache", () => {
  it('is written once under $XDG_CACHE_HOME/hakube/<version>, private, then used as it is, with the same output', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'hakube-vendor-cache-'));
    const cacheHome = join(scratch, 'cache');
    const out = join(scratch, 'out');
    expect(hakube(['generate', TUTORIAL, '--out', out], cacheHome).code).toBe(0);
    const written = cacheFiles(cacheHome);
    expect([...written.keys()].sort().map((n) => n.replace(/-[0-9a-f]{16}-v[\d.]+-\w+\.v8$/, ''))).toEqual(['pki', 'terraform', 'yaml']);
    for (const name of written.keys()) expect(statSync(join(cacheHome, 'hakube', VERSION, name)).mode & 0o777).toBe(0o600);
    const first = terraformOf(out);

    const again = hakube(['generate', TUTORIAL, '--out', out], cacheHome);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/unchanged/);
    expect(cacheFiles(cacheHome)).toEqual(written);
    expect(terraformOf(out)).toEqual(first);
    expect(listFiles(out).filter((f) => f.endsWith('.v8') || f.endsWith('.tmp'))).toEqual([]);
  });

  it('is not needed for @peculiar/x509 by a rerun in an unchanged folder, which issues nothing', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'hakube-vendor-cache-'));
    const out = join(scratch, 'out');
    expect(hakube(['generate', TUTORIAL, '--out', out], join(scratch, 'first')).code).toBe(0);
    const cacheHome = join(scratch, 'rerun');
    const again = hakube(['generate', TUTORIAL, '--out', out], cacheHome);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/unchanged/);
    expect([...cacheFiles(cacheHome).keys()].sort().map((n) => n.replace(/-[0-9a-f]{16}-v[\d.]+-\w+\.v8$/, ''))).toEqual(['terraform', 'yaml']);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('replaces a damaged cache file and gives the same output', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'hakube-vendor-cache-'));
    const cacheHome = join(scratch, 'cache');
    const out = join(scratch, 'out');
    expect(hakube(['generate', TUTORIAL, '--out', out], cacheHome).code).toBe(0);
    const first = terraformOf(out);
    const [name] = [...cacheFiles(cacheHome).keys()].filter((n) => n.startsWith('terraform-'));
    const damaged = Buffer.alloc(4096, 7);
    writeFileSync(join(cacheHome, 'hakube', VERSION, name!), damaged);

    const r = hakube(['generate', TUTORIAL, '--out', out], cacheHome);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(terraformOf(out)).toEqual(first);
    expect(cacheFiles(cacheHome).get(name!)?.equals(damaged)).toBe(false);
    expect([...cacheFiles(cacheHome).keys()].filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('is skipped without a word when it cannot be written', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'hakube-vendor-cache-'));
    const notAFolder = join(scratch, 'file');
    writeFileSync(notAFolder, 'not a folder\n');
    for (const cacheHome of [notAFolder, '/proc/hakube-no-such-folder']) {
      const r = hakube(['generate', TUTORIAL, '--out', join(scratch, 'out')], cacheHome);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    }
    expect(readFileSync(notAFolder, 'utf8')).toBe('not a folder\n');
  });

  it('holds only the vendored packages a command loads: validate, the YAML parser alone', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'hakube-vendor-cache-'));
    const cacheHome = join(scratch, 'cache');
    expect(hakube(['validate', TUTORIAL], cacheHome).code).toBe(0);
    expect([...cacheFiles(cacheHome).keys()].map((n) => n.replace(/-[0-9a-f]{16}-v[\d.]+-\w+\.v8$/, ''))).toEqual(['yaml']);
    rmSync(scratch, { recursive: true, force: true });
  });
});
