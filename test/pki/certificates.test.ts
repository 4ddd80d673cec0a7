import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { addonFileNames } from '../../src/emit/addons/index.js';
import { bucketObjects } from '../../src/model/bucket-layout.js';
import { plannedCertificates, type CertificatePlan } from '../../src/pki/certificate-plan.js';
import { certText, extension, generateInto, modelOf, PRIVATE, run, tempDir, TUTORIAL } from './helpers.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;

function opensslDate(text: string, label: 'Not Before' | 'Not After'): Date {
  const m = new RegExp(`${label}\\s*:\\s*(.+)`).exec(text);
  if (!m) throw new Error(`no ${label}`);
  return new Date(m[1].trim());
}

/** Subject as openssl prints it with RFC 2253 order reversed to the encoding order, e.g. "O=developers, CN=alice". */
function subjectOf(path: string): string {
  return run('openssl', ['x509', '-in', path, '-noout', '-subject', '-nameopt', 'sep_comma_plus_space,sname']).replace(/^subject=/, '').trim();
}

function expectedSubject(plan: CertificatePlan): string {
  return [...plan.organizations.map((o) => `O=${o}`), `CN=${plan.commonName}`].join(', ');
}

describe.each([
  { spec: TUTORIAL, algorithm: 'id-ecPublicKey', keyDetail: 'NIST CURVE: P-256', caDays: 3650, leafDays: 365 },
  { spec: PRIVATE, algorithm: 'rsaEncryption', keyDetail: 'Public-Key: (2048 bit)', caDays: 3650, leafDays: 180 },
])('PKI of $spec', ({ spec, algorithm, keyDetail, caDays, leafDays }) => {
  const out = tempDir();
  const model = modelOf(spec);
  const plans = plannedCertificates(model);
  beforeAll(async () => {
    await generateInto(out, model, NOW);
  });

  it('verifies every certificate against its CA with openssl', () => {
    for (const plan of plans) {
      const caFile = join(out, `${plan.issuer ?? plan.base}.crt`);
      // Checked at the emission clock, so the fixed test date never makes a certificate look expired.
      const at = String(Math.floor(NOW.getTime() / 1000) + 60);
      const result = run('openssl', ['verify', '-attime', at, '-x509_strict', '-CAfile', caFile, join(out, `${plan.base}.crt`)]);
      expect(result.trim()).toBe(`${join(out, plan.base)}.crt: OK`);
    }
  });

  it('gives each certificate the subject, SANs, usages and constraints of its role', () => {
    for (const plan of plans) {
      const path = join(out, `${plan.base}.crt`);
      const text = certText(path);
      expect(subjectOf(path), plan.base).toBe(expectedSubject(plan));
      const basic = extension(text, 'X509v3 Basic Constraints');
      const keyUsage = extension(text, 'X509v3 Key Usage');
      expect(basic?.critical, plan.base).toBe(true);
      expect(keyUsage?.critical, plan.base).toBe(true);
      if (plan.issuer === null) {
        expect(basic?.value, plan.base).toBe('CA:TRUE, pathlen:0');
        expect(keyUsage?.value, plan.base).toBe('Digital Signature, Certificate Sign, CRL Sign');
        expect(extension(text, 'X509v3 Extended Key Usage'), plan.base).toBeUndefined();
        expect(text).not.toContain('X509v3 Subject Alternative Name');
      } else {
        expect(basic?.value, plan.base).toBe('CA:FALSE');
        expect(keyUsage?.value, plan.base).toBe(algorithm === 'rsaEncryption' ? 'Digital Signature, Key Encipherment' : 'Digital Signature');
        const eku = plan.usages.map((u) => (u === 'server' ? 'TLS Web Server Authentication' : 'TLS Web Client Authentication')).join(', ');
        expect(extension(text, 'X509v3 Extended Key Usage')?.value, plan.base).toBe(eku);
        const sans = [...plan.dnsNames.map((d) => `DNS:${d}`), ...plan.ipAddresses.map((ip) => `IP Address:${ip}`)].join(', ');
        expect(extension(text, 'X509v3 Subject Alternative Name')?.value ?? '', plan.base).toBe(sans);
      }
    }
  });

  it('links every certificate to its issuer by key identifiers', () => {
    for (const plan of plans) {
      const text = certText(join(out, `${plan.base}.crt`));
      const issuerText = certText(join(out, `${plan.issuer ?? plan.base}.crt`));
      const ski = extension(text, 'X509v3 Subject Key Identifier')?.value;
      const issuerSki = extension(issuerText, 'X509v3 Subject Key Identifier')?.value;
      expect(ski, plan.base).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
      expect(extension(text, 'X509v3 Authority Key Identifier')?.value.replace(/^keyid:/, ''), plan.base).toBe(issuerSki);
    }
    const skis = plans.map((p) => extension(certText(join(out, `${p.base}.crt`)), 'X509v3 Subject Key Identifier')?.value);
    expect(new Set(skis).size).toBe(plans.length);
  });

  it('uses the spec key algorithm and validity', () => {
    for (const plan of plans) {
      const text = certText(join(out, `${plan.base}.crt`));
      expect(text, plan.base).toContain(`Public Key Algorithm: ${algorithm}`);
      expect(text, plan.base).toContain(keyDetail);
      const days = plan.issuer === null ? caDays : leafDays;
      const notBefore = opensslDate(text, 'Not Before');
      const notAfter = opensslDate(text, 'Not After');
      expect(notBefore.getTime()).toBeLessThanOrEqual(NOW.getTime());
      expect(notBefore.getTime()).toBeGreaterThan(NOW.getTime() - 10 * 60_000);
      expect(Math.abs(notAfter.getTime() - (NOW.getTime() + days * DAY))).toBeLessThan(2000);
    }
    const saKey = run('openssl', ['pkey', '-in', join(out, 'pki/sa.key'), '-noout', '-text']);
    expect(saKey).toContain(algorithm === 'rsaEncryption' ? 'Private-Key: (2048 bit' : 'NIST CURVE: P-256');
    const saPub = run('openssl', ['pkey', '-pubin', '-in', join(out, 'pki/sa.pub'), '-outform', 'DER']);
    const derived = run('openssl', ['pkey', '-in', join(out, 'pki/sa.key'), '-pubout', '-outform', 'DER']);
    expect(saPub).toBe(derived);
  });

  it('holds a file for every pki source the secrets bucket uploads, private ones mode 0600', () => {
    const sources = bucketObjects(model, addonFileNames(model)).filter((o) => o.source.startsWith('pki/'));
    expect(sources.length).toBeGreaterThan(20);
    for (const object of sources) {
      const st = statSync(join(out, object.source));
      expect(st.isFile(), object.source).toBe(true);
      expect(st.mode & 0o777, object.source).toBe(object.secret ? 0o600 : 0o644);
    }
    for (const plan of plans) expect(statSync(join(out, `${plan.base}.key`)).mode & 0o777, plan.base).toBe(0o600);
  });

  it('writes kubeadm-format secrets', () => {
    expect(readFileSync(join(out, 'pki/secrets/bootstrap-token'), 'utf8')).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}\n$/);
    const config = readFileSync(join(out, 'pki/secrets/encryption-config.yaml'), 'utf8');
    expect(config).toContain('kind: EncryptionConfiguration');
    const secret = /secret: (\S+)/.exec(config)?.[1] ?? '';
    expect(Buffer.from(secret, 'base64')).toHaveLength(32);
    expect(config.indexOf('secretbox:')).toBeLessThan(config.indexOf('identity: {}'));
  });

  it('lists what exists in a manifest without key material', () => {
    const manifest = JSON.parse(readFileSync(join(out, 'pki/manifest.json'), 'utf8')) as {
      certificates: Array<{ path: string; kind: string; subject: string; serial: string; sha256: string; ipAddresses: string[] }>;
    };
    expect(manifest.certificates.map((c) => c.path).sort()).toEqual(plans.map((p) => `${p.base}.crt`).sort());
    for (const entry of manifest.certificates) {
      const fingerprint = run('openssl', ['x509', '-in', join(out, entry.path), '-noout', '-fingerprint', '-sha256']);
      expect(fingerprint.trim().split('=')[1]).toBe(entry.sha256);
      const serial = run('openssl', ['x509', '-in', join(out, entry.path), '-noout', '-serial']).trim().split('=')[1];
      expect(BigInt(`0x${serial}`)).toBe(BigInt(`0x${entry.serial}`));
    }
    const text = readFileSync(join(out, 'pki/manifest.json'), 'utf8');
    expect(text).not.toMatch(/PRIVATE KEY|BEGIN/);
  });
});

