import { createHash, createPublicKey, type JsonWebKey } from 'node:crypto';
import type { ServiceAccountIssuerModel } from '../../model/service-account-issuer.js';
import type { GeneratedFile } from '../../output/files.js';

/** The two files published in the discovery bucket, generated from pki/sa.pub (a public key) and committed. */
export const OPENID_CONFIGURATION_FILE = 'oidc/openid-configuration.json';
export const JWKS_FILE = 'oidc/jwks.json';
export const DISCOVERY_FILES = [OPENID_CONFIGURATION_FILE, JWKS_FILE] as const;

/**
 * The key id kube-apiserver puts in the tokens it signs (pkg/serviceaccount/jwt.go, keyIDFromPublicKey): the
 * base64url SHA-256 of the public key's PKIX DER. STS picks the JWKS key by it, so it must be the same here.
 */
export function serviceAccountKeyId(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ format: 'der', type: 'spki' });
  return createHash('sha256').update(der).digest('base64url');
}

/** kube-apiserver signs with RS256 for an RSA key and ES256 for a P-256 key, the two kinds hakube makes. */
export function signingAlgorithm(publicKeyPem: string): 'RS256' | 'ES256' {
  const key = createPublicKey(publicKeyPem);
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`BUG: the service-account key is ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''}, which hakube never makes`);
}

function jsonFile(path: string, value: unknown): GeneratedFile {
  return { path, content: `${JSON.stringify(value, null, 2)}\n` };
}

/**
 * What kube-apiserver itself serves at /.well-known/openid-configuration and /openid/v1/jwks, published where STS
 * can fetch it without credentials: the issuer document and the JWKS, nothing else.
 */
export function discoveryDocuments(issuer: ServiceAccountIssuerModel, serviceAccountPublicKeyPem: string): GeneratedFile[] {
  const alg = signingAlgorithm(serviceAccountPublicKeyPem);
  const jwk = createPublicKey(serviceAccountPublicKeyPem).export({ format: 'jwk' }) as JsonWebKey;
  return [
    jsonFile(OPENID_CONFIGURATION_FILE, {
      issuer: issuer.url,
      jwks_uri: issuer.jwksUri,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [alg],
    }),
    jsonFile(JWKS_FILE, { keys: [{ use: 'sig', kid: serviceAccountKeyId(serviceAccountPublicKeyPem), alg, ...jwk }] }),
  ];
}
