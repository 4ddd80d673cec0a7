/**
 * The script the initializing member uses to choose between `kubeadm init`, undoing a half-done init, and
 * `kubeadm join`, run as written by its cloud-init against a real etcd on loopback. Removing data is decided
 * by this script, so the cases where it must say "complete" (never wipe) matter most.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { INIT_MARK_KEY, CLUSTER_STATE_SCRIPT } from '../../src/emit/cloudinit/boot-recovery.js';
import { emitCloudInit } from '../../src/emit/cloudinit/index.js';
import { parseCloudConfig, writtenFile } from '../cloudinit/cloud-config.js';
import { EXAMPLES, exampleModel } from '../cloudinit/examples.js';
import { realisticValues, renderTemplatefile } from '../cloudinit/templatefile.js';
import { eventually, freeLoopbackPort, run, ServiceProcess } from '../etcd/processes.js';

const NODE = 'ip-10-0-1-10.us-west-2.compute.internal';

function clusterStateScript(): string {
  const model = exampleModel(EXAMPLES[0]);
  const first = model.controlPlane.members.find((m) => m.initializes)!;
  const file = emitCloudInit(model).find((f) => f.path === `cloud-init/${first.name}.yaml`)!;
  const config = parseCloudConfig(renderTemplatefile(String(file.content), realisticValues(['bucket', 'api_endpoint', 'etcd_volume_id'])));
  return writtenFile(config, CLUSTER_STATE_SCRIPT).content;
}

describe('hakube-cluster-state against a real etcd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-cluster-state-'));
  const script = join(dir, 'hakube-cluster-state');
  let endpoint = '';
  let etcd: ServiceProcess;

  const etcdctl = async (...args: string[]) => {
    const r = await run('etcdctl', [`--endpoints=${endpoint}`, ...args], 20_000);
    expect(r.code, r.stderr).toBe(0);
  };
  const state = (endpoints = endpoint) =>
    run('env', [`ETCDCTL_ENDPOINTS=${endpoints}`, 'ETCDCTL_CACERT=', 'ETCDCTL_CERT=', 'ETCDCTL_KEY=', script, NODE], 30_000);

  beforeAll(async () => {
    writeFileSync(script, clusterStateScript());
    chmodSync(script, 0o700);
    const [client, peer] = [await freeLoopbackPort(), await freeLoopbackPort()];
    endpoint = `http://127.0.0.1:${client}`;
    etcd = new ServiceProcess(
      [
        'etcd',
        [
          '--name=state-test',
          `--data-dir=${join(dir, 'data')}`,
          `--listen-client-urls=${endpoint}`,
          `--advertise-client-urls=${endpoint}`,
          `--listen-peer-urls=http://127.0.0.1:${peer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
          `--initial-cluster=state-test=http://127.0.0.1:${peer}`,
        ],
      ],
      join(dir, 'etcd.log'),
      300,
    );
    etcd.start();
    const up = await eventually(async () => (await run('etcdctl', [`--endpoints=${endpoint}`, 'endpoint', 'health'], 10_000)).code === 0, 30_000);
    expect(up, etcd.logTail()).toBe(true);
  });

  afterAll(async () => {
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an empty etcd holds no cluster', async () => {
    const r = await state();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('none\n');
  });

  test('data from an init that stopped half-way, with only this node registered, is a half-done init', async () => {
    await etcdctl('put', '/registry/namespaces/kube-system', 'x');
    await etcdctl('put', '/registry/secrets/kube-system/bootstrap-token-abcdef', 'x');
    await etcdctl('put', `/registry/minions/${NODE}`, 'x');
    expect((await state()).stdout).toBe('partial\n');
  });

  test('another node ever joined: complete, whatever else is missing', async () => {
    await etcdctl('put', '/registry/minions/ip-10-0-2-20.us-west-2.compute.internal', 'x');
    expect((await state()).stdout).toBe('complete\n');
    await etcdctl('del', '/registry/minions/ip-10-0-2-20.us-west-2.compute.internal');
  });

  test("hakube's mark of a finished init: complete", async () => {
    await etcdctl('put', INIT_MARK_KEY, NODE);
    expect((await state()).stdout).toBe('complete\n');
    await etcdctl('del', INIT_MARK_KEY);
    expect((await state()).stdout).toBe('partial\n');
  });

  test("a cluster made before the mark existed is recognized by kubeadm's kube-proxy DaemonSet", async () => {
    await etcdctl('put', '/registry/daemonsets/kube-system/kube-proxy', 'x');
    expect((await state()).stdout).toBe('complete\n');
  });

  test('an unreachable etcd is an error, never "none"', async () => {
    const r = await state(`http://127.0.0.1:${await freeLoopbackPort()}`);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
  });
});
