/** What the rendered boot scripts do when a step fails: retried init, bounded add-on retries, failed workers shut down. */
import { describe, expect, test } from 'vitest';
import { ADDON_STEP_SECONDS, ADDONS_STATUS_PATH, CLUSTER_STATE_SCRIPT, FAILED_WORKER_SHUTDOWN_MINUTES, INIT_MARK_KEY } from '../../src/emit/cloudinit/boot-recovery.js';
import { emitCloudInit, emitFetchedScripts } from '../../src/emit/cloudinit/index.js';
import { parseCloudConfig, writtenFile } from '../cloudinit/cloud-config.js';
import { EXAMPLES, exampleModel } from '../cloudinit/examples.js';
import { realisticValues, renderTemplatefile } from '../cloudinit/templatefile.js';
import { emitModel, resources } from '../terraform/synthesized.js';
import { ADDONS_SCRIPT_SOURCE } from '../../src/model/bucket-layout.js';

function script(path: string, file: string, role: 'control-plane' | 'nodes'): string {
  const model = exampleModel(EXAMPLES[1]);
  const found = emitCloudInit(model).find((f) => f.path === path)!;
  const vars = role === 'control-plane' ? ['bucket', 'api_endpoint', 'etcd_volume_id'] : ['bucket', 'api_endpoint'];
  return writtenFile(parseCloudConfig(renderTemplatefile(String(found.content), realisticValues(vars))), file).content;
}

describe('boot recovery in the rendered scripts', () => {
  const model = exampleModel(EXAMPLES[1]);
  const first = model.controlPlane.members.find((m) => m.initializes)!;
  const other = model.controlPlane.members.find((m) => !m.initializes)!;
  const group = model.instanceGroups[0]!;

  test('the first member asks hakube-cluster-state, undoes a half-done init and retries init a bounded number of times', () => {
    const bootstrap = script(`cloud-init/${first.name}.yaml`, '/usr/local/sbin/hakube-bootstrap', 'control-plane');
    expect(bootstrap).toContain(`cluster_state=$(retry 30 ${CLUSTER_STATE_SCRIPT} "$NODE_NAME")`);
    expect(bootstrap).toMatch(/partial\)\n\s+log .*\n\s+undo_half_done_init/);
    expect(bootstrap).toContain('retry 3 init_cluster');
    // The mark is written only after kubeadm init succeeded; data is removed only after re-reading "partial".
    expect(bootstrap).toMatch(new RegExp(`if kubeadm init [^\\n]*; then\\n\\s+#[^\\n]*\\n\\s+etcdctl_ put '${INIT_MARK_KEY}'`));
    const undo = bootstrap.slice(bootstrap.indexOf('undo_half_done_init() {'), bootstrap.indexOf('init_cluster() {'));
    expect(undo.indexOf('[ "$state" != partial ]')).toBeGreaterThan(-1);
    expect(undo.indexOf('[ "$state" != partial ]')).toBeLessThan(undo.indexOf('etcdctl_ del /registry/ --prefix'));
    // Add-on failure is reported and fails the boot visibly, after the control plane is up.
    expect(bootstrap).toContain(`see ${ADDONS_STATUS_PATH}`);
    expect(bootstrap.trimEnd().endsWith('exit 1\nfi')).toBe(true);
  });

  test('only the first member gets the cluster-state script; the others never initialize', () => {
    const config = emitCloudInit(model).find((f) => f.path === `cloud-init/${other.name}.yaml`)!;
    expect(String(config.content)).not.toContain(CLUSTER_STATE_SCRIPT);
    expect(String(config.content)).not.toContain('kubeadm init');
  });

  test('add-ons: every step retried for a bounded time, status written for the operator', () => {
    // Fetched from the bucket as written (src/model/bucket-layout.ts), not part of the user data.
    const addons = String(emitFetchedScripts(model).find((f) => f.path === ADDONS_SCRIPT_SOURCE)!.content);
    expect(addons).toContain(`STEP_SECONDS=${ADDON_STEP_SECONDS}`);
    expect(addons).toContain(`STATUS=${ADDONS_STATUS_PATH}`);
    const stepLines = addons.split('\n').filter((l) => /^(kubectl|helm) /.test(l) || /^retry /.test(l));
    expect(stepLines).toEqual([]);
    const steps = addons.split('\n').filter((l) => l.startsWith('retry_for "$STEP_SECONDS" '));
    expect(steps.length).toBeGreaterThan(4);
    expect(addons).toContain("set_status 'installed'");
    expect(addons).toContain('trap on_exit EXIT');
  });

  test('a worker whose boot fails shuts down, and the launch template turns that into a termination', () => {
    const bootstrap = script(`cloud-init/nodes-${group.name}.yaml`, '/usr/local/sbin/hakube-bootstrap', 'nodes');
    const trap = bootstrap.indexOf('trap shut_down_on_failure EXIT');
    expect(trap).toBeGreaterThan(-1);
    // Set before the first step that can fail.
    expect(trap).toBeLessThan(bootstrap.indexOf('swapoff -a'));
    expect(bootstrap).toContain(`shutdown -h +${FAILED_WORKER_SHUTDOWN_MINUTES}`);
    const templates = resources(emitModel(model), 'aws_launch_template');
    expect(templates.size).toBe(model.instanceGroups.length);
    for (const template of templates.values()) expect(template.instance_initiated_shutdown_behavior).toBe('terminate');
  });
});
