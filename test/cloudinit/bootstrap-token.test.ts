import { describe, expect, it } from 'vitest';
import { controlPlaneCloudInit, workerCloudInit } from '../../src/emit/cloudinit/cloud-init.js';
import { DAY_TWO_PATHS } from '../../src/emit/cloudinit/day-two.js';
import { unescapeTemplate } from '../etcd/member-config.js';
import { parseCloudConfig, writtenFile } from './cloud-config.js';
import { EXAMPLES, exampleModel } from './examples.js';

/** The body of one shell function of a script. */
function shellFunction(script: string, name: string): string {
  const match = new RegExp(`^${name}\\(\\) \\{\\n([\\s\\S]*?)^\\}`, 'm').exec(script);
  if (!match) throw new Error(`no function ${name}`);
  return match[1]!;
}

describe.each(EXAMPLES)('bootstrap token in %s', (example) => {
  const model = exampleModel(example);
  const member = model.controlPlane.members[0]!;
  const memberFiles = parseCloudConfig(controlPlaneCloudInit(model, member));

  it('every member has the rotation timer: 5 minutes after boot, then every 6 hours, once kubeadm wrote admin.conf', () => {
    const timer = writtenFile(memberFiles, DAY_TWO_PATHS.tokenRotationTimer).content.split('\n');
    expect(timer).toEqual(expect.arrayContaining(['OnBootSec=5min', 'OnUnitActiveSec=6h', 'WantedBy=timers.target']));
    const service = writtenFile(memberFiles, DAY_TWO_PATHS.tokenRotationService).content.split('\n');
    expect(service).toEqual(expect.arrayContaining(['Type=oneshot', `ExecStart=${DAY_TWO_PATHS.tokenRotationScript}`, 'ConditionPathExists=/etc/kubernetes/admin.conf']));
    const script = writtenFile(memberFiles, DAY_TWO_PATHS.tokenRotationScript);
    expect(script.permissions).toBe('0700');
    expect(script.content).toContain('--ttl 24h');
  });

  it('a failed join fetches the files again and rewrites the kubeadm file with the newly fetched token', () => {
    const scripts = [
      unescapeTemplate(writtenFile(memberFiles, '/usr/local/sbin/hakube-bootstrap').content),
      ...model.instanceGroups.map((g) => unescapeTemplate(writtenFile(parseCloudConfig(workerCloudInit(model, g)), '/usr/local/sbin/hakube-bootstrap').content)),
    ];
    for (const script of scripts) {
      const body = shellFunction(script, 'join_cluster').trim().split('\n').map((l) => l.trim());
      expect(body.slice(-5)).toEqual(['kubeadm reset --force', 'fetch_bucket_objects', 'after_fetch', 'write_kubeadm_config /etc/kubernetes/hakube/kubeadm-join.yaml.in', 'return 1']);
    }
  });
});
