import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addonPlan } from '../../src/emit/addons/addon-plan.js';
import { emitAddons } from '../../src/emit/addons/index.js';
import { SUPPORTED_KUBERNETES_MINORS } from '../../src/spec/defaults.js';
import { validateText } from '../../src/spec/validate.js';
import { modelOf, resolvedExample } from '../ha/model-fixtures.js';
import { BASE_SPEC, issuesOf, only, withLine } from '../helpers/spec-text.js';
import { emitModel, resources } from '../terraform/synthesized.js';

const VALUES = 'addons/cluster-autoscaler-values.yaml';

/**
 * Upstream facts about the cluster-autoscaler chart, recorded from kubernetes/autoscaler at each chart's tag
 * cluster-autoscaler-chart-X.Y.Z: `appVersion` from its Chart.yaml, and from templates/clusterrole.yaml the
 * resources of the `storage.k8s.io` rule and of the `resource.k8s.io` rule (none before 9.54.0). The chart lives in
 * charts/cluster-autoscaler/ up to 9.51.0 and in cluster-autoscaler/charts/cluster-autoscaler/ from 9.52.0. 9.54.0
 * (commit d4a3ca1d9b, "CA: update k8s deps to 1.35.0-rc.0") added:
 *   - apiGroups:
 *     - resource.k8s.io
 *     resources:
 *       - resourceslices
 *       - deviceclasses
 *       - resourceclaims
 *     verbs: [watch, list, get]
 * 9.46.3 (commit f1d00648d4, "Adds volumeattachments resource permissions to the Cluster Autoscaler Helm chart") added
 * `volumeattachments` to the storage.k8s.io rule (storageclasses, csinodes, csidrivers, csistoragecapacities).
 * A chart pinned in upstream-components.ts that is missing here fails the test below: record it from upstream first.
 */
