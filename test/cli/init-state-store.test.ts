import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../helpers/run-cli.js';

const INIT = ['init', '--name', 'team.k8s.local', '--zones', 'eu-west-1a,eu-west-1b,eu-west-1c'];
// Each test states the variable itself, so a HAKUBE_STATE_STORE in the developer's shell changes nothing.
const NO_ENV = { HAKUBE_STATE_STORE: undefined };

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'hakube-state-store-'));
}

interface TerraformBlock {
  terraform: { backend: Record<string, Record<string, unknown>> };
}

function backendOf(out: string): Record<string, Record<string, unknown>> {
  return (JSON.parse(readFileSync(join(out, 'terraform.tf.json'), 'utf8')) as TerraformBlock).terraform.backend;
}

describe('hakube init --state-store', () => {
  it('writes an S3 backend with a key per cluster that validate accepts and generate turns into a locked, encrypted backend', () => {
    const dir = tmp();
    const file = join(dir, 'c.yaml');
    const init = runCli([...INIT, '--state-store', 's3://acme-k8s-state/clusters/prod', '-o', file], undefined, NO_ENV);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toContain('state: s3://acme-k8s-state/clusters/prod/team.k8s.local/terraform.tfstate in eu-west-1');
    expect(init.stderr).not.toContain('a team or pipeline needs');
    const validate = runCli(['validate', file]);
    expect(validate.code, validate.stderr).toBe(0);
    const out = join(dir, 'out');
    const generate = runCli(['generate', file, '--out', out]);
    expect(generate.code, generate.stderr).toBe(0);
    expect(backendOf(out)).toEqual({
      s3: { bucket: 'acme-k8s-state', key: 'clusters/prod/team.k8s.local/terraform.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true },
    });
  });

  it('reads HAKUBE_STATE_STORE when the flag is absent, the flag wins, and --state-store-region sets the bucket region', () => {
    const fromEnv = runCli(INIT, undefined, { HAKUBE_STATE_STORE: 's3://env-bucket' });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout).toContain('      type: s3\n      bucket: env-bucket\n      key: team.k8s.local/terraform.tfstate\n      region: eu-west-1\n');
    const flagWins = runCli([...INIT, '--state-store', 's3://flag-bucket/p', '--state-store-region', 'us-east-1'], undefined, { HAKUBE_STATE_STORE: 's3://env-bucket' });
    expect(flagWins.code, flagWins.stderr).toBe(0);
    expect(flagWins.stdout).toContain('      bucket: flag-bucket\n      key: p/team.k8s.local/terraform.tfstate\n      region: us-east-1\n');
    expect(flagWins.stdout).not.toContain('env-bucket');
  });

  it('refuses a bad state store URL with exit 2, naming the flag or variable and the reason, and writes nothing', () => {
    const dir = tmp();
    const file = join(dir, 'c.yaml');
    const cases: [string[], Record<string, string | undefined>, string][] = [
      [['--state-store', 'gs://bucket/x'], NO_ENV, '--state-store must be an s3:// URL'],
      [['--state-store', 's3://Bad_Bucket'], NO_ENV, 'is not a valid S3 bucket name'],
      [['--state-store', 's3://ab'], NO_ENV, 'is not a valid S3 bucket name'],
      [['--state-store', 's3://bucket-'], NO_ENV, 'is not a valid S3 bucket name'],
      [['--state-store', 's3://bucket/'], NO_ENV, 'must not start or end with "/"'],
      [['--state-store', 's3://bucket/a/'], NO_ENV, 'must not start or end with "/"'],
      [['--state-store', 's3://bucket/a/../b'], NO_ENV, 'must not contain ".."'],
      [['--state-store', 's3://bucket/a//b'], NO_ENV, 'empty segment'],
      [['--state-store', 's3://bucket/a b'], NO_ENV, 'whitespace or control characters'],
      [['--state-store', 's3://bucket/a\nb'], NO_ENV, 'whitespace or control characters'],
      [['--state-store', 's3://bucket/a\u001b[31m'], NO_ENV, 'whitespace or control characters'],
      [[], { HAKUBE_STATE_STORE: 'bucket/x' }, 'HAKUBE_STATE_STORE must be an s3:// URL'],
      [['--state-store', 's3://bucket', '--state-store-region', 'mars'], NO_ENV, '--state-store-region must be an AWS region'],
      [['--state-store-region', 'us-east-1'], NO_ENV, '--state-store-region needs --state-store'],
    ];
    for (const [flags, env, message] of cases) {
      const r = runCli([...INIT, ...flags, '-o', file], undefined, env);
      expect(r.code, `${flags.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(message);
      expect(hasStackTrace(r.stderr)).toBe(false);
      expect(existsSync(file)).toBe(false);
    }
  });

  it('without a state store keeps the local backend and says on stderr that a team needs one', () => {
    const r = runCli(INIT, undefined, NO_ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('    backend:\n      type: local\n      path: terraform.tfstate\n');
    expect(r.stderr).toContain('a team or pipeline needs a shared state store: --state-store s3://BUCKET/PREFIX');
    expect(r.stderr).toContain('docs/terraform.md#state');
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
  });
});
