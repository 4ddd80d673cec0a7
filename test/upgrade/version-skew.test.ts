import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { UserError } from '../../src/errors.js';
import { generate } from '../../src/generate.js';
import { KUBERNETES_VERSION_FILE, readPreviousKubernetesVersions } from '../../src/upgrade/previous-version.js';
import { classifyVersionChange } from '../../src/upgrade/version-skew.js';
import { hasStackTrace, runCli } from '../helpers/run-cli.js';
import { BASE_SPEC, lineOf, withLine } from '../helpers/spec-text.js';

describe('classifyVersionChange: kubeadm upgrade rules', () => {
  test.each([
    [undefined, '1.34.2', 'new-cluster'],
    ['1.34.2', '1.34.2', 'unchanged'],
    ['1.34.2', '1.34.5', 'patch-upgrade'],
    ['1.34.2', '1.35.0', 'minor-upgrade'],
    ['v1.33.9', '1.34.0', 'minor-upgrade'],
    ['1.33.5', '1.35.0', 'refused'],
    ['1.31.0', '1.34.2', 'refused'],
    ['1.34.2', '1.33.9', 'refused'],
    ['1.34.2', '1.34.1', 'refused'],
    ['1.34.2', '2.0.0', 'refused'],
    ['garbage', '1.34.2', 'refused'],
  ] as const)('%s → %s is %s', (from, to, kind) => {
    expect(classifyVersionChange(from, to).kind).toBe(kind);
  });

  test('a jump names the minor to go through first; a downgrade points at restore', () => {
    const jump = classifyVersionChange('1.33.5', '1.35.0');
    expect(jump.kind === 'refused' && jump.reason).toMatch(/one minor version at a time: upgrade to the latest 1\.34\.x first/);
    const down = classifyVersionChange('1.35.0', '1.34.2');
    expect(down.kind === 'refused' && down.reason).toMatch(/cannot downgrade/);
  });
});

describe('the previous version comes from the previously generated output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-upgrade-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('none for an empty folder, else every version of the version file and the kubelets the cloud-init pins', () => {
    const out = join(dir, 'read');
    expect(readPreviousKubernetesVersions(out)).toEqual([]);
    mkdirSync(join(out, 'cloud-init'), { recursive: true });
    writeFileSync(join(out, 'cloud-init', 'control-plane-1.yaml'), "      retry 5 apt_get install 'kubelet=1.33.4-*' 'kubeadm=1.33.4-*'\n");
    expect(readPreviousKubernetesVersions(out)).toEqual(['1.33.4']);
    writeFileSync(join(out, KUBERNETES_VERSION_FILE), '1.34.2\n');
    // A member still waiting in a rollout runs 1.33.4: the cluster runs both until the rollout ends.
    expect(readPreviousKubernetesVersions(out)).toEqual(['1.33.4', '1.34.2']);
    writeFileSync(join(out, 'cloud-init', 'control-plane-1.yaml'), "      retry 5 apt_get install 'kubelet=1.34.2-*' 'kubeadm=1.34.2-*'\n");
    expect(readPreviousKubernetesVersions(out)).toEqual(['1.34.2']);
  });

  test('generate writes the version, takes one minor, refuses a jump with the spec position and writes nothing', async () => {
    const out = join(dir, 'generate');
    const spec = (version: string) => {
      const file = join(dir, `spec-${version}.yaml`);
      writeFileSync(file, withLine('kubernetesVersion: 1.34.2', `kubernetesVersion: ${version}`));
      return file;
    };
    const now = new Date('2026-01-01T00:00:00Z');
    await generate(spec('1.33.5'), { outDir: out, now });
    expect(readFileSync(join(out, KUBERNETES_VERSION_FILE), 'utf8')).toBe('1.33.5\n');

    const before = readFileSync(join(out, 'cloud-init', 'control-plane-1.yaml'), 'utf8');
    const refused = await generate(spec('1.35.0'), { outDir: out, now }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(UserError);
    const issue = (refused as UserError).issues[0]!;
    expect(issue.code).toBe('HK501');
    expect(issue.pointer).toBe('/spec/kubernetesVersion');
    expect(issue.position?.line).toBe(lineOf(BASE_SPEC, 'kubernetesVersion'));
    expect(issue.message).toContain('1.33.5 → 1.35.0');
    expect(readFileSync(join(out, KUBERNETES_VERSION_FILE), 'utf8')).toBe('1.33.5\n');
    expect(readFileSync(join(out, 'cloud-init', 'control-plane-1.yaml'), 'utf8')).toBe(before);

    await generate(spec('1.34.2'), { outDir: out, now });
    expect(readFileSync(join(out, KUBERNETES_VERSION_FILE), 'utf8')).toBe('1.34.2\n');
    await expect(generate(spec('1.33.5'), { outDir: out, now })).rejects.toThrow(UserError);
    // The upgrade rolls one member per apply: while members wait at 1.33.5, the next minor is still a jump.
    const midRollout = await generate(spec('1.35.0'), { outDir: out, now }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((midRollout as UserError).issues[0]!.message).toContain('1.33.5 → 1.35.0');
  });

  test('validate refuses the jump too, as a clean user error (exit 1)', () => {
    const out = join(dir, 'validate');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, KUBERNETES_VERSION_FILE), '1.32.3\n');
    const file = join(dir, 'validate.yaml');
    writeFileSync(file, BASE_SPEC);
    const r = runCli(['validate', file, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('HK501');
    expect(r.stderr).toContain('1.32.3 → 1.34.2');
    expect(hasStackTrace(r.stderr)).toBe(false);
    writeFileSync(join(out, KUBERNETES_VERSION_FILE), '1.33.9\n');
    expect(runCli(['validate', file, '--out', out]).code).toBe(0);
  });
});
