import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

  /*
   * etcd's disaster-recovery guide (etcd-io/website content/en/docs/v3.6/op-guide/recovery.md, "Restoring with
   * revision bump"): "In the context of Kubernetes controllers, it is important to also mark all the revisions,
   * including the bump, as compacted using `--mark-compacted`. This ensures that all watches are terminated ..." and
   * "you may cover a week old snapshot with bumping by 1'000'000'000 assuming that etcd runs with less than 1500
   * writes per second"; `etcdutl snapshot restore snapshot.db --bump-revision 1000000000 --mark-compacted`. Both
   * flags since etcd 3.5.10 (CHANGELOG-3.5.md, etcd#16165), in etcdutl and in 3.5's etcdctl.
   */
  it('restores with the revision bumped past every revision a watcher may hold, and marked compacted', () => {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.sh'))) {
      const script = readFileSync(join(dir, file), 'utf8');
      expect(script).toContain('REVISION_BUMP=1000000000');
      expect(script).toMatch(/"\$tool" snapshot restore "\$snapshot" \\\n(?:.*\\\n)*\s+--bump-revision "\$REVISION_BUMP" --mark-compacted/);
      // A tool without the flags (etcdctl before 3.5.10) would restore a cluster that breaks watchers: refused.
      expect(script).toContain('--bump-revision');
      expect(script).toContain('restore_help=$("$tool" snapshot restore --help 2>&1 || true)');
      expect(script).toContain('if [[ "$restore_help" != *--bump-revision* ]]; then');
    }
  });

  it('a longer snapshot retention gets a larger bump: writes at 1,500 per second since the oldest snapshot kept', () => {
    const spec = join(dir, '..', 'long-retention.yaml');
    const text = readFileSync(SPEC, 'utf8');
    expect(text).toMatch(/^  controlPlane:\n/m);
    writeFileSync(spec, text.replace(/^  controlPlane:\n/m, '  controlPlane:\n    etcdBackups:\n      retentionDays: 30\n'));
    const out = join(dir, '..', 'long-retention');
    expect(runCli(['etcd', 'restore', spec, '--snapshot', KEY, '--dir', out]).stderr).toBe('');
    expect(readFileSync(join(out, 'restore-control-plane-1.sh'), 'utf8')).toContain(`REVISION_BUMP=${30 * 86_400 * 1_500}`);
  });

  it('the README re-publishes the bootstrap token after the restore and does not call snapshot status an integrity check', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    // The token in the bucket may be newer than the snapshot: the restored cluster does not know it.
    expect(readme).toContain('sudo systemctl start hakube-bootstrap-token.service');
    expect(readme).toContain('hakube-bootstrap-token.timer');
    expect(readme).not.toMatch(/integrity \(`snapshot status`\)|checks the snapshot's integrity, and/);
    expect(readme).toContain('--bump-revision');
    expect(readme).toContain('--mark-compacted');
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
