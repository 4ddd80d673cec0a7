import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateText } from '../../src/spec/validate.js';
import { emitPki } from '../../src/pki/emit.js';
import { readPkiStore } from '../../src/pki/store.js';
import { generateInto, modelOf, privateModelWithMovedZoneB, PRIVATE, tempDir, TUTORIAL } from './helpers.js';

const bytesOf = (files: Array<{ path: string; content: string | Uint8Array }>) =>
  new Map(files.map((f) => [f.path, Buffer.from(f.content).toString('base64')]));

describe('reusing the store', () => {
  it('emits byte-identical files from the same store, twice', async () => {
    const out = tempDir();
    const model = modelOf(TUTORIAL);
    const first = await generateInto(out, model);
    expect(first.changes.filter((c) => c.action === 'created').length).toBeGreaterThan(15);

    const store = await readPkiStore(out);
    const a = await emitPki(model, store, new Date(Date.now() + 86_400_000));
    const b = await emitPki(model, store, new Date(Date.now() + 2 * 86_400_000));
    expect(bytesOf(a.files)).toEqual(bytesOf(b.files));
    expect(bytesOf(a.files)).toEqual(bytesOf(first.files));
    expect(a.changes.every((c) => c.action === 'kept')).toBe(true);
    for (const file of a.files) expect(readFileSync(join(out, file.path)).equals(Buffer.from(file.content)), file.path).toBe(true);
  });

  it('re-issues only the etcd certificates of the member whose IP changed, from the same CA, for the same keys', async () => {
    const out = tempDir();
    const before = modelOf(PRIVATE);
    const first = await generateInto(out, before);
    const after = privateModelWithMovedZoneB();
    expect(after.controlPlane.members[1].privateIp).not.toBe(before.controlPlane.members[1].privateIp);
    expect(after.controlPlane.members[0].privateIp).toBe(before.controlPlane.members[0].privateIp);

    const second = await emitPki(after, await readPkiStore(out), new Date());
    const changed = second.changes.filter((c) => c.action !== 'kept');
    expect(changed.map((c) => `${c.action} ${c.path}`)).toEqual([
      'reissued pki/etcd/members/control-plane-2/peer.crt',
      'reissued pki/etcd/members/control-plane-2/server.crt',
    ]);
    expect(changed[0].reason).toBe(
      `IP SANs ${before.controlPlane.members[1].privateIp}, 127.0.0.1 -> ${after.controlPlane.members[1].privateIp}, 127.0.0.1`,
    );

    const firstBytes = bytesOf(first.files);
    const secondBytes = bytesOf(second.files);
    const differing = [...secondBytes.keys()].filter((path) => firstBytes.get(path) !== secondBytes.get(path)).sort();
    // Keys are never rewritten: the re-issued certificates certify the same keys.
    expect(differing).toEqual([
      'pki/etcd/members/control-plane-2/peer.crt',
      'pki/etcd/members/control-plane-2/server.crt',
      'pki/manifest.json',
    ]);
    // Writing the result back passes the store's own checks: the new leaves are signed by the unchanged etcd CA.
    await generateInto(out, after);
    expect((await readPkiStore(out)).pairs.get('pki/etcd/members/control-plane-2/server')?.info.ipAddresses).toContain(after.controlPlane.members[1].privateIp);
  });

  it('re-issues a user whose groups changed and keeps users added outside the spec', async () => {
    const out = tempDir();
    const text = readFileSync(TUTORIAL, 'utf8');
    await generateInto(out, validateText(text, TUTORIAL).model);
    const bobSpec = text.replace('groups: [developers]', 'groups: [developers, sre]').replace(/users:\n/, 'users:\n    - name: bob\n');
    const withBob = validateText(bobSpec, TUTORIAL).model;
    const aliceKey = readFileSync(join(out, 'users/alice/alice.key'));
    const second = await generateInto(out, withBob);
    expect(readFileSync(join(out, 'users/alice/alice.key')).equals(aliceKey)).toBe(true);
    expect((await readPkiStore(out)).pairs.get('users/alice/alice')?.info.organizations).toEqual(['developers', 'sre']);
    expect(second.changes.filter((c) => c.action !== 'kept').map((c) => `${c.action} ${c.path}`)).toEqual([
      'reissued users/alice/alice.crt',
      'created users/bob/bob.crt',
    ]);
    const third = await emitPki(validateText(text, TUTORIAL).model, await readPkiStore(out), new Date());
    expect(third.changes.find((c) => c.path === 'users/bob/bob.crt')?.action).toBe('kept');
    expect(third.files.some((f) => f.path === 'users/bob/bob.key')).toBe(true);
  });

  it('creates missing leaves but keeps the CA when a leaf pair was deleted', async () => {
    const out = tempDir();
    const model = modelOf(TUTORIAL);
    const first = await generateInto(out, model);
    rmSync(join(out, 'pki/front-proxy-client.crt'));
    rmSync(join(out, 'pki/front-proxy-client.key'));
    const second = await emitPki(model, await readPkiStore(out), new Date());
    expect(second.changes.filter((c) => c.action !== 'kept').map((c) => `${c.action} ${c.path}`)).toEqual(['created pki/front-proxy-client.crt']);
    const ca = (r: typeof first) => r.files.find((f) => f.path === 'pki/front-proxy-ca.key')?.content;
    expect(Buffer.from(ca(second) ?? '').equals(Buffer.from(ca(first) ?? 'x'))).toBe(true);
  });

  it('drops the certificates of members the spec no longer has', async () => {
    const out = tempDir();
    await generateInto(out, modelOf('examples/five-members.yaml'));
    const text = readFileSync('examples/five-members.yaml', 'utf8').replace('count: 5', 'count: 3');
    const three = validateText(text, 'examples/five-members.yaml').model;
    const result = await emitPki(three, await readPkiStore(out), new Date());
    expect(result.changes.filter((c) => c.action === 'removed').map((c) => c.path)).toEqual([
      'pki/etcd/members/control-plane-4/peer.crt',
      'pki/etcd/members/control-plane-4/server.crt',
      'pki/etcd/members/control-plane-5/peer.crt',
      'pki/etcd/members/control-plane-5/server.crt',
    ]);
    expect(result.files.some((f) => f.path.includes('control-plane-4'))).toBe(false);
    expect(existsSync(join(out, 'pki/etcd/members/control-plane-4/server.key'))).toBe(true);
  });
});
