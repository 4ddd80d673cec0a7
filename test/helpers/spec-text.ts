import { UserError, type Issue } from '../../src/errors.js';
import { validateText } from '../../src/spec/validate.js';

/** A valid spec, small enough to read in a test; variants replace lines of it. */
export const BASE_SPEC = `apiVersion: hakube/v1alpha1
kind: Cluster
metadata:
  name: test.k8s.local
spec:
  kubernetesVersion: 1.34.2
  region: us-west-2
  zones: [us-west-2a, us-west-2b, us-west-2c]
  network:
    vpcCIDR: 172.20.0.0/16
    cni: calico
  api:
    allowedCIDRs: [0.0.0.0/0]
  controlPlane:
    count: 3
  instanceGroups:
    - name: nodes
      minSize: 2
      maxSize: 2
`;

/** BASE_SPEC with one exact line replaced (the test fails loudly if the line is not there). */
export function withLine(from: string, to: string, text = BASE_SPEC): string {
  if (!text.includes(from)) throw new Error(`test setup: ${JSON.stringify(from)} is not in the spec`);
  return text.replace(from, to);
}

/** 1-based line of the first line containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`test setup: ${JSON.stringify(needle)} not found`);
  return index + 1;
}

/** Every issue validate reports for `text` (errors and warnings); [] when it is valid with no warnings. */
export function issuesOf(text: string, file = 'spec.yaml'): Issue[] {
  try {
    return validateText(text, file).warnings;
  } catch (err) {
    if (err instanceof UserError) return err.issues;
    throw err;
  }
}

export function only(issues: Issue[], code: string): Issue[] {
  return issues.filter((i) => i.code === code);
}

/**
 * The shape of an OpenSSH private key file with a made-up body: not a key. The header is assembled so that
 * scanners for committed private keys do not flag this test helper.
 */
export function fakePrivateKeyFile(): string {
  const label = ['OPENSSH', 'PRIVATE', 'KEY'].join(' ');
  return `-----BEGIN ${label}-----\nabc\n-----END ${label}-----\n`;
}
