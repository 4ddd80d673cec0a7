import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { certsCommand } from '../../src/cli/commands/certs.js';
import { DAY_MS } from '../../src/pki/certificate-info.js';
import { CA_BASES } from '../../src/pki/certificate-plan.js';
import { generateInto, modelOf, run, runCommand, tempDir, TUTORIAL } from './helpers.js';
import { listFiles } from '../helpers/files.js';

const hakube = (...argv: string[]) => runCommand([certsCommand] as Parameters<typeof runCommand>[0], argv);

const serial = (path: string) => run('openssl', ['x509', '-in', path, '-noout', '-serial']).trim();
const publicKeyOfCert = (path: string) => run('openssl', ['x509', '-in', path, '-noout', '-pubkey']);
const publicKeyOfKey = (path: string) => run('openssl', ['pkey', '-in', path, '-pubout']);

interface Renewed {
  path: string;
  oldSerial: string;
  newSerial: string;
  newNotAfter: string;
}

describe('hakube certs renew', () => {
  const out = tempDir('hakube-renew-');
  const keysBefore = new Map<string, Buffer>();
  const certsBefore = new Map<string, Buffer>();
  // Made 340 days ago: every leaf (365 days) expires in 25 days, the CAs in about nine years.
  const madeAt = new Date(Date.now() - 340 * DAY_MS);

  beforeAll(async () => {
    await generateInto(out, modelOf(TUTORIAL), madeAt);
    for (const file of listFiles(out)) {
      if (file.endsWith('.key')) keysBefore.set(file, readFileSync(join(out, file)));
      if (file.endsWith('.crt')) certsBefore.set(file, readFileSync(join(out, file)));
    }
  });

  it('certs check says what is due and names the renew command', async () => {
    const check = await hakube('certs', 'check', TUTORIAL, '--out', out, '--warn-days', '30');
    expect(check.code).toBe(1);
    expect(check.err).toContain(`hakube certs renew ${TUTORIAL} --within 30`);
  });

  it('renews nothing with --within shorter than the time left', async () => {
    const result = await hakube('certs', 'renew', TUTORIAL, '--out', out, '--within', '10');
    expect(result.code).toBe(0);
    expect(result.out).toContain('nothing renewed');
    for (const [file, bytes] of certsBefore) expect(readFileSync(join(out, file)).equals(bytes), file).toBe(true);
  });

  it('re-issues every leaf due, never a CA, keeps every key, and regenerates the folder', async () => {
    const result = await hakube('certs', 'renew', TUTORIAL, '--out', out, '--within', '30', '-o', 'json');
    expect(result.code, result.err).toBe(0);
    const { renewed } = JSON.parse(result.out) as { renewed: Renewed[] };
    const leaves = [...certsBefore.keys()].filter((f) => !(CA_BASES as readonly string[]).includes(f.replace(/\.crt$/, ''))).sort();
    expect(renewed.map((r) => r.path)).toEqual(leaves);
    expect(leaves).toContain('pki/etcd/members/control-plane-1/peer.crt');
    expect(leaves).toContain('pki/apiserver-etcd-client.crt');

    // The tutorial has no published issuer, so no pod identity webhook CA.
    const cas = CA_BASES.filter((base) => certsBefore.has(`${base}.crt`));
    expect(cas).toHaveLength(CA_BASES.length - 1);
    for (const base of cas) expect(readFileSync(join(out, `${base}.crt`)).equals(certsBefore.get(`${base}.crt`)!)).toBe(true);
    for (const [file, bytes] of keysBefore) expect(readFileSync(join(out, file)).equals(bytes), `${file} changed`).toBe(true);
    for (const r of renewed) {
      const path = join(out, r.path);
      expect(r.newSerial).not.toBe(r.oldSerial);
      expect(serial(path).toLowerCase()).toBe(`serial=${r.newSerial}`.toLowerCase());
      const ca = r.path.includes('etcd') ? 'pki/etcd/ca.crt' : r.path.includes('front-proxy') ? 'pki/front-proxy-ca.crt' : 'pki/ca.crt';
      expect(run('openssl', ['verify', '-CAfile', join(out, ca), path]).trim()).toMatch(/: OK$/);
      expect(publicKeyOfCert(path)).toBe(publicKeyOfKey(path.replace(/\.crt$/, '.key')));
      expect(Math.abs(new Date(r.newNotAfter).getTime() - (Date.now() + 365 * DAY_MS))).toBeLessThan(DAY_MS);
    }
    // generate ran: the whole folder is there and the manifest lists the new serials.
    expect(listFiles(out)).toContain('iam.tf.json');
    const manifest = readFileSync(join(out, 'pki/manifest.json'), 'utf8');
    for (const r of renewed) expect(manifest.toLowerCase()).toContain(r.newSerial.toLowerCase());
  });

  it('leaves nothing due afterwards: certs check passes and a second renew changes nothing', async () => {
    expect((await hakube('certs', 'check', TUTORIAL, '--out', out, '--warn-days', '30')).code).toBe(0);
    const again = await hakube('certs', 'renew', TUTORIAL, '--out', out, '--within', '30', '-o', 'json');
    expect(JSON.parse(again.out)).toEqual({ within: 30, renewed: [] });
  });

  it('refuses a negative --within as bad usage', async () => {
    expect((await hakube('certs', 'renew', TUTORIAL, '--out', out, '--within', '-1')).code).toBe(2);
  });
});
