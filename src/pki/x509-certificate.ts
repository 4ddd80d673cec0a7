import { createHash } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { CertificateInfo } from './certificate-info.js';
import type { ExtendedUsage } from './certificate-plan.js';

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

/** The description of record; describeNatively gives the same for the certificates hakube writes. */
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
