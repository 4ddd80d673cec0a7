/**
 * hakube-upgrade-cluster, as a control-plane member's cloud-init writes it, run for real with bash against a copy
 * of the machine's files (HAKUBE_ROOT). kubeadm, kubectl and systemctl cannot run here without a cluster: they are
 * stand-ins that keep the cluster's state in files (the kubeadm-config version, whether the node is Ready, this
 * node's kube-apiserver manifest, which kubeadm rewrites as it would) and record every call.
 *
 * Upstream facts the script relies on (kubernetes/kubernetes):
 * - cmd/kubeadm/app/cmd/phases/upgrade/addons.go: `kubeadm upgrade node phase addon` upgrades CoreDNS and kube-proxy
 *   only when `upgrade.UnupgradedControlPlaneInstances(client, cfg.NodeRegistration.Name)` is empty, else it prints
 *   "Skipping upgrade of addons because control plane instances %v have not been upgraded"; the same check guards
 *   the addon phase of `kubeadm upgrade apply`, so the first upgraded member never upgrades them.
 * - cmd/kubeadm/app/phases/upgrade/postupgrade.go, UnupgradedControlPlaneInstances: compares the image of every
 *   kube-apiserver Pod (label component=kube-apiserver) with this node's, so it must see this node's new mirror pod.
 * - CHANGELOG-1.32.md (v1.32.0-alpha.1): "`kubeadm upgrade node` now supports `addon` and `post-upgrade` phases.
 *   User can use `kubeadm upgrade node phase addon` to execute the addon upgrade" (#127242): kubeadm 1.31 has no
 *   such phase, and no hakube upgrade ends at 1.31 (the supported window starts there).
 * - `kubeadm upgrade apply phase control-plane` and `kubeadm upgrade node`: `--certificate-renewal  Default: true`,
 *   "Perform the renewal of certificates used by component changed during upgrades" (kubeadm reference for v1.34);
 *   staticpods.go renewCertsByComponent renews apiserver, apiserver-kubelet-client and front-proxy-client with new
 *   keys, which hakube's certificate refresh would then replace with the bucket's.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { emitCloudInit } from '../../src/emit/cloudinit/index.js';
import { UPGRADE_APPLY_MARK, UPGRADE_CLUSTER_SCRIPT } from '../../src/emit/cloudinit/upgrade-steps.js';
import { validateText } from '../../src/spec/validate.js';
import { parseCloudConfig, writtenFile } from '../cloudinit/cloud-config.js';
import { realisticValues, renderTemplatefile } from '../cloudinit/templatefile.js';

const SPEC = 'examples/myfirstcluster.yaml';
const NODE = 'ip-10-0-1-10.us-west-2.compute.internal';

function upgradeScript(version: string): string {
  const text = readFileSync(SPEC, 'utf8');
  if (!text.includes('kubernetesVersion: 1.34.2')) throw new Error('test setup: example version changed');
  const model = validateText(text.replace('kubernetesVersion: 1.34.2', `kubernetesVersion: ${version}`), SPEC).model;
  const file = emitCloudInit(model).find((f) => f.path === 'cloud-init/control-plane-1.yaml')!;
  const config = parseCloudConfig(renderTemplatefile(String(file.content), realisticValues(['bucket', 'api_endpoint', 'etcd_volume_id'])));
  return writtenFile(config, UPGRADE_CLUSTER_SCRIPT).content;
}

const top = mkdtempSync(join(tmpdir(), 'hakube-upgrade-run-'));
afterAll(() => rmSync(top, { recursive: true, force: true }));

/** The cluster as the stand-ins see it. `failApplyAfterConfig`: kubeadm upgrade apply uploads the new
 * configuration and then fails (as when a later phase does). */
interface Cluster {
  clusterVersion: string;
  nodeVersion: string;
  nodeReady: boolean;
  failApplyAfterConfig?: boolean;
  mirrorPodLags?: boolean;
}

