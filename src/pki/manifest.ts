import type { CertificateInfo } from './certificate-info.js';

export interface ManifestCertificate {
  path: string;
  kind: 'ca' | 'leaf';
  subject: string;
  issuer: string;
  dnsNames: string[];
  ipAddresses: string[];
  usages: string[];
  keyAlgorithm: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
}

export interface ManifestFile {
  path: string;
  kind: 'service-account-key' | 'service-account-public-key' | 'bootstrap-token' | 'encryption-config';
}

/**
 * pki/manifest.json: what exists, for reviewers and tools. It holds no key material and no time of
 * writing, so it is a pure function of the certificates and changes only when one does.
 */
export function renderManifest(
  clusterName: string,
  certificates: Array<{ path: string; info: CertificateInfo }>,
  otherFiles: ManifestFile[],
): string {
  const entries: ManifestCertificate[] = [...certificates]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map(({ path, info }) => ({
      path,
      kind: info.isCa ? 'ca' : 'leaf',
      subject: info.subject,
      issuer: info.issuer,
      dnsNames: info.dnsNames,
      ipAddresses: info.ipAddresses,
      usages: info.usages,
      keyAlgorithm: info.keyAlgorithm,
      serial: info.serial,
      notBefore: info.notBefore.toISOString(),
      notAfter: info.notAfter.toISOString(),
      sha256: info.sha256,
    }));
  const files = [...otherFiles].sort((a, b) => a.path.localeCompare(b.path));
  return JSON.stringify({ cluster: clusterName, certificates: entries, files }, null, 2) + '\n';
}
