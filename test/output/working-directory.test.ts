import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { hasStackTrace, REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { tempDir, TUTORIAL } from '../pki/helpers.js';

const NAME = 'myfirstcluster.k8s.local';

/**
 * Issue 21, item 4: the default output folder is generated/<cluster-name>/ beside the spec, so every command names
 * the same folder from the repository's root, from a subfolder and from anywhere else, and prints hints that work
 * from where it was run.
 */
describe('the default output folder follows the spec, not the working directory', () => {
  const repo = tempDir('hakube-cwd-');
  const sub = join(repo, 'docs', 'notes');
  const spec = join(repo, 'cluster.yaml');
  const outDir = join(repo, 'generated', NAME);
  let generatedFromSubfolder: ReturnType<typeof runCli>;

  beforeAll(() => {
    mkdirSync(sub, { recursive: true });
    copyFileSync(join(REPO_ROOT, TUTORIAL), spec);
    const first = runCli(['generate', 'cluster.yaml'], repo);
    expect(first.code, first.stderr).toBe(0);
    // A patch bump replaces every member: generate writes one member per apply and holds the others.
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('kubernetesVersion: 1.34.2', 'kubernetesVersion: 1.34.3'));
    generatedFromSubfolder = runCli(['generate', '../../cluster.yaml'], sub);
  });

  it('generate from a subfolder writes the folder beside the spec, and nothing where it was run', () => {
    expect(generatedFromSubfolder.code, generatedFromSubfolder.stderr).toBe(0);
    expect(generatedFromSubfolder.stdout).toContain(`${NAME}: wrote ../../generated/${NAME}`);
    expect(listFiles(sub)).toEqual([]);
    expect(existsSync(join(outDir, 'rollout-pending.json'))).toBe(true);
  });

  it('its hint is a command that works from the subfolder', () => {
    expect(generatedFromSubfolder.stdout).toContain('  hakube rollout next ../../cluster.yaml\n');
  });

  it('rollout status says the same from the root, from a subfolder and from outside the repository', () => {
    const fromRoot = runCli(['rollout', 'status', 'cluster.yaml', '-o', 'json'], repo);
    const fromSub = runCli(['rollout', 'status', '../../cluster.yaml', '-o', 'json'], sub);
    const fromOutside = runCli(['rollout', 'status', spec, '-o', 'json'], tempDir('hakube-elsewhere-'));
    expect(fromRoot.code, fromRoot.stderr).toBe(0);
    const pending = (JSON.parse(fromRoot.stdout) as { pending: string[] }).pending;
    expect(pending.length).toBeGreaterThan(0);
    // outDir is shown as a path that works from where the command ran; the verdict is the same.
    const verdict = (stdout: string) => ({ ...(JSON.parse(stdout) as object), outDir: undefined });
    expect(verdict(fromSub.stdout)).toEqual(verdict(fromRoot.stdout));
    expect(verdict(fromOutside.stdout)).toEqual(verdict(fromRoot.stdout));
    expect(JSON.parse(fromSub.stdout).outDir).toBe(`../../generated/${NAME}`);
  });

  it('validate applies the upgrade-skew rule (HK501) from a subfolder as from the root', () => {
    const skipped = join(repo, 'skipped-minor.yaml');
    writeFileSync(skipped, readFileSync(spec, 'utf8').replace('kubernetesVersion: 1.34.3', 'kubernetesVersion: 1.32.0'));
    const fromRoot = runCli(['validate', 'skipped-minor.yaml'], repo);
    // The spec is another file, so its default folder is the same generated/<name>/ beside it.
    const fromSub = runCli(['validate', '../../skipped-minor.yaml'], sub);
    expect(fromRoot.code).toBe(1);
    expect(fromRoot.stderr).toContain('HK501');
    expect(fromSub.code).toBe(1);
    expect(fromSub.stderr).toContain('HK501');
  });

  it('generate --dry-run from a subfolder compares with the folder beside the spec and writes nothing', () => {
    const before = listFiles(repo);
    const r = runCli(['generate', '../../cluster.yaml', '--dry-run'], sub);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/created +pki\//);
    expect(listFiles(repo)).toEqual(before);
  });

  it('rollout status of a folder never generated is an error naming it, not "up to date"', () => {
    const elsewhere = tempDir('hakube-nothing-');
    copyFileSync(join(REPO_ROOT, TUTORIAL), join(elsewhere, 'cluster.yaml'));
    const r = runCli(['rollout', 'status', 'cluster.yaml'], elsewhere);
    expect(r.code).toBe(1);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr).toContain(`generated/${NAME} does not exist: run hakube generate cluster.yaml first`);
  });
});
