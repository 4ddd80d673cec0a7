import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { ClusterModel } from '../../model/model.js';
import { DASHBOARD_DEPLOYMENT, DASHBOARD_NAMESPACE, DASHBOARD_POD_LABELS } from './upstream-components.js';

/**
 * A strategic-merge patch applied after the upstream manifest: the spec's replica count, and replicas spread
 * over zones (hard) and nodes (soft), so losing a node or a zone leaves a Dashboard answering. It is written as
 * a whole Deployment so it validates against the API schema; selector, labels and the container name repeat
 * the upstream values, so merging them changes nothing.
 */
export function dashboardDeploymentPatch(model: ClusterModel): IDeployment {
  const spread = (topologyKey: string, whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway') => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable,
    // Only nodes the Dashboard may run on count as domains. By default tainted nodes count too: a zone holding only
    // control-plane nodes, or one whose nodes are unreachable after a zone failure, would count as an empty zone
    // and leave replicas Pending instead of placing them in the zones that remain.
    nodeTaintsPolicy: 'Honor' as const,
    labelSelector: { matchLabels: { ...DASHBOARD_POD_LABELS } },
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: DASHBOARD_DEPLOYMENT, namespace: DASHBOARD_NAMESPACE },
    spec: {
      replicas: model.addons.dashboard.replicas,
      selector: { matchLabels: { ...DASHBOARD_POD_LABELS } },
      template: {
        metadata: { labels: { ...DASHBOARD_POD_LABELS } },
        spec: {
          containers: [{ name: DASHBOARD_DEPLOYMENT }],
          topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 'DoNotSchedule'), spread('kubernetes.io/hostname', 'ScheduleAnyway')],
        },
      },
    },
  };
}

/** At most one Dashboard pod down at a time through voluntary disruptions (drains, node upgrades). */
export function dashboardDisruptionBudget(): IPodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: DASHBOARD_DEPLOYMENT, namespace: DASHBOARD_NAMESPACE },
    spec: { maxUnavailable: 1, selector: { matchLabels: { ...DASHBOARD_POD_LABELS } } },
  };
}
