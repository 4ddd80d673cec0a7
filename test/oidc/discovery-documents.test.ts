import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, sign, verify, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';

const ISSUER_RSA = 'https://prod-eu-example-com-oidc-7f3k.s3.eu-central-1.amazonaws.com';
const ISSUER_EC = 'https://myfirstcluster-oidc-test.s3.us-west-2.amazonaws.com';

interface Jwks {
  keys: Array<JsonWebKey & { kid: string; alg: string; use: string }>;
}

const dirs: string[] = [];
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-oidc-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function generated(spec: string): string {
  const out = join(tmp(), 'out');
  const r = runCli(['generate', spec, '--out', out]);
  if (r.code !== 0) throw new Error(`test setup: generate failed: ${r.stderr}`);
  return out;
}

/** kube-apiserver's key id computed with openssl: sha256 of the key's PKIX DER, base64url without padding. */
function opensslKeyId(pubPath: string): string {
  const der = execFileSync('openssl', ['pkey', '-pubin', '-in', pubPath, '-outform', 'DER']);
  return createHash('sha256').update(der).digest('base64url');
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A projected service-account token as kube-apiserver signs it: header alg + kid, the issuer's claims. */
function serviceAccountToken(keyPem: string, alg: string, kid: string, issuer: string): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: ['sts.amazonaws.com'],
    exp: now + 3600,
    iat: now,
    nbf: now,
    iss: issuer,
    sub: 'system:serviceaccount:analytics:reports-exporter',
    'kubernetes.io': { namespace: 'analytics', serviceaccount: { name: 'reports-exporter', uid: '3c0a1e1e-0000-4000-8000-000000000001' } },
  };
  const input = `${b64url({ alg, kid })}.${b64url(claims)}`;
  const key = createPrivateKey(keyPem);
  const signature = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}

/** Verifies a token as STS does: the key chosen by kid from the published JWKS, the signature checked with it. */
function verifiedClaims(token: string, jwks: Jwks): Record<string, unknown> | undefined {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const { alg, kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg: string; kid: string };
  const jwk = jwks.keys.find((k) => k.kid === kid && k.alg === alg);
  if (!jwk) return undefined;
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const ok = verify('sha256', Buffer.from(`${header}.${payload}`), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key, Buffer.from(signature, 'base64url'));
  return ok ? (JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>) : undefined;
}

const cases: Array<{ what: string; alg: string; issuer: string; out: () => string }> = [];
let rsaOut = '';
let ecOut = '';
beforeAll(() => {
  rsaOut = generated(join(REPO_ROOT, 'examples/private-multigroup.yaml'));
  const ecSpec = join(tmp(), 'myfirstcluster.yaml');
  const text = readFileSync(join(REPO_ROOT, 'examples/myfirstcluster.yaml'), 'utf8');
  writeFileSync(ecSpec, text.replace('\n  users:\n', '\n  serviceAccountIssuerDiscovery:\n    discoveryStore: myfirstcluster-oidc-test\n  users:\n'));
  ecOut = generated(ecSpec);
}, 300_000);
cases.push({ what: 'rsa-2048 (private-multigroup)', alg: 'RS256', issuer: ISSUER_RSA, out: () => rsaOut });
cases.push({ what: 'ecdsa-p256 (the tutorial with discovery)', alg: 'ES256', issuer: ISSUER_EC, out: () => ecOut });

describe.each(cases)('OIDC discovery documents, $what', ({ alg, issuer, out }) => {
  const read = <T>(file: string) => JSON.parse(readFileSync(join(out(), file), 'utf8')) as T;

  it('the issuer document names the issuer, the JWKS under it and the key type\'s algorithm', () => {
    expect(read('oidc/openid-configuration.json')).toEqual({
      issuer,
      jwks_uri: `${issuer}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [alg],
    });
  });

  it('the JWKS holds sa.pub only, with the key id kube-apiserver computes (cross-checked with openssl)', () => {
    const jwks = read<Jwks>('oidc/jwks.json');
    expect(jwks.keys).toHaveLength(1);
    const [key] = jwks.keys;
    expect(key?.kid).toBe(opensslKeyId(join(out(), 'pki/sa.pub')));
    expect(key).toMatchObject({ use: 'sig', alg });
    // Public parameters only: no private exponent, primes or EC private scalar.
    for (const field of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(field);
    const published = createPublicKey({ key: key as JsonWebKey, format: 'jwk' }).export({ format: 'pem', type: 'spki' });
    expect(published).toBe(readFileSync(join(out(), 'pki/sa.pub'), 'utf8'));
  });

  it('a token signed with pki/sa.key as the API server would verifies against the published JWKS; another key\'s does not', () => {
    const jwks = read<Jwks>('oidc/jwks.json');
    const kid = jwks.keys[0]?.kid ?? '';
    const token = serviceAccountToken(readFileSync(join(out(), 'pki/sa.key'), 'utf8'), alg, kid, issuer);
    expect(verifiedClaims(token, jwks)).toMatchObject({ iss: issuer, sub: 'system:serviceaccount:analytics:reports-exporter', aud: ['sts.amazonaws.com'] });

    const other = readFileSync(join(out(), 'pki/ca.key'), 'utf8');
    const forged = serviceAccountToken(other, alg, kid, issuer);
    expect(verifiedClaims(forged, jwks)).toBeUndefined();
  });
});

/** Runs `fn` with pki/ and users/ moved away, as on a CI runner that has the committed folder only. */
function withoutKeyMaterial<T>(out: string, fn: () => T): T {
  const away = tmp();
  for (const dir of ['pki', 'users']) renameSync(join(out, dir), join(away, dir));
  try {
    return fn();
  } finally {
    for (const dir of ['pki', 'users']) renameSync(join(away, dir), join(out, dir));
  }
}

describe('OIDC discovery documents without pki/', () => {
  it('generate --check takes the committed documents as they are (they need only the public key)', () => {
    const r = withoutKeyMaterial(rsaOut, () => runCli(['generate', join(REPO_ROOT, 'examples/private-multigroup.yaml'), '--out', rsaOut, '--check']));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('generate --check is stale when the committed issuer document names another issuer', () => {
    const path = join(rsaOut, 'oidc/openid-configuration.json');
    const original = readFileSync(path, 'utf8');
    writeFileSync(path, original.replaceAll(ISSUER_RSA, 'https://another-bucket.s3.eu-central-1.amazonaws.com'));
    try {
      const r = withoutKeyMaterial(rsaOut, () => runCli(['generate', join(REPO_ROOT, 'examples/private-multigroup.yaml'), '--out', rsaOut, '--check']));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('oidc/openid-configuration.json is missing or names another issuer');
    } finally {
      writeFileSync(path, original);
    }
  });

  it('generate --check is stale when the documents are missing', () => {
    const jwks = readFileSync(join(rsaOut, 'oidc/jwks.json'));
    rmSync(join(rsaOut, 'oidc/jwks.json'));
    try {
      const r = withoutKeyMaterial(rsaOut, () => runCli(['generate', join(REPO_ROOT, 'examples/private-multigroup.yaml'), '--out', rsaOut, '--check']));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('oidc/jwks.json is missing or names another issuer');
    } finally {
      writeFileSync(join(rsaOut, 'oidc/jwks.json'), jwks);
    }
  });
});
