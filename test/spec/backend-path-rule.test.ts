import { describe, expect, it } from 'vitest';
import { BASE_SPEC, issuesOf, lineOf, only } from '../helpers/spec-text.js';

function withBackendPath(path: string): string {
  return `${BASE_SPEC}  terraform:\n    backend:\n      type: local\n      path: ${JSON.stringify(path)}\n`;
}

describe('HK421: terraform.backend.path', () => {
  it.each(['pki/ca.key', './pki/ca.key', 'pki', 'users/alice/alice.key', 'HA-REPORT.md', 'network.tf.json', '.hakube-files', 'cloud-init/x', 'addons//y', 'kubeconfig', '.gitignore', '.'])(
    'refuses %s, a path among hakube-owned files, with its position',
    (path) => {
      const text = withBackendPath(path);
      const found = only(issuesOf(text), 'HK421');
      expect(found, JSON.stringify(issuesOf(text))).toHaveLength(1);
      expect(found[0]?.pointer).toBe('/spec/terraform/backend/path');
      expect(found[0]?.position?.line).toBe(lineOf(text, 'path: '));
      expect(found[0]?.severity).toBe('error');
    },
  );

  it.each(['terraform.tfstate', 'state/terraform.tfstate', 'pki.tfstate', 'my.tfstate.json'])('accepts %s', (path) => {
    expect(only(issuesOf(withBackendPath(path)), 'HK421')).toEqual([]);
  });
});
