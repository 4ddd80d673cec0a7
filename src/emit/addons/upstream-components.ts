import type { ClusterModel } from '../../model/model.js';

/**
 * Upstream add-ons the first control-plane node installs at boot, each pinned to one version. Machines fetch
 * them from the internet (this is the list to mirror for an air-gapped install); hakube's own settings for
 * them are files under addons/ that reviewers read in pull requests.
 */
export interface HelmChart {
  release: string;
  chart: string;
  repository: string;
  version: string;
  namespace: string;
}

/**
 * The cloud-controller-manager is released once per Kubernetes minor and must match it: its image, and the chart
 * (kubernetes/cloud-provider-aws charts/aws-cloud-controller-manager) whose templates and RBAC go with it. The
 * chart is released from the main branch only, at most once per minor: 0.0.9 is the image v1.33.0 release (July
 * 2025), 0.0.10 has appVersion v1.34.0, 0.0.11 (March 2026) is the update for 1.35. No chart was released for 1.31
 * or 1.32 (0.0.8 has appVersion v1.27.1 and lacks the tokenreviews/subjectaccessreviews rules the controller's
 * delegated authentication and authorization need), so those minors take 0.0.9, the oldest chart with them; the
 * image is set per minor in the values either way.
 */
const CLOUD_CONTROLLER_MANAGER_BY_MINOR: Record<string, { image: string; chart: string }> = {
  '1.31': { image: 'v1.31.5', chart: '0.0.9' },
  '1.32': { image: 'v1.32.0', chart: '0.0.9' },
  '1.33': { image: 'v1.33.0', chart: '0.0.9' },
  '1.34': { image: 'v1.34.1', chart: '0.0.10' },
  '1.35': { image: 'v1.35.0', chart: '0.0.11' },
};

export const CLOUD_CONTROLLER_MANAGER_IMAGE = 'registry.k8s.io/provider-aws/cloud-controller-manager';

function cloudControllerManagerPin(model: ClusterModel): { image: string; chart: string } {
  const pin = CLOUD_CONTROLLER_MANAGER_BY_MINOR[model.kubernetesMinor];
  if (!pin) throw new Error(`BUG: no cloud-controller-manager pinned for Kubernetes ${model.kubernetesMinor}`);
  return pin;
}

export function cloudControllerManagerImageTag(model: ClusterModel): string {
  return cloudControllerManagerPin(model).image;
}

export function awsCloudControllerManagerChart(model: ClusterModel): HelmChart {
  return {
    release: 'aws-cloud-controller-manager',
    chart: 'aws-cloud-controller-manager',
    repository: 'https://kubernetes.github.io/cloud-provider-aws',
    version: cloudControllerManagerPin(model).chart,
    namespace: 'kube-system',
  };
}

export const EBS_CSI_DRIVER_CHART: HelmChart = {
  release: 'aws-ebs-csi-driver',
  chart: 'aws-ebs-csi-driver',
  repository: 'https://kubernetes-sigs.github.io/aws-ebs-csi-driver',
  version: '2.48.0',
  namespace: 'kube-system',
};

/** The controller Deployment the chart creates (a fixed name in its templates/controller.yaml). */
export const EBS_CSI_CONTROLLER_DEPLOYMENT = 'ebs-csi-controller';

export const METRICS_SERVER_CHART: HelmChart = {
  release: 'metrics-server',
  chart: 'metrics-server',
  repository: 'https://kubernetes-sigs.github.io/metrics-server/',
  version: '3.13.0',
  namespace: 'kube-system',
};

/**
 * Cilium, per Kubernetes minor: a release whose Kubernetes compatibility matrix (Documentation/network/kubernetes/
 * compatibility.rst at the release: "All Kubernetes versions listed are e2e tested") lists the minor. Cilium 1.18
 * (v1.18.14's file: 1.30, 1.31, 1.32, 1.33) for 1.31; Cilium 1.19 (v1.19.3's file: 1.32, 1.33, 1.34, 1.35) from 1.32,
 * the first minor both list: add-ons move only once every API server is at the new minor, so during the upgrade to
 * 1.32 Cilium 1.18 runs against 1.32 API servers, which it is tested with, and Cilium moves one minor at a time, as
 * its upgrade guide requires. The 1.19 list was read from a copy of v1.19.3's source file (the repository is too
 * large to fetch here); 1.19.4 is the newest 1.19 patch seen released as a Helm chart (its release notes).
 */
const CILIUM_VERSION_BY_MINOR: Record<string, string> = {
  '1.31': '1.18.2',
  '1.32': '1.19.4',
  '1.33': '1.19.4',
  '1.34': '1.19.4',
  '1.35': '1.19.4',
};

export function ciliumChart(model: ClusterModel): HelmChart {
  const version = CILIUM_VERSION_BY_MINOR[model.kubernetesMinor];
  if (!version) throw new Error(`BUG: no Cilium pinned for Kubernetes ${model.kubernetesMinor}`);
  return { release: 'cilium', chart: 'cilium', repository: 'https://helm.cilium.io/', version, namespace: 'kube-system' };
}

