import type { X509Certificate } from 'node:crypto';
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
  '1.3.6.1.5.5.7.3.1': 'server',
  '1.3.6.1.5.5.7.3.2': 'client',
};

const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

// Node and @peculiar/x509 print names alike only for plain values: no character either escapes or quotes, no
// leading, trailing or double space, and attribute types both name the same way.
const PLAIN_VALUE = /^[A-Za-z0-9_.:@/-]+(?: [A-Za-z0-9_.:@/-]+)*$/;
const NAME_LINE = /^(CN|O|OU|C|L|ST)=(.*)$/;
const ALT_NAME = /^(DNS|IP Address):([A-Za-z0-9_.-]+)$/;

/** The attribute lines of a name as Node prints it, or undefined unless all are plain. */
function plainName(printed: string): Array<[string, string]> | undefined {
  const fields: Array<[string, string]> = [];
  for (const line of printed.split('\n')) {
    const m = NAME_LINE.exec(line);
    if (!m || !PLAIN_VALUE.test(m[2])) return undefined;
    fields.push([m[1], m[2]]);
  }
  return fields;
}

/** The serial number as @peculiar/x509 gives it: the DER integer's bytes in hex, without a sign-only leading zero. */
function serialHex(der: Buffer): string {
  let at = 0;
  const header = () => {
    const tag = der[at++];
    let length = der[at++];
    if (length & 0x80) {
      const count = length & 0x7f;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + der[at++];
    }
    return { tag, length };
  };
  header(); // Certificate
  header(); // TBSCertificate
  let field = header();
  if (field.tag === 0xa0) {
    at += field.length; // [0] version
    field = header();
  }
  if (field.tag !== 0x02) throw new Error('certificate has no serial number');
  let bytes = der.subarray(at, at + field.length);
  if (bytes.length > 1 && bytes[0] === 0x00 && bytes[1] > 0x7f) bytes = bytes.subarray(1);
  return bytes.toString('hex');
}

/**
 * Describes a certificate with Node's own X509Certificate, which reads a stored certificate without loading
 * @peculiar/x509 (a sixth of an unchanged rerun). Undefined when Node's answer could differ from
 * describeCertificate's (x509-certificate.ts): names outside the plain forms hakube writes, other key types.
 */
export function describeNatively(cert: X509Certificate): CertificateInfo | undefined {
  const subject = plainName(cert.subject);
  const issuer = plainName(cert.issuer);
  if (!subject || !issuer) return undefined;
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const entry of cert.subjectAltName === undefined ? [] : cert.subjectAltName.split(', ')) {
    const m = ALT_NAME.exec(entry);
    if (!m) return undefined;
    (m[1] === 'DNS' ? dnsNames : ipAddresses).push(m[2]);
  }
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails;
  let keyAlgorithm: string;
  if (key.asymmetricKeyType === 'rsa' && details?.modulusLength !== undefined) keyAlgorithm = `RSA ${details.modulusLength}`;
  else if (key.asymmetricKeyType === 'ec' && details?.namedCurve !== undefined && CURVE_NAMES[details.namedCurve]) keyAlgorithm = `ECDSA ${CURVE_NAMES[details.namedCurve]}`;
  else return undefined;
  const print = (fields: Array<[string, string]>) => fields.map(([type, value]) => `${type}=${value}`).join(', ');
  return {
    subject: print(subject),
    issuer: print(issuer),
    commonName: subject.find(([type]) => type === 'CN')?.[1] ?? '',
    organizations: subject.filter(([type]) => type === 'O').map(([, value]) => value),
    dnsNames,
    ipAddresses,
    usages: (cert.keyUsage ?? []).map((oid) => USAGE_BY_OID[oid]).filter((u): u is ExtendedUsage => u !== undefined),
    isCa: cert.ca,
    serial: serialHex(cert.raw),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    sha256: cert.fingerprint256,
    keyAlgorithm,
  };
}

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;

/** Whole days until `notAfter`, rounded down; negative once expired. */
export function daysUntil(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}
