import { describe, expect, it } from 'vitest';
import { controlPlaneCloudInit } from '../../src/emit/cloudinit/cloud-init.js';
import { DAY_TWO_PATHS, DAY_TWO_TIMERS, renewablePairs } from '../../src/emit/cloudinit/day-two.js';
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

  it('starts the timers as soon as etcd runs, before the join or any upgrade step can fail', () => {
    const model = withCount(3);
    const bootstrap = unescapeTemplate(writtenFile(parseCloudConfig(controlPlaneCloudInit(model, model.controlPlane.members[1]!)), '/usr/local/sbin/hakube-bootstrap').content);
    const timers = bootstrap.indexOf(`systemctl enable --now ${DAY_TWO_TIMERS.join(' ')}\n`);
    expect(timers).toBeGreaterThan(bootstrap.indexOf('systemctl enable --now --no-block etcd'));
    expect(timers).toBeLessThan(bootstrap.indexOf('join_control_plane\n'));
    expect(bootstrap.split(DAY_TWO_TIMERS[0]).length).toBe(2);
    expect(bootstrap.trimEnd().split('\n').at(-3)).toBe('if [ "${upgrade_failed:-0}" = 1 ]; then');
    expect(DAY_TWO_TIMERS).toContain('hakube-etcd-space.timer');
  });
});

describe('etcd space check and defragmentation', () => {
  it('checks every hour and defragments each member at its own hour, twelve hours after its certificate refresh', () => {
    const model = withCount(3);
    const hours = model.controlPlane.members.map((member) => {
      const config = parseCloudConfig(controlPlaneCloudInit(model, member));
      expect(writtenFile(config, DAY_TWO_PATHS.spaceTimer).content).toContain('OnCalendar=*-*-* *:30:00 UTC');
      expect(writtenFile(config, DAY_TWO_PATHS.spaceService).content).toContain(`ExecStart=${DAY_TWO_PATHS.spaceScript}`);
      const script = unescapeTemplate(writtenFile(config, DAY_TWO_PATHS.spaceScript).content);
      expect(script).toContain('default_quota=2147483648');
      return /\[ "\$\(date -u \+%H\)" = '(\d\d)' \]/.exec(script)?.[1];
    });
    // Certificate refreshes at 01, 09 and 17 UTC for three members.
    expect(hours).toEqual(['13', '21', '05']);
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