function machine(cluster: Cluster) {
  const root = mkdtempSync(join(top, 'machine-'));
  const bin = join(root, 'test-bin');
  const state = join(root, 'test-state');
  mkdirSync(bin);
  mkdirSync(state);
  mkdirSync(join(root, 'etc/kubernetes/manifests'), { recursive: true });
  const manifest = join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml');
  const writeManifest = (version: string) =>
    writeFileSync(manifest, `apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command:\n    - kube-apiserver\n    image: registry.k8s.io/kube-apiserver:${version}\n    name: kube-apiserver\n`);
  writeManifest(cluster.nodeVersion);
  writeFileSync(join(state, 'cluster-version'), `${cluster.clusterVersion}\n`);
  if (cluster.nodeReady) writeFileSync(join(state, 'ready'), '');
  if (cluster.failApplyAfterConfig) writeFileSync(join(state, 'fail-apply-after-config'), '');
  if (cluster.mirrorPodLags) writeFileSync(join(state, 'mirror-pod-lags'), '1\n');
  const calls = join(state, 'calls');
  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/bash\nset -euo pipefail\nprintf '%s\\n' "${name} $*" >>'${calls}'\n${body}`);
    chmodSync(join(bin, name), 0o755);
  };
  const setManifest = (versionExpr: string) => `sed -i "s|kube-apiserver:v[^ ]*\\$|kube-apiserver:${versionExpr}|" '${manifest}'`;
  stub(
    'kubectl',
    `case "$*" in
  "-n kube-system get configmap kubeadm-config -o jsonpath={.data.ClusterConfiguration}")
    printf 'apiServer: {}\\nkind: ClusterConfiguration\\nkubernetesVersion: %s\\n' "$(cat '${state}/cluster-version')" ;;
  "wait --for=condition=Ready node/${NODE} --timeout="*)
    [ -f '${state}/ready' ] || { echo "error: timed out waiting for the condition on nodes/${NODE}" >&2; exit 1; } ;;
  "-n kube-system get pod kube-apiserver-${NODE} -o jsonpath="*)
    # The kubelet posts the mirror pod of a changed static pod a little later: the first read may show the old one.
    if [ -f '${state}/mirror-pod-lags' ]; then rm '${state}/mirror-pod-lags'; echo registry.k8s.io/kube-apiserver:v0.0.0; exit 0; fi
    sed -n 's|^ *image: ||p' '${manifest}' ;;
  *) echo "kubectl stand-in: unexpected call: kubectl $*" >&2; exit 2 ;;
esac
`,
  );
  stub(
    'kubeadm',
    `case "$1 $2" in
  "upgrade apply")
    echo "$3" >'${state}/cluster-version'
    if [ -f '${state}/fail-apply-after-config' ]; then rm '${state}/fail-apply-after-config'; echo "[upgrade/kubelet-config] FATAL" >&2; exit 1; fi
    ${setManifest('$3')} ;;
  "upgrade node")
    if [ "$*" != "upgrade node phase addon all" ]; then ${setManifest('$(cat \'' + state + '/cluster-version\')')}; fi ;;
  *) echo "kubeadm stand-in: unexpected call: kubeadm $*" >&2; exit 2 ;;
