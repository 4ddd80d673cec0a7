import { createHash } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { ExtendedUsage } from './certificate-plan.js';

/** What a certificate says, in the terms the manifest, `certs check` and the reuse decision compare. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  usages: ExtendedUsage[];
  isCa: boolean;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER encoding, colon-separated hex as openssl prints it. */
  sha256: string;
  /** "ECDSA P-256" or "RSA 2048". */
  keyAlgorithm: string;
}

const USAGE_BY_OID: Record<string, ExtendedUsage> = {
  [x509.ExtendedKeyUsage.serverAuth]: 'server',
  [x509.ExtendedKeyUsage.clientAuth]: 'client',
};

/** Parses one PEM certificate; throws when the text is not exactly that. */
export function parseCertificate(pem: string | Uint8Array): x509.X509Certificate {
  const text = Buffer.from(pem).toString('utf8');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1) throw new Error(`expected one PEM certificate, found ${blocks.length}`);
  return new x509.X509Certificate(text);
}

export function describeCertificate(cert: x509.X509Certificate): CertificateInfo {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san ? san.names.items : [];
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const usages = (eku?.usages ?? [])
    .map((u) => USAGE_BY_OID[String(u)])
    .filter((u): u is ExtendedUsage => u !== undefined);
  const algorithm = cert.publicKey.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    commonName: cert.subjectName.getField('CN')[0] ?? '',
    organizations: cert.subjectName.getField('O'),
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    usages,
    isCa: cert.getExtension(x509.BasicConstraintsExtension)?.ca ?? false,
    serial: cert.serialNumber,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    sha256: createHash('sha256').update(new Uint8Array(cert.rawData)).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:'),
    keyAlgorithm: algorithm.name === 'ECDSA' ? `ECDSA ${algorithm.namedCurve ?? ''}`.trim() : `RSA ${algorithm.modulusLength ?? ''}`.trim(),
  };
}

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;

/** Whole days until `notAfter`, rounded down; negative once expired. */
export function daysUntil(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}
