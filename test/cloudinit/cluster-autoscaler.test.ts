import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addonPlan } from '../../src/emit/addons/addon-plan.js';
import { emitAddons } from '../../src/emit/addons/index.js';
import { CLUSTER_AUTOSCALER_CHART } from '../../src/emit/addons/upstream-components.js';
import { SUPPORTED_KUBERNETES_MINORS } from '../../src/spec/defaults.js';
import { validateText } from '../../src/spec/validate.js';
import { modelOf, resolvedExample } from '../ha/model-fixtures.js';
import { BASE_SPEC, issuesOf, only, withLine } from '../helpers/spec-text.js';
import { emitModel, resources } from '../terraform/synthesized.js';

const VALUES = 'addons/cluster-autoscaler-values.yaml';

function valuesOf(model: Parameters<typeof emitAddons>[0]): Record<string, any> {
  const file = emitAddons(model).find((f) => f.path === VALUES);
  if (!file) throw new Error(`no ${VALUES}`);
  return parse(String(file.content)) as Record<string, any>;
}

describe('the cluster-autoscaler add-on', () => {
  it('is off unless the spec turns it on', () => {
    const model = modelOf(resolvedExample('myfirstcluster.yaml'));
    expect(emitAddons(model).some((f) => f.path === VALUES)).toBe(false);
    expect(addonPlan(model).steps.some((s) => s.kind === 'helm' && s.chart === CLUSTER_AUTOSCALER_CHART)).toBe(false);
  });

  it('pins an autoscaler release to every supported Kubernetes minor, matching it', () => {
    for (let minor = SUPPORTED_KUBERNETES_MINORS.oldest; minor <= SUPPORTED_KUBERNETES_MINORS.newest; minor++) {
      const model = modelOf(resolvedExample('private-multigroup.yaml'), (s) => {
        s.kubernetesVersion = `1.${minor}.0`;
      });
      expect(valuesOf(model).image.tag, `1.${minor}`).toMatch(new RegExp(`^v1\\.${minor}\\.\\d+$`));
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
    const step = addonPlan(model).steps.find((s) => s.kind === 'helm' && s.chart === CLUSTER_AUTOSCALER_CHART);
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
