/** The labels of the PEM blocks in a file, in order: "CERTIFICATE", "PRIVATE KEY", "EC PARAMETERS"... */
export function pemLabels(text: string): string[] {
  return [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1]);
}

/**
 * Why a certificate file is unsafe to use, or undefined. Only CERTIFICATE blocks may be in it: whatever else is there
 * (a private key appended by mistake) would travel with the certificate to every node and into every kubeconfig.
 */
export function certificateFileProblem(text: string): string | undefined {
  const others = pemLabels(text).filter((label) => label !== 'CERTIFICATE');
  if (others.length === 0) return undefined;
  return `holds ${describeBlocks(others)} besides its certificate; a certificate file must hold the certificate alone (hakube uploads it to every node and embeds it in kubeconfigs): move the other block(s) out`;
}

/** Why a private-key file is ambiguous, or undefined: it must hold exactly one private key (EC PARAMETERS may precede it, as openssl writes them). */
export function keyFileProblem(text: string): string | undefined {
  const labels = pemLabels(text).filter((label) => label !== 'EC PARAMETERS');
  const keys = labels.filter((label) => label.endsWith('PRIVATE KEY'));
  if (keys.length > 1) return `holds ${keys.length} private keys; a key file must hold exactly one`;
  const others = labels.filter((label) => !label.endsWith('PRIVATE KEY'));
  if (others.length > 0) return `holds ${describeBlocks(others)} besides its private key; a key file must hold the key alone`;
  return undefined;
}

function describeBlocks(labels: string[]): string {
  return [...new Set(labels)].map((label) => `a "${label}" PEM block`).join(' and ');
}
