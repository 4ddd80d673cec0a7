import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sshPublicKeyProblem } from '../../src/spec/ssh-public-key.js';
import { BASE_SPEC, issuesOf, lineOf, only } from '../helpers/spec-text.js';
import { generatedPublicKey, sshKeygenFingerprint, TEST_SSH_PUBLIC_KEY } from '../helpers/ssh-keys.js';

/** Every inline `publicKey:` line of the shipped examples, the test fixtures and the docs. */
function shippedKeys(): { file: string; key: string }[] {
  const files = [
    ...readdirSync('examples').filter((f) => f.endsWith('.yaml')).map((f) => join('examples', f)),
    ...readdirSync('test/fixtures').filter((f) => f.endsWith('.yaml')).map((f) => join('test/fixtures', f)),
    ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => join('docs', f)),
    'README.md',
  ];
  return files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/publicKey: ((?:ssh|ecdsa)-\S+ \S+.*)$/gm)].map((m) => ({ file, key: m[1]!.trim() })),
  );
}

function withKey(key: string): string {
  return BASE_SPEC.replace('  controlPlane:', `  ssh:\n    publicKey: ${key}\n  controlPlane:`);
}

/** `key` with its base64 blob replaced by the base64 of `edit(blob)`. */
function reblob(key: string, edit: (blob: Buffer) => Buffer): string {
  const [type, blob] = key.split(' ');
  return `${type} ${edit(Buffer.from(blob!, 'base64')).toString('base64')}`;
}

describe('SSH public keys', () => {
  it('every key shipped in examples, fixtures and docs is one the real ssh-keygen reads, and the rule accepts', () => {
    const keys = shippedKeys();
    expect(keys.map((k) => k.file)).toEqual(expect.arrayContaining(['examples/myfirstcluster.yaml', 'examples/five-members.yaml', 'test/fixtures/large-cluster.yaml']));
    for (const { file, key } of keys) {
      const fingerprint = sshKeygenFingerprint(key);
      expect(fingerprint.status, `${file}: ${fingerprint.output}`).toBe(0);
      expect(sshPublicKeyProblem(key), file).toBeUndefined();
    }
  });

  it('accepts what ssh-keygen makes: ed25519, RSA 2048 and 4096, ECDSA on all three curves', () => {
    for (const [type, bits] of [['ed25519'], ['rsa', 2048], ['rsa', 4096], ['ecdsa', 256], ['ecdsa', 384], ['ecdsa', 521]] as const) {
      const key = generatedPublicKey(type, bits);
      expect(sshPublicKeyProblem(key), key).toBeUndefined();
    }
  });

  it('refuses an RSA key below 2048 bits', () => {
    expect(sshPublicKeyProblem(generatedPublicKey('rsa', 1024))).toMatch(/1024 bits; AWS and OpenSSH need at least 2048/);
  });

  it('refuses the old malformed example key, as ssh-keygen does', () => {
    const old = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHakubeExampleKeyOnlyForTheTutorialXXXXXXXXXXXX tutorial@example';
    expect(sshKeygenFingerprint(old).status).not.toBe(0);
    expect(sshPublicKeyProblem(old)).toMatch(/not valid base64/);
  });

  it('HK264: truncated blob, type mismatch, bad base64, trailing bytes; at the publicKey line', () => {
    const cases: [string, RegExp][] = [
      [reblob(TEST_SSH_PUBLIC_KEY, (b) => b.subarray(0, 40)), /32 key bytes \(a 51-byte blob\)/],
      [reblob(TEST_SSH_PUBLIC_KEY, (b) => Buffer.concat([b, Buffer.from([0])])), /1 byte\(s\) after the ssh-ed25519 key/],
      [TEST_SSH_PUBLIC_KEY.replace('ssh-ed25519', 'ssh-rsa'), /the blob says it is "ssh-ed25519" but the line says ssh-rsa/],
      [reblob(generatedPublicKey('ecdsa', 256), (b) => b).replace('ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384'), /says it is "ecdsa-sha2-nistp256"/],
      [`${TEST_SSH_PUBLIC_KEY.slice(0, -3)} me@host`, /not valid base64/],
      [`${TEST_SSH_PUBLIC_KEY.slice(0, 30)}=${TEST_SSH_PUBLIC_KEY.slice(31)}`, /not valid base64/],
    ];
    for (const [key, message] of cases) {
      const text = withKey(key);
      const found = only(issuesOf(text), 'HK264');
      expect(found, key).toHaveLength(1);
      expect(found[0]!.pointer).toBe('/spec/ssh/publicKey');
      expect(found[0]!.severity).toBe('error');
      expect(found[0]!.position?.line).toBe(lineOf(text, 'publicKey:'));
      expect(found[0]!.message).toMatch(message);
      expect(sshKeygenFingerprint(key).status, key).not.toBe(0);
    }
    expect(only(issuesOf(withKey(`${TEST_SSH_PUBLIC_KEY} me@host`)), 'HK264')).toEqual([]);
  });
});
