import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { MutatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { StorageClass } from 'kubernetes-models/storage.k8s.io/v1';
import { Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { addonFileNames, emitAddons } from '../../src/emit/addons/index.js';
import { addonPlan } from '../../src/emit/addons/addon-plan.js';
import { emitCloudInit, emitFetchedScripts } from '../../src/emit/cloudinit/index.js';
import { NODE_PATHS } from '../../src/emit/cloudinit/cloud-init.js';
import { bucketObjects } from '../../src/model/bucket-layout.js';
import type { ClusterModel } from '../../src/model/model.js';
import { SUPPORTED_KUBERNETES_MINORS } from '../../src/spec/defaults.js';
import { validateText } from '../../src/spec/validate.js';
import { parseCloudConfig, writtenFile } from './cloud-config.js';
import { EXAMPLES, exampleModel } from './examples.js';
import { realisticValues, renderTemplatefile } from './templatefile.js';
import { modelOf, resolvedExample } from '../ha/model-fixtures.js';
import { ADDONS_SCRIPT_SOURCE } from '../../src/model/bucket-layout.js';

/** Typed models by kind: each object is rebuilt from the written YAML and validated against the API schema. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  ServiceAccount,
  Secret,
  ClusterRole,
  ClusterRoleBinding,
  MutatingWebhookConfiguration,
  Service,
  StorageClass,
  PodDisruptionBudget,
  Deployment,
};

function objectsIn(content: string): Array<Record<string, any>> {
  return parseAllDocuments(content).map((d) => d.toJS() as Record<string, any>);
}

/** The add-on installer, uploaded to the bucket as written (no Terraform value in it) and fetched by the members. */
function addonsScript(model: ClusterModel): string {
  return String(emitFetchedScripts(model).find((f) => f.path === ADDONS_SCRIPT_SOURCE)!.content);
}

describe('the AWS cloud-controller-manager', () => {
  const { oldest, newest } = SUPPORTED_KUBERNETES_MINORS;
  const minors = Array.from({ length: newest - oldest + 1 }, (_, i) => oldest + i);
  // Chart releases of kubernetes/cloud-provider-aws: 0.0.8 (appVersion v1.27.1) lacks the RBAC for delegated
  // authentication; none was released for 1.31 or 1.32.
  const CHART_BY_MINOR: Record<number, string> = { 31: '0.0.9', 32: '0.0.9', 33: '0.0.9', 34: '0.0.10', 35: '0.0.11' };

  test.each(minors)('is pinned for Kubernetes 1.%i, chart and image, and installed with that chart', (minor) => {
    const original = readFileSync('examples/myfirstcluster.yaml', 'utf8');
    expect(original).toContain('kubernetesVersion: 1.34.2');
    const model = validateText(original.replace('kubernetesVersion: 1.34.2', `kubernetesVersion: 1.${minor}.0`), 'examples/myfirstcluster.yaml').model;
    const chart = CHART_BY_MINOR[minor];
    expect(chart, `no chart expected for 1.${minor}`).toBeDefined();
    const install = addonsScript(model)
      .split('\n')
      .filter((l) => l.includes('helm upgrade --install aws-cloud-controller-manager '));
    expect(install).toHaveLength(1);
    expect(install[0]).toContain(`aws-cloud-controller-manager --repo 'https://kubernetes.github.io/cloud-provider-aws' --version ${chart} `);
    const values = emitAddons(model).find((f) => f.path === 'addons/aws-cloud-controller-manager-values.yaml')!;
    expect(String(values.content)).toContain(`# Helm values for aws-cloud-controller-manager ${chart} `);
    expect((parse(String(values.content)) as any).image.tag).toMatch(new RegExp(`^v1\\.${minor}\\.\\d+$`));
  });
});

describe('add-ons during a control-plane rollout of a new minor', () => {
  // The add-ons pinned per minor (cloud-controller-manager, cluster-autoscaler, Cilium) must never be newer than an
  // API server (Kubernetes' version skew policy: kube-controller-manager, and so a cloud controller manager, "must not
  // be newer than the kube-apiserver instances they communicate with"). control-plane-1 may be replaced first: its
  // add-on script waits until every control-plane member runs its minor, and its timer retries until then.
  const model = (minor: number) => validateText(readFileSync('examples/myfirstcluster.yaml', 'utf8').replace('kubernetesVersion: 1.34.2', `kubernetesVersion: 1.${minor}.0`), 'spec.yaml').model;

  function behind(script: string, versions: string[]): { status: number; out: string } {
    const fn = /^control_plane_behind\(\) \{\n[\s\S]*?\n\}\n/m.exec(script);
    expect(fn, 'control_plane_behind in the add-on script').not.toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'hakube-addons-gate-'));
    try {
      // kubectl stands in for the API server: it lists the control-plane Nodes' kubelet versions as jsonpath would.
      const list = join(dir, 'versions');
      writeFileSync(list, versions.map((v) => `${v}\n`).join(''));
      const args = join(dir, 'args');
      const harness = `set -euo pipefail\nkubectl() { printf '%s\\n' "$@" >${JSON.stringify(args)}; cat ${JSON.stringify(list)}; }\n${fn![0]}control_plane_behind\n`;
      writeFileSync(join(dir, 'harness.sh'), harness);
      let result: { status: number; out: string };
      try {
        result = { status: 0, out: execFileSync('bash', [join(dir, 'harness.sh')], { encoding: 'utf8' }) };
      } catch (e) {
        result = { status: (e as { status: number }).status, out: '' };
      }
      expect(readFileSync(args, 'utf8')).toBe(
        ['get', 'nodes', '--selector', 'node-role.kubernetes.io/control-plane', '--output', 'jsonpath={range .items[*]}{.status.nodeInfo.kubeletVersion}{"\\n"}{end}', ''].join('\n'),
      );
      return result;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test('the add-on script names the oldest control-plane member of an older minor, and nothing once all are at its minor', () => {
    const script = addonsScript(model(35));
    expect(behind(script, ['v1.35.0', 'v1.34.2', 'v1.34.2'])).toEqual({ status: 0, out: 'v1.34.2\n' });
    expect(behind(script, ['v1.34.2', 'v1.35.0', 'v1.35.0'])).toEqual({ status: 0, out: 'v1.34.2\n' });
    expect(behind(script, ['v1.35.0', 'v1.35.2', 'v1.35.1'])).toEqual({ status: 0, out: '' });
    expect(behind(script, ['v1.35.0'])).toEqual({ status: 0, out: '' });
    // No member listed is no answer: the caller retries.
    expect(behind(script, []).status).not.toBe(0);
  });

  test('it waits before any add-on, with the retry timer on, and turns the timer off once installed', () => {
    const script = addonsScript(model(34));
    const lines = script.split('\n');
    const gate = lines.findIndex((l) => l.includes('behind=$(retry_for "$STEP_SECONDS" control_plane_behind)'));
    const firstStep = lines.findIndex((l) => /^retry_for "\$STEP_SECONDS" (helm|kubectl apply|apply_|patch_|with_)/.test(l));
    expect(gate).toBeGreaterThan(lines.findIndex((l) => l.includes('kubectl get --raw /readyz')));
    expect(gate).toBeLessThan(firstStep);
    const waiting = lines.slice(gate, firstStep).join('\n');
    expect(waiting).toContain('systemctl enable --now hakube-addons.timer');
    expect(waiting).toContain('exit 0');
    expect(lines.slice(lines.findIndex((l) => l === "set_status 'installed'"))).toContain('systemctl disable --now hakube-addons.timer');
    const first = model(34).controlPlane.members.find((m) => m.initializes)!;
    const config = parseCloudConfig(renderTemplatefile(String(emitCloudInit(model(34)).find((f) => f.path === `cloud-init/${first.name}.yaml`)!.content), realisticValues(['bucket', 'api_endpoint', 'etcd_volume_id'])));
    expect(writtenFile(config, '/etc/systemd/system/hakube-addons.service').content).toContain(`ExecStart=${NODE_PATHS.addonsScript}\n`);
    expect(writtenFile(config, '/etc/systemd/system/hakube-addons.timer').content).toMatch(/OnActiveSec=10min\nOnUnitActiveSec=10min\n/);
  });
});

describe('Cilium', () => {
  const { oldest, newest } = SUPPORTED_KUBERNETES_MINORS;
  const minors = Array.from({ length: newest - oldest + 1 }, (_, i) => oldest + i);
  // Cilium's Kubernetes compatibility matrix, Documentation/network/kubernetes/compatibility.rst at each release
  // ("All Kubernetes versions listed are e2e tested and guaranteed to be compatible with Cilium"):
  //   v1.18.14: | 1.30, 1.31, 1.32, 1.33 | * `networking.k8s.io/v1`_ |
  //   v1.19.3:  | 1.32, 1.33, 1.34, 1.35 | * `networking.k8s.io/v1`_ |
  // ("Once a release branch gets created ... Cilium typically does not change the Kubernetes versions it uses to run
  // e2e tests for the entire maintenance period of that particular release": one list per Cilium minor.)
  const TESTED_KUBERNETES_MINORS: Record<string, number[]> = { '1.18': [30, 31, 32, 33], '1.19': [32, 33, 34, 35] };
  const ciliumOf = (minor: number): string => {
    const model = modelOf(resolvedExample('private-multigroup.yaml'), (s) => {
      s.kubernetesVersion = `1.${minor}.0`;
    });
    expect(model.network.cni).toBe('cilium');
    const step = addonPlan(model).steps.find((x) => x.kind === 'helm' && x.chart.chart === 'cilium');
    if (step?.kind !== 'helm') throw new Error('no Cilium step');
    return step.chart.version;
  };
  const minorOf = (version: string) => version.split('.').slice(0, 2).join('.');

  test.each(minors)('the Cilium pinned for Kubernetes 1.%i is e2e tested by upstream on it', (minor) => {
    const tested = TESTED_KUBERNETES_MINORS[minorOf(ciliumOf(minor))];
    expect(tested, `Cilium ${ciliumOf(minor)}: record its compatibility matrix`).toBeDefined();
    expect(tested).toContain(minor);
  });

  test.each(minors.slice(1))('upgrading to Kubernetes 1.%i keeps a tested Cilium at every step, one Cilium minor at most', (minor) => {
    // Add-ons move after the last API server (docs/upgrades.md): until then the previous minor's Cilium runs
    // against the new API servers, so it must be tested on the new minor too. Cilium upgrades one minor at a time.
    const before = ciliumOf(minor - 1);
    expect(TESTED_KUBERNETES_MINORS[minorOf(before)]).toContain(minor);
    const [, from] = minorOf(before).split('.').map(Number);
    const [, to] = minorOf(ciliumOf(minor)).split('.').map(Number);
    expect(to! - from!).toBeGreaterThanOrEqual(0);
    expect(to! - from!).toBeLessThanOrEqual(1);
  });
});

describe('aws-node-termination-handler on the host network', () => {
  // Its chart (aws/aws-node-termination-handler config/helm/aws-node-termination-handler, 0.27.1 at commit 5641359,
  // "v1.25.1 release prep"), templates/deployment.yaml, the queue-mode Deployment, serves probes whatever
  // enableProbesServer says (that value only reaches the DaemonSets) and always declares the port:
  //   - name: ENABLE_PROBES_SERVER
  //     value: "true"
  //   ...
  //   ports:
  //    - name: liveness-probe
  //      protocol: TCP
  //      containerPort: {{ .Values.probes.httpGet.port }}
  // (values.yaml: probes.httpGet.port 8080). On the host network that container port is a host port, so two
  // replicas never share a machine, and a surge pod of a rolling update needs a machine the others do not use.
  test.each([1, 3, 5])('with %i control-plane members, its replicas and their updates each fit on a control-plane machine', (count) => {
    const model = modelOf(resolvedExample('myfirstcluster.yaml'), (s) => {
      s.controlPlane.count = count;
    });
    expect(model.controlPlane.members).toHaveLength(count);
    const file = emitAddons(model).find((f) => f.path === 'addons/aws-node-termination-handler-values.yaml')!;
    const values = parse(String(file.content)) as any;
    expect(values.replicas).toBe(Math.min(2, count));
    // A rolling update stops an old pod before it starts a new one: the new one may need the old one's machine.
    expect(values.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
  });
});

describe.each(EXAMPLES)('add-ons of %s', (example) => {
  const model = exampleModel(example);
  const files = emitAddons(model);
  const byName = new Map(files.map((f) => [f.path.replace(/^addons\//, ''), String(f.content)]));

  test('are files under addons/, the ones bucketObjects() uploads to control-plane/addons/, deterministic', () => {
    expect(files.every((f) => f.path.startsWith('addons/'))).toBe(true);
    expect(emitAddons(model)).toEqual(files);
    expect([...byName.keys()]).toEqual(addonFileNames(model));
    const keys = bucketObjects(model, addonFileNames(model)).filter((o) => o.key.startsWith('control-plane/addons/'));
    expect(keys.map((o) => o.source).sort()).toEqual(files.map((f) => f.path).sort());
  });

  test('the plan is made once per model: each machine asks for it, and making it renders every file', () => {
    expect(addonPlan(model)).toBe(addonPlan(model));
  });

  test("hakube's own manifests are valid Kubernetes objects", () => {
    for (const [name, content] of byName) {
      if (name.endsWith('-values.yaml')) continue;
      for (const object of objectsIn(content)) {
        const Model = MODELS[object.kind];
        expect(Model, `${name}: ${object.kind}`).toBeDefined();
        expect(() => new Model!(object).validate()).not.toThrow();
      }
    }
  });

  test('the default StorageClass is encrypted gp3 from the EBS CSI driver', () => {
    const [sc] = objectsIn(byName.get('storage-class.yaml')!);
    expect(sc).toMatchObject({
      kind: 'StorageClass',
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true' },
      metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    });
  });

  test("the Dashboard runs the spec's replicas spread over zones, with a disruption budget, when enabled", () => {
    expect(byName.has('dashboard-deployment-patch.yaml')).toBe(model.addons.dashboard.enabled);
    if (!model.addons.dashboard.enabled) return;
    const [patch] = objectsIn(byName.get('dashboard-deployment-patch.yaml')!);
    expect(patch!.spec.replicas).toBe(model.addons.dashboard.replicas);
    const zone = patch!.spec.template.spec.topologySpreadConstraints.find((c: any) => c.topologyKey === 'topology.kubernetes.io/zone');
    expect(zone).toMatchObject({ maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: patch!.spec.selector.matchLabels } });
    // Tainted nodes (the control plane, an unreachable zone) must not count as empty zones the replicas wait for.
    for (const constraint of patch!.spec.template.spec.topologySpreadConstraints) expect(constraint.nodeTaintsPolicy).toBe('Honor');
    const [pdb] = objectsIn(byName.get('dashboard-disruption-budget.yaml')!);
    expect(pdb).toMatchObject({ kind: 'PodDisruptionBudget', metadata: patch!.metadata, spec: { maxUnavailable: 1, selector: patch!.spec.selector } });
  });

  test('admin-user is bound to cluster-admin and has a long-lived token Secret, when enabled', () => {
    expect(byName.has('admin-user.yaml')).toBe(model.addons.adminUser.enabled);
    if (!model.addons.adminUser.enabled) return;
    const [sa, binding, secret] = objectsIn(byName.get('admin-user.yaml')!);
    expect(sa).toMatchObject({ kind: 'ServiceAccount', metadata: { name: 'admin-user', namespace: 'kube-system' } });
    expect(binding).toMatchObject({ roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'admin-user', namespace: 'kube-system' }] });
    expect(secret).toMatchObject({ type: 'kubernetes.io/service-account-token', metadata: { namespace: 'kube-system', annotations: { 'kubernetes.io/service-account.name': 'admin-user' } } });
    expect(secret!.data).toBeUndefined();
  });

  test('the cloud-controller-manager routes pod CIDRs only with kubenet; CNI settings follow the spec', () => {
    const ccm = parse(byName.get('aws-cloud-controller-manager-values.yaml')!) as { args: string[] };
    expect(ccm.args).toContain('--cloud-provider=aws');
    expect(ccm.args.includes('--configure-cloud-routes=true')).toBe(model.network.cni === 'kubenet');
    if (model.network.cni === 'kubenet') expect(ccm.args).toContain(`--cluster-cidr=${model.network.podCIDR}`);
    expect(byName.has('cilium-values.yaml')).toBe(model.network.cni === 'cilium');
    if (model.network.cni === 'cilium') {
      const cilium = parse(byName.get('cilium-values.yaml')!) as any;
      expect(cilium.ipam.operator.clusterPoolIPv4PodCIDRList).toEqual([model.network.podCIDR]);
    }
    const ebs = parse(byName.get('aws-ebs-csi-driver-values.yaml')!) as any;
    expect(ebs.controller.region).toBe(model.region);
    // Nodes of groups with taints mount volumes too.
    expect(ebs.node.tolerateAllTaints).toBe(true);
  });

  test('what calls AWS with the machine role runs on the host network, since instance metadata answers one hop only', () => {
    const ccm = parse(byName.get('aws-cloud-controller-manager-values.yaml')!) as any;
    expect(ccm.hostNetworking).toBe(true);
    const lines = addonsScript(model).split('\n');
    const patchedAfterInstall = (release: string, deployment: string) => {
      const install = lines.findIndex((l) => l.includes(`helm upgrade --install ${release} `));
      const patch = lines.findIndex((l) => l.includes(`kubectl --namespace kube-system patch deployment/${deployment} --type strategic --patch '`));
      expect(install, release).toBeGreaterThan(-1);
      expect(patch, deployment).toBeGreaterThan(install);
      return JSON.parse(/--patch '([^']+)'$/.exec(lines[patch]!)![1]!);
    };
    for (const [release, deployment] of [
      ['aws-ebs-csi-driver', 'ebs-csi-controller'],
      ['aws-node-termination-handler', 'aws-node-termination-handler'],
    ] as const) {
      expect(patchedAfterInstall(release, deployment)).toEqual({ spec: { template: { spec: { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } } } });
    }
    // Host-network pods take their ports on the machine: the CCM's 10258 and the CSI controller's health port 9808
    // are none of the control plane's own (API server, etcd, kubelet, controller manager, scheduler, kube-proxy),
    // the CSI controller has no more replicas than control-plane machines, nor does the handler (its probe port 8080).
    const controlPlanePorts = [6443, 2379, 2380, 2381, 10248, 10249, 10250, 10256, 10257, 10259];
    for (const port of [10258, 9808]) expect(controlPlanePorts).not.toContain(port);
    const ebs = parse(byName.get('aws-ebs-csi-driver-values.yaml')!) as any;
    expect(ebs.controller.replicaCount).toBeLessThanOrEqual(model.controlPlane.members.length);
    const nth = parse(byName.get('aws-node-termination-handler-values.yaml')!) as any;
    expect(nth.enablePrometheusServer).toBe(false);
    expect(controlPlanePorts).not.toContain(8080);
    expect(nth.replicas).toBeLessThanOrEqual(model.controlPlane.members.length);
  });

  test('the add-on script uses every add-on file and only those, with pinned versions', () => {
    const script = addonsScript(model);
    const used = [...script.matchAll(/"\$ADDONS\/([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(used)).toEqual(new Set(byName.keys()));
    for (const line of script.split('\n').filter((l) => l.includes('helm upgrade --install'))) expect(line).toMatch(/--version \d+\.\d+\.\d+ /);
    for (const url of script.match(/https:\/\/raw\.githubusercontent\.com\/\S+/g) ?? []) expect(url).toMatch(/\/v\d+\.\d+\.\d+\//);
    expect(script.includes('calico.yaml')).toBe(model.network.cni === 'calico');
  });
});
