import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeNatively } from '../../src/pki/certificate-info.js';
import { issueCa } from '../../src/pki/issue.js';
import { generateKeyMaterial } from '../../src/pki/keys.js';
import { describeCertificate, parseCertificate } from '../../src/pki/x509-certificate.js';
import { generateInto, modelOf, PRIVATE, tempDir, TUTORIAL } from './helpers.js';

const folders: string[] = [];
afterAll(() => folders.forEach((f) => rmSync(f, { recursive: true, force: true })));

function certificatesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.crt'))
    .map((f) => join(dir, f));
}

describe('describeNatively', () => {
  it.each([
    ['ECDSA', TUTORIAL],
    ['RSA', PRIVATE],
  ])('describes every certificate hakube writes (%s: CAs, leaves, users) exactly as @peculiar/x509 does', async (_, spec) => {
    const out = tempDir();
    folders.push(out);
    await generateInto(out, modelOf(spec));
    const files = certificatesUnder(out);
    expect(files.some((f) => f.includes('/users/'))).toBe(true);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const bytes = readFileSync(file);
      expect(describeNatively(new X509Certificate(bytes)), file).toEqual(describeCertificate(parseCertificate(bytes)));
    }
  });

  it('declines a name Node and @peculiar/x509 print differently, leaving it to @peculiar/x509', async () => {
    const key = await generateKeyMaterial('ecdsa-p256');
    const plan = { base: 'pki/odd', issuer: null, commonName: 'Ärger (test)', organizations: ['tëam'], dnsNames: [], ipAddresses: [], usages: [] };
    const cert = await issueCa(plan, key, new Date(), 30);
    expect(describeNatively(new X509Certificate(Buffer.from(cert.rawData)))).toBeUndefined();
    expect(describeCertificate(cert).commonName).toBe('Ärger (test)');
  });
});
