import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { UserError } from '../../src/errors.js';
import { generate } from '../../src/generate.js';
import { ETCD_MINIMUM_BEFORE_3_6, etcdVersionForMinor } from '../../src/emit/cloudinit/node-software.js';
import { etcdUpgradeProblem } from '../../src/upgrade/etcd-upgrade.js';
import { compareVersions, pinnedEtcdVersions } from '../../src/upgrade/previous-version.js';
import { hasStackTrace, runCli } from '../helpers/run-cli.js';
import { BASE_SPEC, lineOf, withLine } from '../helpers/spec-text.js';
import { recordAsWrittenByHakube } from '../helpers/files.js';

/*
 * etcd's upgrade guide, content/en/docs/v3.6/upgrades/upgrade_3_6.md in etcd-io/website (commit 9acb6b48,
 * 2026-08-14; before 5a5c2009 it said 3.5.26):
 *   "Before upgrading to 3.6, make sure that all of your 3.5 members are updated to 3.5.32 or later. Patch releases
 *    3.5.24 through 3.5.32 fix several potential upgrade blockers ..."
 * and CHANGELOG-3.5.md of etcd-io/etcd, v3.5.26: "Fix zombie members in v3store" (etcd#20995), the divergence of
 * the v2 and v3 membership stores that member replacement (hakube's way of rolling a member) triggers.
 */
describe('etcd 3.5 → 3.6: every member first runs a 3.5 that etcd says may move to 3.6', () => {
  test('the minimum is the upgrade guide’s, and every 3.5 hakube installs meets it', () => {
    expect(ETCD_MINIMUM_BEFORE_3_6).toBe('3.5.32');
    for (const minor of ['1.31', '1.32', '1.33']) {
      const version = etcdVersionForMinor(minor);
      expect(version.startsWith('3.5.'), `${minor}: ${version}`).toBe(true);
      expect(compareVersions(version, ETCD_MINIMUM_BEFORE_3_6), `${minor}: ${version}`).toBeGreaterThanOrEqual(0);
    }
    for (const minor of ['1.34', '1.35']) expect(etcdVersionForMinor(minor).startsWith('3.6.')).toBe(true);
  });

  test('the rule: a move to 3.6 is refused while a member runs an older 3.5, naming it', () => {
    expect(etcdUpgradeProblem({ 'control-plane-1': '3.5.33' }, '3.6.5')).toBeUndefined();
    expect(etcdUpgradeProblem({ 'control-plane-1': '3.6.5' }, '3.6.5')).toBeUndefined();
    expect(etcdUpgradeProblem({}, '3.6.5')).toBeUndefined();
    // Staying on 3.5 is how the members get there: never refused.
    expect(etcdUpgradeProblem({ 'control-plane-1': '3.5.24' }, '3.5.33')).toBeUndefined();
    const problem = etcdUpgradeProblem({ 'control-plane-1': '3.5.33', 'control-plane-2': '3.5.24', 'control-plane-3': '3.5.24' }, '3.6.5');
    expect(problem).toContain('control-plane-2 (3.5.24), control-plane-3 (3.5.24)');
    expect(problem).toContain('3.5.32');
    expect(problem).not.toContain('control-plane-1 (');
  });
});

describe('generate and validate refuse 1.33 → 1.34 until every member runs etcd ≥ 3.5.32 (HK502)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-etcd-upgrade-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const now = new Date('2026-01-01T00:00:00Z');
  const spec = (version: string) => {
    const file = join(dir, `spec-${version}.yaml`);
    writeFileSync(file, withLine('kubernetesVersion: 1.34.2', `kubernetesVersion: ${version}`));
    return file;
  };
  /** What an earlier hakube wrote for these members: etcd 3.5.24, kubeadm's pin for 1.31–1.33. */
  const pinOldEtcd = (out: string, names: string[]) => {
    for (const name of names) {
      const path = join(out, 'cloud-init', name);
      const text = readFileSync(path, 'utf8');
      const version = etcdVersionForMinor('1.33');
      expect(text).toContain(`etcd-v${version}-linux-`);
      writeFileSync(path, text.replaceAll(version, '3.5.24'));
    }
    recordAsWrittenByHakube(out);
  };

  test('the version each member runs is read back from its cloud-init', async () => {
    const out = join(dir, 'read');
    await generate(spec('1.33.5'), { outDir: out, now });
    expect(pinnedEtcdVersions(out)).toEqual({
      'control-plane-1': etcdVersionForMinor('1.33'),
      'control-plane-2': etcdVersionForMinor('1.33'),
      'control-plane-3': etcdVersionForMinor('1.33'),
    });
  });

  test('members on 3.5.24 (an earlier hakube): refused with the spec position, nothing written; once they run this hakube’s 3.5 pin, accepted', async () => {
    const out = join(dir, 'generate');
    await generate(spec('1.33.5'), { outDir: out, now });
    pinOldEtcd(out, ['control-plane-2.yaml', 'control-plane-3.yaml']);
    const before = readFileSync(join(out, 'cloud-init', 'control-plane-2.yaml'), 'utf8');
    const refused = await generate(spec('1.34.2'), { outDir: out, now }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(UserError);
    const issue = (refused as UserError).issues[0]!;
    expect(issue.code).toBe('HK502');
    expect(issue.pointer).toBe('/spec/kubernetesVersion');
    expect(issue.position?.line).toBe(lineOf(BASE_SPEC, 'kubernetesVersion'));
    expect(issue.message).toContain('control-plane-2 (3.5.24), control-plane-3 (3.5.24)');
    expect(readFileSync(join(out, 'cloud-init', 'control-plane-2.yaml'), 'utf8')).toBe(before);

    // The way forward: the same 1.33 spec with this hakube rolls 3.5.x to every member, then 1.34 is accepted.
    await generate(spec('1.33.5'), { outDir: out, now });
    // Members are replaced one per apply: `rollout next` writes the others (bounded: one step per member at most).
    for (let step = 0; step < 3 && existsSync(join(out, 'rollout-pending.json')); step++) {
      // No Terraform state here: the override (this test is about etcd versions, not about applying).
      const next = runCli(['rollout', 'next', spec('1.33.5'), '--out', out, '--without-applied-state']);
      expect(next.code, next.stderr).toBe(0);
    }
    expect(existsSync(join(out, 'rollout-pending.json'))).toBe(false);
    expect(Object.values(pinnedEtcdVersions(out))).toEqual([etcdVersionForMinor('1.33'), etcdVersionForMinor('1.33'), etcdVersionForMinor('1.33')]);
    await generate(spec('1.34.2'), { outDir: out, now });
    expect(readFileSync(join(out, 'kubernetes-version.txt'), 'utf8')).toBe('1.34.2\n');
  });

  test('validate refuses it too, as a clean user error (exit 1)', async () => {
    const out = join(dir, 'validate');
    await generate(spec('1.33.5'), { outDir: out, now });
    pinOldEtcd(out, ['control-plane-1.yaml']);
    const r = runCli(['validate', spec('1.34.2'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('HK502');
    expect(r.stderr).toContain('control-plane-1 (3.5.24)');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
