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
    writeFileSync(spec, WITHOUT);
    const first = runCli(['generate', spec, '--out', out, '--all-members-at-once']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toContain('service-account issuer');

    writeFileSync(spec, EXAMPLE);
    const on = runCli(['generate', spec, '--out', out, '--all-members-at-once']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stderr).toContain('warning: this change publishes the service-account issuer https://prod-eu-example-com-oidc-7f3k.s3.eu-central-1.amazonaws.com on a running cluster');
    expect(on.stderr).toContain('docs/iam-roles-for-service-accounts.md');

    const again = runCli(['generate', spec, '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('service-account issuer');

    writeFileSync(spec, WITHOUT);
    const off = runCli(['generate', spec, '--out', out, '--all-members-at-once']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stderr).toContain('stops publishing the service-account issuer');

    // A new cluster created with it has nothing running to move.
    const fresh = runCli(['generate', join(REPO_ROOT, 'examples/private-multigroup.yaml'), '--out', join(dir, 'fresh')]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).not.toContain('service-account issuer');
  });
});
