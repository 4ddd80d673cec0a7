import { describe, expect, it } from 'vitest';
import { controlPlaneCloudInit } from '../../src/emit/cloudinit/cloud-init.js';
import { DAY_TWO_PATHS, renewablePairs } from '../../src/emit/cloudinit/day-two.js';
import { objectsFetchedBy } from '../../src/emit/cloudinit/machine-files.js';
import { certificateRefreshHour } from '../../src/model/etcd-backups.js';
import { validateText } from '../../src/spec/validate.js';
import { BASE_SPEC, withLine } from '../helpers/spec-text.js';
import { parseCloudConfig, writtenFile } from './cloud-config.js';
import { EXAMPLES, exampleModel } from './examples.js';
import { unescapeTemplate } from '../etcd/member-config.js';

const withCount = (count: number) => validateText(withLine('    count: 3\n', `    count: ${count}\n`, BASE_SPEC), 'spec.yaml').model;

describe('certificate refresh on control-plane members', () => {
  it.each([1, 3, 5, 7])('gives each of %i members its own hour, at least three hours from any other', (count) => {
    const model = withCount(count);
    const hours = model.controlPlane.members.map((m) => certificateRefreshHour(model, m));
    expect(new Set(hours).size).toBe(count);
    const sorted = [...hours].sort((a, b) => a - b);
    for (let i = 0; i < sorted.length; i++) {
      const next = i + 1 < sorted.length ? sorted[i + 1]! : sorted[0]! + 24;
      if (count > 1) expect(next - sorted[i]!).toBeGreaterThanOrEqual(3);
    }
    for (const member of model.controlPlane.members) {
      const timer = writtenFile(parseCloudConfig(controlPlaneCloudInit(model, member)), DAY_TWO_PATHS.certRefreshTimer).content;
      expect(timer).toContain(`OnCalendar=*-*-* ${String(certificateRefreshHour(model, member)).padStart(2, '0')}:00:00 UTC`);
    }
  });

  it.each(EXAMPLES)('%s: replaces leaf certificates only, each with its key, CA and the service to restart', (example) => {
    const model = exampleModel(example);
    for (const member of model.controlPlane.members) {
      const pairs = renewablePairs(model, member);
      const fetched = new Set(objectsFetchedBy(model, { role: 'control-plane', member }).map((o) => o.key));
      // The pod identity webhook's pair too, where the cluster runs it (test/cloudinit/pod-identity-webhook.test.ts).
      expect(pairs.some((p) => p.user === 'pod-identity-webhook')).toBe(model.serviceAccountIssuer !== undefined);
      expect(pairs.filter((p) => p.user !== 'pod-identity-webhook').map((p) => p.certPath).sort()).toEqual([
        '/etc/kubernetes/pki/apiserver-etcd-client.crt',
        '/etc/kubernetes/pki/apiserver-kubelet-client.crt',
        '/etc/kubernetes/pki/etcd/healthcheck-client.crt',
        '/etc/kubernetes/pki/etcd/peer.crt',
        '/etc/kubernetes/pki/etcd/server.crt',
        '/etc/kubernetes/pki/front-proxy-client.crt',
      ]);
      for (const pair of pairs) {
        expect(fetched.has(pair.certKey) && fetched.has(pair.keyKey)).toBe(true);
        expect(pair.keyPath).toBe(pair.certPath.replace(/\.crt$/, '.key'));
      }
      const byPath = new Map(pairs.map((p) => [p.certPath, p]));
      expect(byPath.get('/etc/kubernetes/pki/etcd/server.crt')).toMatchObject({ user: 'etcd', caPath: '/etc/kubernetes/pki/etcd/ca.crt', certKey: `control-plane/members/${member.name}/etcd/server.crt` });
      expect(byPath.get('/etc/kubernetes/pki/apiserver-etcd-client.crt')).toMatchObject({ user: 'kube-apiserver', caPath: '/etc/kubernetes/pki/etcd/ca.crt' });
      expect(byPath.get('/etc/kubernetes/pki/front-proxy-client.crt')).toMatchObject({ user: 'kube-apiserver', caPath: '/etc/kubernetes/pki/front-proxy-ca.crt' });
      expect(byPath.get('/etc/kubernetes/pki/apiserver-kubelet-client.crt')).toMatchObject({ user: 'kube-apiserver', caPath: '/etc/kubernetes/pki/ca.crt' });
      expect(byPath.get('/etc/kubernetes/pki/etcd/healthcheck-client.crt')).toMatchObject({ user: 'scripts' });
    }
  });

  it('starts the timers only once the member is up', () => {
    const model = withCount(3);
    const bootstrap = unescapeTemplate(writtenFile(parseCloudConfig(controlPlaneCloudInit(model, model.controlPlane.members[1]!)), '/usr/local/sbin/hakube-bootstrap').content);
    const lines = bootstrap.trimEnd().split('\n');
    expect(lines.at(-2)).toBe('systemctl enable --now hakube-cert-refresh.timer hakube-etcd-snapshot.timer hakube-bootstrap-token.timer');
    expect(lines.at(-1)).toBe('log "control-plane-2 is up"');
  });
});

describe('etcd snapshot timer', () => {
  const timerOf = (spec: string) => {
    const model = validateText(spec, 'spec.yaml').model;
    return writtenFile(parseCloudConfig(controlPlaneCloudInit(model, model.controlPlane.members[0]!)), DAY_TWO_PATHS.snapshotTimer).content;
  };

  it('runs every 30 minutes by default', () => {
    expect(timerOf(BASE_SPEC)).toContain('OnUnitActiveSec=30min\n');
  });

  it('follows controlPlane.etcdBackups.intervalMinutes', () => {
    expect(timerOf(withLine('    count: 3\n', '    count: 3\n    etcdBackups:\n      intervalMinutes: 15\n'))).toContain('OnUnitActiveSec=15min\n');
  });

  it('refuses an interval below 5 minutes and a retention of 0 days', () => {
    expect(() => validateText(withLine('    count: 3\n', '    count: 3\n    etcdBackups:\n      intervalMinutes: 1\n'), 'spec.yaml')).toThrow();
    expect(() => validateText(withLine('    count: 3\n', '    count: 3\n    etcdBackups:\n      retentionDays: 0\n'), 'spec.yaml')).toThrow();
  });
});
