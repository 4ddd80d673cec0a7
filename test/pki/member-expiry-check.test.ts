/**
 * The expiry check that ends every certificate refresh of a control-plane member (hakube-cert-expiry; that the
 * refresh runs it, even when it fails, is shown in test/etcd/day-two.test.ts), as its cloud-init writes it, run for real
 * with openssl against real certificates hakube issued: the tutorial cluster's PKI issued 350 days ago (every leaf
 * then has 15 of its 365 days left), with some leaves issued again today, installed where the member's fetch puts
 * them under a machine folder (HAKUBE_ROOT).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { controlPlaneCloudInit } from '../../src/emit/cloudinit/cloud-init.js';
import { DAY_TWO_PATHS, LEAF_EXPIRY_WARN_DAYS } from '../../src/emit/cloudinit/day-two.js';
import { objectsFetchedBy } from '../../src/emit/cloudinit/machine-files.js';
import { installWriteFiles } from '../etcd/machine-root.js';
import { generateInto, modelOf, tempDir, TUTORIAL } from './helpers.js';

const DAY_MS = 86_400_000;
const FRESH = ['apiserver-kubelet-client', 'front-proxy-client'];

interface Report {
  member: string;
  checkedAt: string;
  warnDays: number;
  due: number;
  certificates: Array<{ path: string; notAfter: string | null; daysLeft: number | null; state: string }>;
}

const top = tempDir('hakube-expiry-check-');
afterAll(() => rmSync(top, { recursive: true, force: true }));

async function memberWithPkiIssued(daysAgo: number, reissuedToday: string[]) {
  const model = modelOf(TUTORIAL);
  const member = model.controlPlane.members[0]!;
  const out = join(top, `out-${daysAgo}-${reissuedToday.length}`);
  mkdirSync(out);
  await generateInto(out, model, new Date(Date.now() - daysAgo * DAY_MS));
  for (const base of reissuedToday) for (const ext of ['crt', 'key']) rmSync(join(out, 'pki', `${base}.${ext}`));
  await generateInto(out, model);
  const root = join(top, `machine-${daysAgo}-${reissuedToday.length}`);
  const cloudConfig = join(top, `cloud-config-${daysAgo}-${reissuedToday.length}.yaml`);
  mkdirSync(root);
  writeFileSync(cloudConfig, controlPlaneCloudInit(model, member));
  installWriteFiles(cloudConfig, root, { bucket: 'test-bucket', api_endpoint: 'api.example.com', etcd_volume_id: 'vol-0123456789abcdef0' });
  // The boot's fetch of this member's certificates: each from the folder Terraform uploads, to its install path.
  for (const object of objectsFetchedBy(model, { role: 'control-plane', member }).filter((o) => o.source.startsWith('pki/'))) {
    mkdirSync(dirname(join(root, object.installPath)), { recursive: true });
    copyFileSync(join(out, object.source), join(root, object.installPath));
  }
  return { member, root };
}

function check(root: string, journal = false) {
  const env: Record<string, string> = { PATH: '/usr/bin:/bin', HAKUBE_ROOT: root };
  if (journal) env.JOURNAL_STREAM = '8:12345';
  const r = spawnSync(join(root, DAY_TWO_PATHS.certExpiryScript), [], { encoding: 'utf8', timeout: 60_000, env });
  const report = JSON.parse(readFileSync(join(root, DAY_TWO_PATHS.certExpiryReport), 'utf8')) as Report;
  return { code: r.status, stderr: r.stderr, report };
}

describe('hakube-cert-expiry on a member, with openssl and real certificates', () => {
  test(`warns loudly and records every leaf expiring within ${LEAF_EXPIRY_WARN_DAYS} days; fresh ones are ok`, async () => {
    const { member, root } = await memberWithPkiIssued(350, FRESH);
    // The script counts whole seconds (date +%s): its "now" lies between this second and the end of the run.
    const startedAt = Math.floor(Date.now() / 1000) * 1000;
    const r = check(root, true);
    expect(r.code, r.stderr).toBe(1);
    const byPath = new Map(r.report.certificates.map((c) => [c.path, c]));
    expect([...byPath.keys()].sort()).toEqual([
      '/etc/kubernetes/pki/apiserver-etcd-client.crt',
      '/etc/kubernetes/pki/apiserver-kubelet-client.crt',
      '/etc/kubernetes/pki/etcd/healthcheck-client.crt',
      '/etc/kubernetes/pki/etcd/peer.crt',
      '/etc/kubernetes/pki/etcd/server.crt',
      '/etc/kubernetes/pki/front-proxy-client.crt',
    ]);
    for (const [path, entry] of byPath) {
      const fresh = FRESH.some((base) => path.endsWith(`/${base}.crt`));
      expect(entry.state, path).toBe(fresh ? 'ok' : 'expiring');
      // openssl's own reading of the certificate's end, as the report gives it.
      const end = spawnSync('openssl', ['x509', '-noout', '-enddate', '-in', join(root, path)], { encoding: 'utf8' }).stdout.trim().replace('notAfter=', '');
      expect(new Date(entry.notAfter!).getTime()).toBe(new Date(end).getTime());
      expect(entry.daysLeft).toBeGreaterThanOrEqual(Math.floor((new Date(end).getTime() - Date.now()) / DAY_MS));
      expect(entry.daysLeft).toBeLessThanOrEqual(Math.floor((new Date(end).getTime() - startedAt) / DAY_MS));
      expect(entry.daysLeft!).toBeLessThanOrEqual(fresh ? 365 : 15);
      if (!fresh) expect(r.stderr).toContain(`<4>hakube-cert-expiry: WARNING: ${path} is expiring (notAfter "${entry.notAfter}")`);
    }
    expect(r.report).toMatchObject({ member: member.name, warnDays: LEAF_EXPIRY_WARN_DAYS, due: 4 });
    expect(r.stderr.trim().split('\n')).toHaveLength(4);
  });

  test('an expired or missing certificate is reported as such', async () => {
    const { root } = await memberWithPkiIssued(400, FRESH);
    rmSync(join(root, '/etc/kubernetes/pki/etcd/healthcheck-client.crt'));
    const r = check(root);
    expect(r.code).toBe(1);
    const states = new Map(r.report.certificates.map((c) => [c.path, c.state]));
    expect(states.get('/etc/kubernetes/pki/etcd/server.crt')).toBe('expired');
    expect(states.get('/etc/kubernetes/pki/etcd/healthcheck-client.crt')).toBe('unreadable');
    expect(states.get('/etc/kubernetes/pki/front-proxy-client.crt')).toBe('ok');
    expect(r.report.due).toBe(4);
    expect(r.stderr).toMatch(/^hakube-cert-expiry: WARNING: \/etc\/kubernetes\/pki\/etcd\/server\.crt is expired \(notAfter "/m);
    expect(r.stderr).toContain('WARNING: /etc/kubernetes/pki/etcd/healthcheck-client.crt is unreadable (notAfter null)');
  });

  test('all fresh: exit 0, nothing due, and the report says so', async () => {
    const { root } = await memberWithPkiIssued(0, []);
    const r = check(root);
    expect(r.code, r.stderr).toBe(0);
    expect(r.report.due).toBe(0);
    expect(r.report.certificates).toHaveLength(6);
    expect(r.report.certificates.every((c) => c.state === 'ok' && c.daysLeft! >= 364)).toBe(true);
    expect(Date.now() - new Date(r.report.checkedAt).getTime()).toBeLessThan(DAY_MS);
  });
});
