import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';

const EXAMPLE = readFileSync(join(REPO_ROOT, 'examples/private-multigroup.yaml'), 'utf8');
/** The example without IAM roles for service accounts: the discovery and the permissions that need it. */
const WITHOUT = EXAMPLE.replace(/  serviceAccountIssuerDiscovery:\n(    .*\n)+  iam:\n(    .*\n|      .*\n)+?(?=  [a-z])/, '');

describe('the service-account issuer of a running cluster', () => {
  it('warns when a change publishes, moves or drops the issuer of a cluster that already runs, and never otherwise', () => {
    expect(WITHOUT).not.toContain('serviceAccountIssuerDiscovery');
    expect(WITHOUT).not.toContain('serviceAccountExternalPermissions');
    const dir = mkdtempSync(join(tmpdir(), 'hakube-issuer-'));
    const spec = join(dir, 'cluster.yaml');
    const out = join(dir, 'out');
    /** generate of `text` into the same folder, every member at once; its stderr. */
    const generateWith = (text: string, ...flags: string[]): string => {
      writeFileSync(spec, text);
      const r = runCli(['generate', spec, '--out', out, ...flags]);
      expect(r.code, r.stderr).toBe(0);
      return r.stderr;
    };
    expect(generateWith(WITHOUT, '--all-members-at-once')).not.toContain('service-account issuer');
    const on = generateWith(EXAMPLE, '--all-members-at-once');
    expect(on).toContain('warning: this change publishes the service-account issuer https://prod-eu-example-com-oidc-7f3k.s3.eu-central-1.amazonaws.com on a running cluster');
    expect(on).toContain('docs/iam-roles-for-service-accounts.md');
    expect(generateWith(EXAMPLE)).not.toContain('service-account issuer');
    expect(generateWith(WITHOUT, '--all-members-at-once')).toContain('stops publishing the service-account issuer');

    // A new cluster created with it has nothing running to move.
    const fresh = runCli(['generate', join(REPO_ROOT, 'examples/private-multigroup.yaml'), '--out', join(dir, 'fresh')]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).not.toContain('service-account issuer');
  });
});
