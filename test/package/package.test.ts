import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { committedFiles, driftedFiles } from '../helpers/golden.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

/** The budget for an install of the package with its runtime dependencies. */
const MAX_INSTALLED_BYTES = 10 * 1024 * 1024;

function npm(args: string[], cwd: string): string {
  // --ignore-scripts: packing must not rebuild dist/ under the other tests' feet (the test setup has just built it).
  const r = spawnSync('npm', [...args, '--ignore-scripts', '--no-audit', '--no-fund'], { cwd, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

describe('the npm package', () => {
  it('has no runtime dependencies: everything the CLI runs is in its bundle', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.optionalDependencies ?? {}).toEqual({});
  });

  it('installs from its tarball, offline, in at most 10 MB, and generates the tutorial exactly as the goldens', () => {
    expect(existsSync(join(REPO_ROOT, 'dist/main.js')), 'dist/ is not built: run npm run build').toBe(true);
    const scratch = mkdtempSync(join(tmpdir(), 'hakube-package-'));
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', scratch], REPO_ROOT)) as Array<{ filename: string }>;
    const project = join(scratch, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{ "name": "install-check", "private": true }\n');
    npm(['install', '--offline', '--omit=dev', join(scratch, packed!.filename)], project);

    const installed = listFiles(join(project, 'node_modules')).reduce((sum, f) => sum + statSync(join(project, 'node_modules', f)).size, 0);
    expect(installed).toBeLessThanOrEqual(MAX_INSTALLED_BYTES);

    const out = join(scratch, 'out');
    const bin = join(project, 'node_modules/.bin/hakube');
    const r = spawnSync(bin, ['generate', join(REPO_ROOT, 'examples/myfirstcluster.yaml'), '--out', out], { cwd: project, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const golden = join(REPO_ROOT, 'generated/myfirstcluster.k8s.local');
    expect(committedFiles(out)).toEqual(committedFiles(golden));
    expect(driftedFiles(golden, out)).toEqual([]);
  });
});
