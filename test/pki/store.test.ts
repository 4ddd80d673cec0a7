import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { readPkiStore } from '../../src/pki/store.js';
import { generateInto, modelOf, tempDir, TUTORIAL } from './helpers.js';

async function storeError(out: string): Promise<UserError> {
  try {
    await readPkiStore(out);
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected readPkiStore to fail');
}

describe('readPkiStore', () => {
  let out: string;
  beforeEach(async () => {
    out = tempDir();
    await generateInto(out, modelOf(TUTORIAL));
  });

  it('reads a missing folder as an empty store', async () => {
    const store = await readPkiStore(join(tempDir(), 'never-generated'));
    expect(store.pairs.size).toBe(0);
    expect(store.serviceAccount).toBeUndefined();
    expect(store.bootstrapToken).toBeUndefined();
  });

  it('reads back every pair it wrote', async () => {
    const store = await readPkiStore(out);
    expect([...store.pairs.keys()]).toContain('pki/etcd/members/control-plane-3/peer');
    expect(store.pairs.get('users/alice/alice')?.info.organizations).toEqual(['developers']);
    expect(store.serviceAccount).toBeDefined();
    expect(store.encryptionConfig).toBeDefined();
  });

  it('names an unparsable certificate', async () => {
    writeFileSync(join(out, 'pki/apiserver-etcd-client.crt'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
    const err = await storeError(out);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0].code).toBe('HK401');
    expect(err.issues[0].message).toMatch(/^pki\/apiserver-etcd-client\.crt is not a PEM certificate/);
    expect(err.issues[0].position?.file).toBe(join(out, 'pki/apiserver-etcd-client.crt'));
  });

  it('HK440: a certificate file with the CA private key appended is refused, naming the file', async () => {
    const caKey = readFileSync(join(out, 'pki/ca.key'), 'utf8');
    writeFileSync(join(out, 'pki/ca.crt'), readFileSync(join(out, 'pki/ca.crt'), 'utf8') + caKey);
    const err = await storeError(out);
    expect(err.issues.map((i) => [i.code, i.position?.file])).toContainEqual(['HK440', join(out, 'pki/ca.crt')]);
    expect(err.issues.find((i) => i.code === 'HK440')?.message).toMatch(/^pki\/ca\.crt holds a "PRIVATE KEY" PEM block besides its certificate/);
  });

  it('HK440: a leaf certificate file holding any other PEM block is refused', async () => {
    const path = join(out, 'users/alice/alice.crt');
    writeFileSync(path, readFileSync(path, 'utf8') + '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
    expect((await storeError(out)).issues.map((i) => i.code)).toEqual(['HK440']);
  });

  it('HK441: a key file holding two keys is refused, naming the file', async () => {
    const path = join(out, 'pki/front-proxy-client.key');
    writeFileSync(path, readFileSync(path, 'utf8') + readFileSync(join(out, 'pki/admin.key'), 'utf8'));
    const err = await storeError(out);
    expect(err.issues.map((i) => [i.code, i.message])).toEqual([['HK441', 'pki/front-proxy-client.key holds 2 private keys; a key file must hold exactly one']]);
  });

  it('HK441: the service-account key file holding two keys is refused', async () => {
    const path = join(out, 'pki/sa.key');
    writeFileSync(path, readFileSync(path, 'utf8') + readFileSync(join(out, 'pki/admin.key'), 'utf8'));
    expect((await storeError(out)).issues.map((i) => i.code)).toEqual(['HK441']);
  });

  it('HK442: a huge file in place of a key is refused without being read whole', async () => {
    writeFileSync(join(out, 'pki/admin.key'), 'x'.repeat(64 * 1024));
    expect((await storeError(out)).issues.map((i) => i.code)).toEqual(['HK442']);
  });

  it('names a key that does not match its certificate', async () => {
    copyFileSync(join(out, 'pki/front-proxy-client.key'), join(out, 'pki/apiserver-kubelet-client.key'));
    const err = await storeError(out);
    expect(err.issues.map((i) => [i.code, i.message.split(' ')[0]])).toEqual([['HK402', 'pki/apiserver-kubelet-client.key']]);
  });

  it('names a leaf not signed by its CA in the store', async () => {
    const other = tempDir();
    await generateInto(other, modelOf(TUTORIAL));
    for (const ext of ['crt', 'key']) copyFileSync(join(other, `users/alice/alice.${ext}`), join(out, `users/alice/alice.${ext}`));
    const err = await storeError(out);
    expect(err.issues.map((i) => i.code)).toEqual(['HK403']);
    expect(err.issues[0].message).toBe('users/alice/alice.crt is not signed by the CA pki/ca.crt in the store');
  });

  it('refuses leaves whose CA vanished instead of making a new CA', async () => {
    rmSync(join(out, 'pki/etcd/ca.crt'));
    rmSync(join(out, 'pki/etcd/ca.key'));
    const err = await storeError(out);
    const files = err.issues.map((i) => i.message.split(' ')[0]);
    expect(files).toContain('pki/etcd/healthcheck-client.crt');
    expect(files).toContain('pki/etcd/members/control-plane-1/server.crt');
    expect(err.issues.every((i) => i.code === 'HK403')).toBe(true);
  });

  it('names a certificate without its key and a key without its certificate', async () => {
    rmSync(join(out, 'pki/ca.key'));
    rmSync(join(out, 'pki/admin.key'));
    rmSync(join(out, 'pki/front-proxy-client.crt'));
    const err = await storeError(out);
    const messages = err.issues.map((i) => i.message);
    expect(messages).toContain(
      'pki/ca.crt has no private key pki/ca.key; restore the CA key from backup ' +
        '(a CA is never replaced: deleting it means re-creating every certificate and re-provisioning the cluster)',
    );
    expect(messages).toContain('pki/admin.crt has no private key pki/admin.key; restore the key, or delete the certificate to have a new pair issued');
    expect(messages.some((m) => m.startsWith('pki/front-proxy-client.key has no certificate'))).toBe(true);
  });

  it.each(['pki', 'users'])('names a file where the %s folder should be instead of failing internally', async (dir) => {
    const bare = tempDir();
    writeFileSync(join(bare, dir), 'not a folder\n');
    const err = await storeError(bare);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ code: 'HK401', position: { file: join(bare, dir), line: 1, column: 1 } });
    expect(err.issues[0]!.message).toMatch(new RegExp(`^${dir} is a file, but hakube keeps key material in the folder ${dir}/`));
  });

  it('names a service-account public key that is not the pair of sa.key', async () => {
    const other = tempDir();
    await generateInto(other, modelOf(TUTORIAL));
    copyFileSync(join(other, 'pki/sa.pub'), join(out, 'pki/sa.pub'));
    expect((await storeError(out)).issues.map((i) => i.message)).toEqual(['pki/sa.pub is not the public half of pki/sa.key']);
  });

  it('names broken secrets and kubeconfigs', async () => {
    writeFileSync(join(out, 'pki/secrets/bootstrap-token'), 'ABC.def\n');
    writeFileSync(join(out, 'pki/secrets/encryption-config.yaml'), readFileSync(join(out, 'pki/secrets/encryption-config.yaml'), 'utf8').replace(/secret: \S+/, 'secret: c2hvcnQ='));
    writeFileSync(join(out, 'pki/admin.kubeconfig'), 'apiVersion: v1\nkind: Config\n');
    const err = await storeError(out);
    expect(err.issues.map((i) => `${i.code} ${i.message.split(' ')[0]}`)).toEqual([
      'HK405 pki/secrets/bootstrap-token',
      'HK405 pki/secrets/encryption-config.yaml',
      'HK406 pki/admin.kubeconfig',
    ]);
  });
});
