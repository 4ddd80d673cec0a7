import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, REPO_ROOT, runCli } from '../helpers/run-cli.js';

const SPEC = join(REPO_ROOT, 'examples/five-members.yaml');
const KEY = 'etcd-backups/20261202T033000Z-control-plane-2-rev1234.db';

describe('hakube etcd restore', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'hakube-restore-')), 'procedure');

  it('writes a README and one executable restore script per member, with its name, address and the initial-cluster', () => {
    const r = runCli(['etcd', 'restore', SPEC, '--snapshot', KEY, '--dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['README.md', ...[1, 2, 3, 4, 5].map((i) => `restore-control-plane-${i}.sh`)]);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain(`aws s3 cp "s3://$BUCKET/${KEY}" snapshot.db`);
    expect(readme).toContain('`aws_ebs_volume.etcd_control_plane_5`');
    const script = readFileSync(join(dir, 'restore-control-plane-4.sh'), 'utf8');
    expect(statSync(join(dir, 'restore-control-plane-4.sh')).mode & 0o777).toBe(0o755);
    expect(script).toContain("MEMBER='control-plane-4'");
    const initialCluster = /INITIAL_CLUSTER='([^']+)'/.exec(script)?.[1] ?? '';
    expect(initialCluster.split(',')).toHaveLength(5);
    expect(readme).toContain(initialCluster);
    for (const file of files.filter((f) => f.endsWith('.sh'))) {
      const check = spawnSync('shellcheck', ['--shell=bash', '--severity=style', join(dir, file)], { encoding: 'utf8', timeout: 60_000 });
      expect(`${file}: ${check.stdout}`).toBe(`${file}: `);
    }
  });

  it('does not replace an earlier procedure without --force', () => {
    const again = runCli(['etcd', 'restore', SPEC, '--snapshot', KEY, '--dir', dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--force');
    expect(hasStackTrace(again.stderr)).toBe(false);
    expect(runCli(['etcd', 'restore', SPEC, '--snapshot', KEY, '--dir', dir, '--force']).code).toBe(0);
  });

  it('refuses a key outside etcd-backups/ as bad usage', () => {
    const r = runCli(['etcd', 'restore', SPEC, '--snapshot', 'control-plane/pki/ca.key', '--dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--snapshot must be a key under etcd-backups/');
  });

  it('has --help, and certs has renew', () => {
    const help = runCli(['etcd', 'restore', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--snapshot');
    expect(runCli(['certs', 'renew', '--help']).stdout).toContain('--within');
  });
});