/**
 * aws-node-termination-handler in queue mode (drain before termination, docs/node-boot.md). Chart 0.27.1 (app
 * v1.25.1, image public.ecr.aws/aws-ec2/aws-node-termination-handler:v1.25.1) is the version in the project's
 * config/helm/aws-node-termination-handler/Chart.yaml; the project publishes its chart to the public ECR OCI
 * registry (its chart README: `helm upgrade --install ... oci://public.ecr.aws/aws-ec2/helm/aws-node-termination-handler`).
 */
export const NODE_TERMINATION_HANDLER_CHART: HelmChart = {
  release: 'aws-node-termination-handler',
  chart: 'aws-node-termination-handler',
  repository: 'oci://public.ecr.aws/aws-ec2/helm',
  version: '0.27.1',
  namespace: 'kube-system',
};

/**
 * The queue-mode Deployment the chart creates: its fullname, the release name (which contains the chart name). Its
 * templates/deployment.yaml writes `hostNetwork: false` with no value to change it.
 */
export const NODE_TERMINATION_HANDLER_DEPLOYMENT = 'aws-node-termination-handler';

/**
 * The cluster-autoscaler is released once per Kubernetes minor and must match it; so must its chart
 * (kubernetes/autoscaler, tags cluster-autoscaler-chart-X.Y.Z), whose ClusterRole grants what that release lists and
 * watches: an autoscaler without the right to list a kind waits for its informer caches for ever and never scales.
 * Each row is the newest image of the minor (its release tags cluster-autoscaler-1.MINOR.PATCH) and the newest chart
 * whose Chart.yaml has an appVersion of that minor, confirmed at its tag (Chart.yaml and templates/clusterrole.yaml;
 * under cluster-autoscaler/charts/ from 9.52.0):
 * - 1.31: chart 9.43.1 (appVersion 1.31.0); image v1.31.5;
 * - 1.32: chart 9.46.6 (appVersion 1.32.0); image v1.32.7;
 * - 1.33: chart 9.51.0 (appVersion 1.33.0; `volumeattachments` in its storage.k8s.io rule since 9.46.3, which the
 *   1.33 autoscaler reads); image v1.33.6;
 * - 1.34: chart 9.53.0 (appVersion 1.34.2); image v1.34.5;
 * - 1.35: chart 9.59.0 (appVersion 1.35.0; the resource.k8s.io rule for resourceslices, deviceclasses and
 *   resourceclaims since 9.54.0: autoscaler 1.35 handles DRA objects always, its flags.go locks
 *   --enable-dynamic-resource-allocation to true); image v1.35.2.
 * test/cloudinit/cluster-autoscaler.test.ts records each chart's ClusterRole and checks it against its minor.
 */
const CLUSTER_AUTOSCALER_BY_MINOR: Record<string, { image: string; chart: string }> = {
  '1.31': { image: 'v1.31.5', chart: '9.43.1' },
  '1.32': { image: 'v1.32.7', chart: '9.46.6' },
  '1.33': { image: 'v1.33.6', chart: '9.51.0' },
  '1.34': { image: 'v1.34.5', chart: '9.53.0' },
  '1.35': { image: 'v1.35.2', chart: '9.59.0' },
};

export const CLUSTER_AUTOSCALER_IMAGE = 'registry.k8s.io/autoscaling/cluster-autoscaler';

function clusterAutoscalerPin(model: ClusterModel): { image: string; chart: string } {
  const pin = CLUSTER_AUTOSCALER_BY_MINOR[model.kubernetesMinor];
  if (!pin) throw new Error(`BUG: no cluster-autoscaler pinned for Kubernetes ${model.kubernetesMinor}`);
  return pin;
}

export function clusterAutoscalerImageTag(model: ClusterModel): string {
  return clusterAutoscalerPin(model).image;
}

export function clusterAutoscalerChart(model: ClusterModel): HelmChart {
  return {
    release: 'cluster-autoscaler',
    chart: 'cluster-autoscaler',
    repository: 'https://kubernetes.github.io/autoscaler',
    version: clusterAutoscalerPin(model).chart,
    namespace: 'kube-system',
  };
}

/** Calico's single-manifest install (calico-node with IP-in-IP, Calico IPAM). */
export const CALICO_MANIFEST_URL = 'https://raw.githubusercontent.com/projectcalico/calico/v3.30.3/manifests/calico.yaml';

/**
 * The Dashboard of the tutorial: v2.7.0 is the last release installable from one manifest (7.x needs Helm and
 * Kong) and serves the `kubectl proxy` URL the tutorial uses. Upstream has since archived the project.
 */
export const DASHBOARD_MANIFEST_URL = 'https://raw.githubusercontent.com/kubernetes/dashboard/v2.7.0/aio/deploy/recommended.yaml';
export const DASHBOARD_NAMESPACE = 'kubernetes-dashboard';
export const DASHBOARD_DEPLOYMENT = 'kubernetes-dashboard';
/** The pod label the upstream manifest selects the Dashboard's pods by. */
export const DASHBOARD_POD_LABELS = { 'k8s-app': 'kubernetes-dashboard' } as const;
