import { randomBytes, type webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { UserError } from '../errors.js';
import { DAY_MS } from './certificate-info.js';
import type { CertificatePlan } from './certificate-plan.js';
import { isRsa, signingAlgorithmOf, type KeyMaterial } from './keys.js';

/** A CA able to sign: its certificate, its key, and its certificate's path in the output folder (for messages). */
export interface SigningCa {
  cert: x509.X509Certificate;
  key: KeyMaterial;
  path: string;
}

const CA_ROTATION = "renew it with kubeadm's CA rotation procedure (docs/pki.md, \"Renewing a CA\")";

/**
 * How many days a leaf issued now would really get when its CA expires before `validityDays` have passed (a leaf
 * never outlives its CA), or undefined when it gets them all. An expired CA is refused (HK444): whatever it signed
 * would be rejected by every peer at once.
 */
export function leafDaysCutByCa(ca: SigningCa, now: Date, validityDays: number): number | undefined {
  const caEnd = ca.cert.notAfter.getTime();
  if (caEnd <= now.getTime()) {
    const message = `the CA ${ca.path} expired on ${ca.cert.notAfter.toISOString()} (its notAfter); hakube issues no certificate from an expired CA: ${CA_ROTATION}`;
    throw new UserError(`the CA ${ca.path} has expired`, [{ code: 'HK444', severity: 'error', pointer: '', message }]);
  }
  if (caEnd >= now.getTime() + validityDays * DAY_MS) return undefined;
  return Math.floor((caEnd - now.getTime()) / DAY_MS);
}

/** The loud note for a leaf cut short by its CA, for the caller to print. */
export function cutShortWarning(ca: SigningCa, days: number, validityDays: number): string {
  return `WARNING: valid only ${days} day(s) instead of ${validityDays}: the CA ${ca.path} expires on ${ca.cert.notAfter.toISOString().slice(0, 10)}; ${CA_ROTATION}`;
}

/** Certificates start five minutes early so a node whose clock runs slightly behind accepts them (kubeadm does the same). */
const BACKDATE_MS = 5 * 60 * 1000;

function wholeSeconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

/** 127 random bits, positive and without a leading zero byte, as RFC 5280 asks of serial numbers. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) || 0x01;
  return bytes.toString('hex');
}

function subjectName(plan: CertificatePlan): x509.JsonName {
  // Same attribute order as Go's pkix.Name (O before CN); one O per group.
  return [...plan.organizations.map((o) => ({ O: [o] })), { CN: [plan.commonName] }];
}

async function subjectKeyId(publicKey: webcrypto.CryptoKey): Promise<x509.SubjectKeyIdentifierExtension> {
  return x509.SubjectKeyIdentifierExtension.create(publicKey);
}

/** A self-signed CA certificate allowed to sign leaves only (path length 0). */
export async function issueCa(plan: CertificatePlan, key: KeyMaterial, now: Date, validityDays: number): Promise<x509.X509Certificate> {
  const ski = await subjectKeyId(key.publicKey);
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subjectName(plan),
    notBefore: wholeSeconds(now.getTime() - BACKDATE_MS),
    notAfter: wholeSeconds(now.getTime() + validityDays * DAY_MS),
    signingAlgorithm: signingAlgorithmOf(key.privateKey),
    keys: { privateKey: key.privateKey, publicKey: key.publicKey },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ski,
      new x509.AuthorityKeyIdentifierExtension(ski.keyId),
    ],
  });
}

/** A leaf certificate for `key`, signed by `ca`; it never outlives its CA. */
export async function issueLeaf(
  plan: CertificatePlan,
  key: KeyMaterial,
  ca: SigningCa,
  now: Date,
  validityDays: number,
): Promise<x509.X509Certificate> {
  const caKeyId =
    ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? (await subjectKeyId(await ca.cert.publicKey.export())).keyId;
  const usages = x509.KeyUsageFlags.digitalSignature | (isRsa(key.publicKey) ? x509.KeyUsageFlags.keyEncipherment : 0);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    new x509.ExtendedKeyUsageExtension(
      plan.usages.map((u) => (u === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth)),
    ),
    await subjectKeyId(key.publicKey),
    new x509.AuthorityKeyIdentifierExtension(caKeyId),
  ];
  if (plan.dnsNames.length + plan.ipAddresses.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...plan.dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...plan.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  }
  leafDaysCutByCa(ca, now, validityDays);
  const notAfter = Math.min(now.getTime() + validityDays * DAY_MS, ca.cert.notAfter.getTime());
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: subjectName(plan),
    issuer: ca.cert.subjectName,
    notBefore: wholeSeconds(now.getTime() - BACKDATE_MS),
    notAfter: wholeSeconds(notAfter),
    signingAlgorithm: signingAlgorithmOf(ca.key.privateKey),
    publicKey: key.publicKey,
    signingKey: ca.key.privateKey,
    extensions,
  });
}

export function certificatePem(cert: x509.X509Certificate): string {
  return cert.toString('pem').replace(/\r\n/g, '\n') + '\n';
}