/** kubeadm's file → issuing CA, written out independently of the plan so a wrong plan cannot pass. */
const KUBEADM_ISSUERS: Record<string, string> = {
  'pki/apiserver-kubelet-client.crt': 'kubernetes-ca',
  'pki/apiserver-etcd-client.crt': 'etcd-ca',
  'pki/front-proxy-client.crt': 'kubernetes-front-proxy-ca',
  'pki/etcd/healthcheck-client.crt': 'etcd-ca',
  'pki/etcd/members/control-plane-1/server.crt': 'etcd-ca',
  'pki/etcd/members/control-plane-1/peer.crt': 'etcd-ca',
  'pki/admin.crt': 'kubernetes-ca',
  'users/alice/alice.crt': 'kubernetes-ca',
};

describe('the tutorial cluster', () => {
  it('signs each kubeadm certificate with the CA kubeadm uses for it', async () => {
    const out = tempDir();
    await generateInto(out, modelOf(TUTORIAL), NOW);
    for (const [file, issuer] of Object.entries(KUBEADM_ISSUERS)) {
      const printed = run('openssl', ['x509', '-in', join(out, file), '-noout', '-issuer', '-nameopt', 'sep_comma_plus_space,sname']);
      expect(printed.trim(), file).toBe(`issuer=CN=${issuer}`);
    }
  });

  it('makes per-member etcd certificates with the member name and fixed IP', async () => {
    const out = tempDir();
    const model = modelOf(TUTORIAL);
    await generateInto(out, model, NOW);
    expect(model.controlPlane.members).toHaveLength(3);
    for (const member of model.controlPlane.members) {
      for (const file of ['server', 'peer']) {
        const text = certText(join(out, `pki/etcd/members/${member.name}/${file}.crt`));
        expect(extension(text, 'X509v3 Subject Alternative Name')?.value).toBe(
          `DNS:${member.name}, DNS:localhost, IP Address:${member.privateIp}, IP Address:127.0.0.1`,
        );
      }
    }
    expect(subjectOf(join(out, 'users/alice/alice.crt'))).toBe('O=developers, CN=alice');
    expect(subjectOf(join(out, 'pki/admin.crt'))).toBe('O=kubeadm:cluster-admins, CN=kubernetes-admin');
  });
});