esac
`,
  );
  stub('systemctl', '[ "$*" = "daemon-reload" ] || [ "$*" = "restart kubelet" ] || { echo "systemctl stand-in: unexpected $*" >&2; exit 2; }\n');
  stub('sleep', ':\n');
  return {
    root,
    run(script: string) {
      const path = join(root, 'hakube-upgrade-cluster');
      writeFileSync(path, script);
      chmodSync(path, 0o700);
      const r = spawnSync(path, [NODE], { encoding: 'utf8', timeout: 60_000, env: { PATH: `${bin}:/usr/bin:/bin`, HAKUBE_ROOT: root } });
      const made = existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
      return { code: r.status, stderr: r.stderr, calls: made, kubeadm: made.filter((c) => c.startsWith('kubeadm ')) };
    },
    clusterVersion: () => readFileSync(join(state, 'cluster-version'), 'utf8').trim(),
    nodeVersion: () => /kube-apiserver:(v\S+)/.exec(readFileSync(manifest, 'utf8'))![1],
  };
}

describe('hakube-upgrade-cluster on a member, run for real against stand-ins for kubeadm and kubectl', () => {
  const script = upgradeScript('1.35.0');

  test('the first member at a new version waits for its node to be Ready, upgrades the cluster without renewing certificates, then asks kubeadm for the add-ons', () => {
    const m = machine({ clusterVersion: 'v1.34.2', nodeVersion: 'v1.34.2', nodeReady: true });
    const r = m.run(script);
    expect(r.code, r.stderr).toBe(0);
    const ready = r.calls.findIndex((c) => c.startsWith(`kubectl wait --for=condition=Ready node/${NODE} --timeout=`));
    const apply = r.calls.indexOf('kubeadm upgrade apply v1.35.0 --yes --certificate-renewal=false');
    expect(ready, r.calls.join('\n')).toBeGreaterThan(-1);
    expect(apply).toBeGreaterThan(ready);
    expect(r.kubeadm.at(-1)).toBe('kubeadm upgrade node phase addon all');
    expect(r.calls.indexOf('systemctl restart kubelet')).toBeGreaterThan(apply);
    expect([m.clusterVersion(), m.nodeVersion()]).toEqual(['v1.35.0', 'v1.35.0']);
    expect(existsSync(join(m.root, UPGRADE_APPLY_MARK))).toBe(false);
  });

  test('a node that does not become Ready stops the upgrade before kubeadm upgrade apply', () => {
    const m = machine({ clusterVersion: 'v1.34.2', nodeVersion: 'v1.34.2', nodeReady: false });
    const r = m.run(script);
    expect(r.code).not.toBe(0);
    expect(r.kubeadm).toEqual([]);
    expect(r.stderr).toContain(`node ${NODE} is not Ready`);
  });

  test('a rerun after an apply that moved the cluster configuration and then failed applies again, judged from the node', () => {
    const m = machine({ clusterVersion: 'v1.34.2', nodeVersion: 'v1.34.2', nodeReady: true, failApplyAfterConfig: true });
    const first = m.run(script);
    expect(first.code).not.toBe(0);
    // kubeadm-config already names the new version: comparing it alone would say "nothing to upgrade".
    expect([m.clusterVersion(), m.nodeVersion()]).toEqual(['v1.35.0', 'v1.34.2']);
    const again = m.run(script);
    expect(again.code, again.stderr).toBe(0);
    expect(again.kubeadm.filter((c) => c.startsWith('kubeadm upgrade apply'))).toHaveLength(2);
    expect(m.nodeVersion()).toBe('v1.35.0');
    expect(again.kubeadm.at(-1)).toBe('kubeadm upgrade node phase addon all');
  });

  test('a member that joined before the cluster moved upgrades its own control plane with kubeadm upgrade node', () => {
    const m = machine({ clusterVersion: 'v1.35.0', nodeVersion: 'v1.34.2', nodeReady: true });
    const r = m.run(script);
    expect(r.code, r.stderr).toBe(0);
    expect(r.kubeadm).toEqual(['kubeadm upgrade node --certificate-renewal=false', 'kubeadm upgrade node phase addon all']);
    expect(m.nodeVersion()).toBe('v1.35.0');
  });

  test('a later member (cluster and node at the version) runs only the add-on phase, which kubeadm does on the last member, once its own mirror pod shows the version', () => {
    const m = machine({ clusterVersion: 'v1.35.0', nodeVersion: 'v1.35.0', nodeReady: true, mirrorPodLags: true });
    const r = m.run(script);
    expect(r.code, r.stderr).toBe(0);
    expect(r.kubeadm).toEqual(['kubeadm upgrade node phase addon all']);
    expect(r.calls.filter((c) => c.startsWith(`kubectl -n kube-system get pod kube-apiserver-${NODE}`)).length).toBeGreaterThanOrEqual(2);
    // Idempotent: a second run does the same and nothing more.
    expect(m.run(script).kubeadm).toEqual(['kubeadm upgrade node phase addon all', 'kubeadm upgrade node phase addon all']);
  });

  test('a cluster newer than this member is refused: outdated user data', () => {
    const m = machine({ clusterVersion: 'v1.36.0', nodeVersion: 'v1.35.0', nodeReady: true });
    const r = m.run(script);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cluster at 'v1.36.0', this node at 'v1.35.0', user data at v1.35.0: outdated user data?");
    expect(r.kubeadm).toEqual([]);
  });

  test('at 1.31, whose kubeadm has no upgrade node addon phase, no add-on step is written', () => {
    expect(upgradeScript('1.31.4')).not.toContain('phase addon');
    expect(script).toContain('kubeadm upgrade node phase addon all');
  });
});
