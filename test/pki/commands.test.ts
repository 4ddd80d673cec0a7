import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { addUserCommand } from '../../src/cli/commands/add-user.js';
import { certsCommand } from '../../src/cli/commands/certs.js';
import { kubeconfigCommand } from '../../src/cli/commands/kubeconfig.js';
import { plannedCertificates } from '../../src/pki/certificate-plan.js';
import { renderKubeconfig } from '../../src/pki/kubeconfig.js';
import { hasStackTrace, runCli } from '../helpers/run-cli.js';
import { generateInto, modelOf, PRIVATE, run, runCommand, tempDir, TUTORIAL, type CliResult } from './helpers.js';

const commands = [addUserCommand, kubeconfigCommand, certsCommand] as Parameters<typeof runCommand>[0];
const hakube = (...argv: string[]) => runCommand(commands, argv);

const subject = (path: string) =>
  run('openssl', ['x509', '-in', path, '-noout', '-subject', '-nameopt', 'sep_comma_plus_space,sname']).replace(/^subject=/, '').trim();

/** kubectl parses the file offline and reports the identity and endpoint it found. */
function kubectlView(file: string): { server: string; user: string; hasKey: boolean } {
  const view = parse(run('kubectl', ['config', 'view', '--kubeconfig', file, '--raw', '-o', 'yaml'])) as {
    clusters: Array<{ cluster: { server: string } }>;
    users: Array<{ name: string; user: Record<string, string> }>;
  };
  return { server: view.clusters[0].cluster.server, user: view.users[0].name, hasKey: Boolean(view.users[0].user['client-key-data']) };
}

/** No command output may carry key material. */
function expectNoSecrets(result: CliResult, out: string): void {
  const text = `${result.out}\n${result.err}`;
  expect(text).not.toMatch(/PRIVATE KEY|BEGIN /);
  const token = readFileSync(join(out, 'pki/secrets/bootstrap-token'), 'utf8').trim();
  expect(text).not.toContain(token);
  const keyBody = readFileSync(join(out, 'pki/ca.key'), 'utf8').split('\n')[1];
  expect(text).not.toContain(keyBody);
}

