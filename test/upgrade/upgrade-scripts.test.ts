/** The machine side of an upgrade, as rendered: control plane first, the first new member upgrades the cluster. */
import { describe, expect, test } from 'vitest';
import { emitCloudInit } from '../../src/emit/cloudinit/index.js';
import { UPGRADE_CLUSTER_SCRIPT } from '../../src/emit/cloudinit/upgrade-steps.js';
import { parseCloudConfig, writtenFile } from '../cloudinit/cloud-config.js';
import { exampleModel } from '../cloudinit/examples.js';
import { realisticValues, renderTemplatefile } from '../cloudinit/templatefile.js';
import { validateText } from '../../src/spec/validate.js';
import { readFileSync } from 'node:fs';

const SPEC = 'examples/myfirstcluster.yaml';

function modelAt(version: string) {
  const text = readFileSync(SPEC, 'utf8');
  if (!text.includes('kubernetesVersion: 1.34.2')) throw new Error('test setup: example version changed');
  return validateText(text.replace('kubernetesVersion: 1.34.2', `kubernetesVersion: ${version}`), SPEC).model;
}

function files(version: string) {
  const model = modelAt(version);
  return new Map(emitCloudInit(model).map((f) => [f.path, String(f.content)]));
}

function written(content: string, path: string, controlPlane: boolean): string {
  const vars = controlPlane ? ['bucket', 'api_endpoint', 'etcd_volume_id'] : ['bucket', 'api_endpoint'];
  return writtenFile(parseCloudConfig(renderTemplatefile(content, realisticValues(vars))), path).content;
}

describe('Kubernetes upgrade steps in the user data', () => {
  const model = exampleModel(SPEC);

  test('a minor bump changes every machine role, and each pins the new packages', () => {
    const before = files('1.34.2');
    const after = files('1.35.0');
    for (const [path, content] of after) {
      expect(content, path).not.toBe(before.get(path));
      expect(content).toContain("'kubeadm=1.35.0-*'");
      expect(content).toContain('core:/stable:/v1.35/deb/');
    }
  });

  test.each(model.controlPlane.members.map((m) => [m.name] as const))(
    '%s runs the upgrade step after joining, with its node name; it judges from the node itself (see upgrade-cluster-run.test.ts)',
    (name) => {
      const content = files('1.35.0').get(`cloud-init/${name}.yaml`)!;
      const bootstrap = written(content, '/usr/local/sbin/hakube-bootstrap', true);
      const join = bootstrap.indexOf('retry 5 join_cluster');
      const upgrade = bootstrap.indexOf(`retry 3 ${UPGRADE_CLUSTER_SCRIPT} "$NODE_NAME"`);
      expect(join).toBeGreaterThan(-1);
      expect(upgrade).toBeGreaterThan(join);
      const script = written(content, UPGRADE_CLUSTER_SCRIPT, true);
      expect(script).toContain("TARGET='v1.35.0'");
      expect(script).toContain('"$ROOT/etc/kubernetes/manifests/kube-apiserver.yaml"');
      // The first member of an upgrade joins with a kubelet one minor newer than the running control plane.
      const joinConfig = written(content, '/etc/kubernetes/hakube/kubeadm-join.yaml.in', true);
      expect(joinConfig).toMatch(/ignorePreflightErrors:\n\s+- KubeletVersion/);
    },
  );

  test.each(model.instanceGroups.map((g) => [g.name] as const))('workers of %s join only once every API server is at their minor', (group) => {
    const content = files('1.35.0').get(`cloud-init/nodes-${group}.yaml`)!;
    const bootstrap = written(content, '/usr/local/sbin/hakube-bootstrap', false);
    expect(bootstrap).toContain('if [ "$minor" -lt 35 ]; then');
    // Every member's API server, at its fixed address: the load balancer would hide an old member behind new ones.
    const addresses = model.controlPlane.members.map((m) => m.privateIp);
    expect(bootstrap).toContain(`for address in ${addresses.join(' ')}; do`);
    expect(bootstrap).toContain('"https://$address:6443/version"');
    expect(bootstrap).not.toContain('"https://$API_ENDPOINT:6443/version"');
    expect(bootstrap).toContain(`if [ "$answered" -lt ${Math.floor(addresses.length / 2) + 1} ]; then`);
    const wait = bootstrap.indexOf('control_plane_is_at_our_minor\n');
    expect(wait).toBeGreaterThan(bootstrap.indexOf('retry 40 api_answers'));
    expect(wait).toBeLessThan(bootstrap.indexOf('retry 5 join_cluster'));
    expect(bootstrap).not.toContain('kubeadm upgrade');
  });
});