const UPSTREAM_CHART_FACTS: Record<string, { appVersion: string; storageResources: string[]; resourceApiResources: string[] }> = {
  '9.43.1': { appVersion: '1.31.0', storageResources: ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities'], resourceApiResources: [] },
  '9.46.6': { appVersion: '1.32.0', storageResources: ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities', 'volumeattachments'], resourceApiResources: [] },
  '9.51.0': { appVersion: '1.33.0', storageResources: ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities', 'volumeattachments'], resourceApiResources: [] },
  '9.53.0': { appVersion: '1.34.2', storageResources: ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities', 'volumeattachments'], resourceApiResources: [] },
  '9.59.0': {
    appVersion: '1.35.0',
    storageResources: ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities', 'volumeattachments'],
    resourceApiResources: ['resourceslices', 'deviceclasses', 'resourceclaims'],
  },
};

/**
 * What the autoscaler of each minor lists and watches, from kubernetes/autoscaler at its release tags:
 * - VolumeAttachments from 1.33: the AWS example manifests (cluster-autoscaler/cloudprovider/aws/examples/
 *   cluster-autoscaler-autodiscover.yaml) grant `volumeattachments` at cluster-autoscaler-1.33.0 and not at 1.32.7;
 * - the DRA objects from 1.35: config/flags/flags.go at cluster-autoscaler-1.35.0 has
 *   `enable-dynamic-resource-allocation ... true, "Handle DRA (Dynamic Resource Allocation) objects, locked to true."`
 *   and `klog.Fatalf("--enable-dynamic-resource-allocation flag must be true ...")`; at 1.34.5 its default is false.
 * Without the rule the informer never syncs and the autoscaler waits for its caches for ever: it never scales.
 */
function autoscalerNeeds(minor: number): { storageResources: string[]; resourceApiResources: string[] } {
  return {
    storageResources: minor >= 33 ? ['volumeattachments'] : [],
    resourceApiResources: minor >= 35 ? ['resourceslices', 'deviceclasses', 'resourceclaims'] : [],
  };
}

function valuesOf(model: Parameters<typeof emitAddons>[0]): Record<string, any> {
  const file = emitAddons(model).find((f) => f.path === VALUES);
  if (!file) throw new Error(`no ${VALUES}`);
  return parse(String(file.content)) as Record<string, any>;
}

describe('the cluster-autoscaler add-on', () => {
  it('is off unless the spec turns it on', () => {
    const model = modelOf(resolvedExample('myfirstcluster.yaml'));
    expect(emitAddons(model).some((f) => f.path === VALUES)).toBe(false);
    expect(addonPlan(model).steps.some((s) => s.kind === 'helm' && s.chart.chart === 'cluster-autoscaler')).toBe(false);
  });

  it('pins an autoscaler release to every supported Kubernetes minor, matching it', () => {
    for (let minor = SUPPORTED_KUBERNETES_MINORS.oldest; minor <= SUPPORTED_KUBERNETES_MINORS.newest; minor++) {
      const model = modelOf(resolvedExample('private-multigroup.yaml'), (s) => {
        s.kubernetesVersion = `1.${minor}.0`;
      });
      expect(valuesOf(model).image.tag, `1.${minor}`).toMatch(new RegExp(`^v1\\.${minor}\\.\\d+$`));
    }
  });

  it("pins, per Kubernetes minor, a chart of that minor whose ClusterRole grants what that autoscaler reads", () => {
    for (let minor = SUPPORTED_KUBERNETES_MINORS.oldest; minor <= SUPPORTED_KUBERNETES_MINORS.newest; minor++) {
      const model = modelOf(resolvedExample('private-multigroup.yaml'), (s) => {
        s.kubernetesVersion = `1.${minor}.0`;
      });
      const step = addonPlan(model).steps.find((s) => s.kind === 'helm' && s.chart.chart === 'cluster-autoscaler');
      if (step?.kind !== 'helm') throw new Error('no cluster-autoscaler step');
      const facts = UPSTREAM_CHART_FACTS[step.chart.version];
      expect(facts, `chart ${step.chart.version} for 1.${minor}: record its upstream facts`).toBeDefined();
      expect(facts!.appVersion, `chart ${step.chart.version} for 1.${minor}`).toMatch(new RegExp(`^1\\.${minor}\\.`));
      const needs = autoscalerNeeds(minor);
      expect(facts!.storageResources, `chart ${step.chart.version} for 1.${minor}`).toEqual(expect.arrayContaining(needs.storageResources));
      expect(facts!.resourceApiResources, `chart ${step.chart.version} for 1.${minor}`).toEqual(expect.arrayContaining(needs.resourceApiResources));
      // The values file names the chart it was written for.
      expect(String(emitAddons(model).find((f) => f.path === VALUES)!.content)).toContain(`cluster-autoscaler ${step.chart.version} `);
    }
  });

  it('finds exactly the groups hakube tags, on the control plane, on the host network, with a disruption budget', () => {
    const model = modelOf(resolvedExample('private-multigroup.yaml'));
    const values = valuesOf(model);
    expect(values).toMatchObject({
      cloudProvider: 'aws',
      awsRegion: model.region,
      autoDiscovery: { clusterName: model.name },
      hostNetwork: true,
      replicaCount: 1,
      podDisruptionBudget: { maxUnavailable: 1 },
      nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
    });
    // The chart's default discovery tags, with this cluster's name: every auto-scaling group carries both.
    const wanted = ['k8s.io/cluster-autoscaler/enabled', `k8s.io/cluster-autoscaler/${values.autoDiscovery.clusterName}`];
    const groups = resources(emitModel(model), 'aws_autoscaling_group');
    expect(groups.size).toBe(model.instanceGroups.length);
    for (const [name, group] of groups) {
      const tags = (group.tag as Array<{ key: string }>).map((t) => t.key);
      for (const tag of wanted) expect(tags, name).toContain(tag);
      // The autoscaler owns the desired size; Terraform never sets it, so the two never fight.
      expect(group.desired_capacity, name).toBeUndefined();
    }
    const step = addonPlan(model).steps.find((s) => s.kind === 'helm' && s.chart.chart === 'cluster-autoscaler');
    expect(step).toMatchObject({ file: 'cluster-autoscaler-values.yaml' });
  });

  it("passes the spec's settings as the autoscaler's flags", () => {
    const text = withLine(
      '  instanceGroups:',
      '  addons:\n    clusterAutoscaler:\n      enabled: true\n      expander: random\n      balanceSimilarNodeGroups: true\n      scaleDownUtilizationThreshold: 0.3\n      skipNodesWithLocalStorage: false\n  instanceGroups:',
      withLine('      maxSize: 2', '      maxSize: 5'),
    );
    expect(issuesOf(text)).toEqual([]);
    expect(valuesOf(validateText(text, 'spec.yaml').model).extraArgs).toEqual({
      expander: 'random',
      'balance-similar-node-groups': true,
      'scale-down-utilization-threshold': 0.3,
      'skip-nodes-with-local-storage': false,
    });
  });

  it('HK249: warns when no group may change size', () => {
    const text = withLine('  instanceGroups:', '  addons:\n    clusterAutoscaler: { enabled: true }\n  instanceGroups:', BASE_SPEC);
    expect(only(issuesOf(text), 'HK249')).toEqual([expect.objectContaining({ severity: 'warning', pointer: '/spec/addons/clusterAutoscaler/enabled' })]);
  });
});
