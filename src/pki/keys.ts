import { createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { ClusterModel } from '../model/model.js';

type CryptoKey = webcrypto.CryptoKey;

// @peculiar/x509 signs through WebCrypto; Node's own implementation keeps key generation native.
x509.cryptoProvider.set(webcrypto);

export type KeyAlgorithm = ClusterModel['pki']['keyAlgorithm'];

/** A key pair usable for signing certificates, with its PKCS#8 PEM for the key file. */
export interface KeyMaterial {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** PKCS#8 "PRIVATE KEY" PEM, newline-terminated: what goes into the .key file. */
  privateKeyPem: string;
}

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const RSA_2048 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

export function pemBlock(der: ArrayBuffer | Uint8Array, tag: string): string {
  return x509.PemConverter.encode(der instanceof Uint8Array ? new Uint8Array(der) : der, tag).replace(/\r\n/g, '\n') + '\n';
}

export async function generateKeyMaterial(algorithm: KeyAlgorithm): Promise<KeyMaterial> {
  const pair =
    algorithm === 'rsa-2048'
      ? await webcrypto.subtle.generateKey(
          { ...RSA_2048, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
          true,
          ['sign', 'verify'],
        )
      : await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', pair.privateKey);
  return {
    privateKey: pair.privateKey as CryptoKey,
    publicKey: pair.publicKey as CryptoKey,
    privateKeyPem: pemBlock(pkcs8, 'PRIVATE KEY'),
  };
}

/** WebCrypto import parameters matching a stored key: keys keep the algorithm they were made with. */
function importAlgorithm(key: KeyObject): webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams {
  if (key.asymmetricKeyType === 'rsa') return RSA_2048;
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return ECDSA_P256;
  throw new Error(`unsupported key type ${key.asymmetricKeyType}${key.asymmetricKeyDetails?.namedCurve ? ` (${key.asymmetricKeyDetails.namedCurve})` : ''}; hakube uses ECDSA P-256 or RSA`);
}

/** Makes a stored private key (any PEM form Node reads: PKCS#8, PKCS#1, SEC1) usable for signing and certifying. */
export async function importSigningKey(keyPem: string | Uint8Array): Promise<KeyMaterial> {
  const key = createPrivateKey({ key: Buffer.from(keyPem), format: 'pem' });
  const algorithm = importAlgorithm(key);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return {
    privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, algorithm, true, ['verify']),
    privateKeyPem: Buffer.from(keyPem).toString('utf8'),
  };
}

/** The signature algorithm a key signs with: SHA-256 in both families, as kubeadm does. */
export function signingAlgorithmOf(key: CryptoKey): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return key.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : RSA_2048;
}

export function isRsa(key: CryptoKey): boolean {
  return key.algorithm.name === 'RSASSA-PKCS1-v1_5';
}

/** SubjectPublicKeyInfo PEM of a public key: the format of sa.pub. */
export async function publicKeyPem(publicKey: CryptoKey): Promise<string> {
  return pemBlock(await webcrypto.subtle.exportKey('spki', publicKey), 'PUBLIC KEY');
}