describe('hakube add-user', () => {
  const out = tempDir();
  beforeAll(async () => {
    await generateInto(out, modelOf(TUTORIAL));
  });

  it('writes a key (0600), a certificate with CN and O, and a kubeconfig kubectl reads', async () => {
    const result = await hakube('add-user', TUTORIAL, '--name', 'carol', '--group', 'developers', '--group', 'sre', '--out', out, '--server', 'https://lb.example.com:6443');
    expect(result.code).toBe(0);
    expect(statSync(join(out, 'users/carol/carol.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'users/carol/kubeconfig')).mode & 0o777).toBe(0o600);
    expect(subject(join(out, 'users/carol/carol.crt'))).toBe('O=developers, O=sre, CN=carol');
    expect(run('openssl', ['verify', '-CAfile', join(out, 'pki/ca.crt'), join(out, 'users/carol/carol.crt')]).trim()).toMatch(/: OK$/);
    expect(kubectlView(join(out, 'users/carol/kubeconfig'))).toEqual({ server: 'https://lb.example.com:6443', user: 'carol', hasKey: true });
    expectNoSecrets(result, out);
  });

  it('without a known endpoint writes key and certificate and says how to get a kubeconfig', async () => {
    const result = await hakube('add-user', TUTORIAL, '--name', 'dave', '--out', out);
    expect(result.code).toBe(0);
    expect(existsSync(join(out, 'users/dave/dave.crt'))).toBe(true);
    expect(existsSync(join(out, 'users/dave/kubeconfig'))).toBe(false);
    expect(result.out).toContain(`hakube kubeconfig ${TUTORIAL} --user dave --server https://`);
    expect(subject(join(out, 'users/dave/dave.crt'))).toBe('CN=dave');
  });

  it('never overwrites an existing user key', async () => {
    const before = readFileSync(join(out, 'users/carol/carol.key'));
    const result = await hakube('add-user', TUTORIAL, '--name', 'carol', '--out', out);
    expect(result.code).toBe(1);
    expect(result.err).toContain('already has a key');
    expect(readFileSync(join(out, 'users/carol/carol.key')).equals(before)).toBe(true);
  });

  it('fails with exit 1 when the CA does not exist yet', async () => {
    const result = await hakube('add-user', TUTORIAL, '--name', 'erin', '--out', tempDir());
    expect(result.code).toBe(1);
    expect(result.err).toContain("run 'hakube generate");
  });

  it('HK251: --group system:masters warns as the spec path does, and still issues the certificate', async () => {
    const result = await hakube('add-user', TUTORIAL, '--name', 'root-ish', '--group', 'system:masters', '--out', out);
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/warning HK251: user "root-ish" is in system:masters, which bypasses RBAC/);
    expect(subject(join(out, 'users/root-ish/root-ish.crt'))).toBe('O=system:masters, CN=root-ish');
  });

  it("HK253: --name of one of hakube's own identities (kubernetes-admin, ...) is refused with exit 1 and nothing written", async () => {
    for (const name of ['kubernetes-admin', 'kube-apiserver-kubelet-client']) {
      const result = await hakube('add-user', TUTORIAL, '--name', name, '--out', out);
      expect(result.code).toBe(1);
      expect(result.err).toContain(`--name ${name} is reserved`);
      expect(existsSync(join(out, 'users', name))).toBe(false);
    }
  });

  it('rejects a name that is not a safe user name with exit 2', async () => {
    const result = await hakube('add-user', TUTORIAL, '--name', '../../etc', '--out', out);
    expect(result.code).toBe(2);
  });

  it('is picked up by the next generate and kept', async () => {
    const again = await generateInto(out, modelOf(TUTORIAL));
    expect(again.changes.find((c) => c.path === 'users/carol/carol.crt')?.action).toBe('kept');
    expect(again.changes.find((c) => c.path === 'users/carol/kubeconfig')?.action).toBe('kept');
  });
});

describe('hakube kubeconfig', () => {
  const out = tempDir();
  beforeAll(async () => {
    await generateInto(out, modelOf(TUTORIAL));
  });

  it('writes the admin kubeconfig for an endpoint, mode 0600', async () => {
    const result = await hakube('kubeconfig', TUTORIAL, '--server', 'https://lb-123.elb.us-west-2.amazonaws.com:6443', '--out', out);
    expect(result.code).toBe(0);
    const file = join(out, 'pki/admin.kubeconfig');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(kubectlView(file)).toEqual({ server: 'https://lb-123.elb.us-west-2.amazonaws.com:6443', user: 'kubernetes-admin', hasKey: true });
    expect(run('kubectl', ['config', 'current-context', '--kubeconfig', file]).trim()).toBe('kubernetes-admin@myfirstcluster.k8s.local');
    expectNoSecrets(result, out);
  });

  it("writes a user's kubeconfig to -o FILE", async () => {
    const file = join(tempDir(), 'alice.kubeconfig');
    const result = await hakube('kubeconfig', TUTORIAL, '--server', 'https://lb.example.com:6443', '--user', 'alice', '--out', out, '-o', file);
    expect(result.code).toBe(0);
    expect(kubectlView(file).user).toBe('alice');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('asks for --server (exit 2) when the spec has no API DNS name, and rejects http', async () => {
    expect((await hakube('kubeconfig', TUTORIAL, '--out', out)).code).toBe(2);
    expect((await hakube('kubeconfig', TUTORIAL, '--out', out, '--server', 'http://lb:6443')).code).toBe(2);
  });

  it('rejects (exit 2, naming --server) a server URL with a line break, whitespace or a control character, for add-user too', () => {
    // new URL drops tabs and line breaks silently, so the URL it parses is not the string kubectl would be given.
    for (const server of ['https://lb:6443\nclusters: []', 'https://lb\t:6443', 'https://lb :6443', 'https://lb:6443\u001b[31m', 'https:lb:6443']) {
      for (const argv of [['kubeconfig', TUTORIAL, '--out', out], ['add-user', TUTORIAL, '--name', 'erin', '--out', out]]) {
        const result = runCli([...argv, '--server', server]);
        expect(result.code).toBe(2);
        expect(result.stderr).toContain('--server');
        expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
        expect(hasStackTrace(result.stderr)).toBe(false);
      }
    }
    expect(existsSync(join(out, 'users/erin'))).toBe(false);
  });

  it('fails with exit 1 for a user that has no certificate', async () => {
    const result = await hakube('kubeconfig', TUTORIAL, '--server', 'https://lb:6443', '--user', 'nobody', '--out', out);
    expect(result.code).toBe(1);
    expect(result.err).toContain('hakube add-user');
  });
});

describe('kubeconfigs made by generate', () => {
  it('writes the admin and user kubeconfigs for the spec DNS name; kubectl reads them', async () => {
    const out = tempDir();
    await generateInto(out, modelOf(PRIVATE));
    for (const [file, user] of [['pki/admin.kubeconfig', 'kubernetes-admin'], ['users/oncall/kubeconfig', 'oncall']]) {
      expect(kubectlView(join(out, file))).toEqual({ server: 'https://api.prod.eu.example.com:6443', user, hasKey: true });
      expect(statSync(join(out, file)).mode & 0o777).toBe(0o600);
    }
    expect(subject(join(out, 'users/oncall/oncall.crt'))).toBe('O=sre, O=developers, CN=oncall');
  });

  it('renderKubeconfig embeds the CA, certificate and key as kubectl expects', () => {
    const dir = tempDir();
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, renderKubeconfig({ clusterName: 'c.example', server: 'https://api.c.example:6443', caPem: 'CA\n', user: 'u', certPem: 'CERT\n', keyPem: 'KEY\n' }));
    const view = parse(run('kubectl', ['config', 'view', '--kubeconfig', file, '--raw', '-o', 'yaml'])) as {
      clusters: Array<{ name: string; cluster: Record<string, string> }>;
      users: Array<{ user: Record<string, string> }>;
      'current-context': string;
    };
    expect(view['current-context']).toBe('u@c.example');
    expect(Buffer.from(view.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe('CA\n');
    expect(Buffer.from(view.users[0].user['client-key-data'], 'base64').toString()).toBe('KEY\n');
  });
});

describe('hakube certs check', () => {
  const out = tempDir();
  beforeAll(async () => {
    await generateInto(out, modelOf(TUTORIAL));
  });

  it('lists every certificate as JSON and passes with a small threshold', async () => {
    const result = await hakube('certs', 'check', TUTORIAL, '--out', out, '-o', 'json', '--warn-days', '7');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as { warnDays: number; certificates: Array<{ path: string; kind: string; subject: string; issuer: string; sans: string[]; daysToExpiry: number; expiring: boolean }> };
    expect(report.warnDays).toBe(7);
    const byPath = new Map(report.certificates.map((c) => [c.path, c]));
    expect(byPath.get('pki/ca.crt')).toMatchObject({ kind: 'ca', subject: 'CN=kubernetes-ca', issuer: 'CN=kubernetes-ca', expiring: false });
    expect(byPath.get('pki/ca.crt')?.daysToExpiry).toBeGreaterThanOrEqual(3649);
    expect(byPath.get('users/alice/alice.crt')).toMatchObject({ kind: 'leaf', subject: 'O=developers, CN=alice', issuer: 'CN=kubernetes-ca' });
    expect(byPath.get('pki/etcd/members/control-plane-1/server.crt')?.sans).toEqual(['DNS:control-plane-1', 'DNS:localhost', 'IP:172.20.32.10', 'IP:127.0.0.1']);
    expect(byPath.get('pki/etcd/members/control-plane-1/server.crt')?.daysToExpiry).toBe(364);
    expect(report.certificates.map((c) => c.path)).toEqual(plannedCertificates(modelOf(TUTORIAL)).map((p) => `${p.base}.crt`).sort());
    expectNoSecrets(result, out);
  });

  it('exits 1 after printing when a certificate expires within the threshold', async () => {
    const result = await hakube('certs', 'check', TUTORIAL, '--out', out, '--warn-days', '400');
    expect(result.code).toBe(1);
    expect(result.out).toContain('pki/apiserver-etcd-client.crt');
    const leaves = plannedCertificates(modelOf(TUTORIAL)).filter((p) => p.issuer !== null);
    expect(result.err).toMatch(new RegExp(`^${leaves.length} certificate\\(s\\) expire within 400 days`));
    expect(result.err).not.toContain('pki/ca.crt');
  });

  it('fails with exit 1 when nothing was generated', async () => {
    expect((await hakube('certs', 'check', TUTORIAL, '--out', tempDir())).code).toBe(1);
  });
});
