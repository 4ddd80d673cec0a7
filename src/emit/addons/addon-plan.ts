import { stringify } from 'yaml';
import { ADDONS_DIR } from '../../model/bucket-layout.js';
import type { ClusterModel } from '../../model/model.js';
import type { GeneratedFile } from '../../output/files.js';
import { adminUserObjects } from './admin-user.js';
import { dashboardDeploymentPatch, dashboardDisruptionBudget } from './dashboard.js';
import { ciliumValues, cloudControllerManagerValues, clusterAutoscalerValues, ebsCsiDriverValues, metricsServerValues, nodeTerminationHandlerValues } from './helm-values.js';
import { nodeTerminationQueueName } from '../../model/node-termination.js';
import { defaultStorageClass } from './storage-class.js';
import { POD_IDENTITY_WEBHOOK, podIdentityWebhookObjects } from './pod-identity-webhook.js';
import { POD_IDENTITY_WEBHOOK_FILES } from '../../model/bucket-layout.js';
import {
  awsCloudControllerManagerChart,
  CALICO_MANIFEST_URL,
  ciliumChart,
  clusterAutoscalerChart,
  DASHBOARD_DEPLOYMENT,
  DASHBOARD_MANIFEST_URL,
  DASHBOARD_NAMESPACE,
  EBS_CSI_CONTROLLER_DEPLOYMENT,
  EBS_CSI_DRIVER_CHART,
  METRICS_SERVER_CHART,
  NODE_TERMINATION_HANDLER_CHART,
  NODE_TERMINATION_HANDLER_DEPLOYMENT,
  type HelmChart,
} from './upstream-components.js';

/** One step of installing the add-ons; `file` is relative to addons/ (and to the add-on folder on the machine). */
export type AddonStep =
  | { kind: 'manifest-url'; description: string; url: string }
  | { kind: 'manifest-file'; description: string; file: string }
  | { kind: 'helm'; description: string; chart: HelmChart; file: string; queueUrlValue?: { key: string; queueName: string } }
  | { kind: 'patch'; description: string; namespace: string; resource: string; file: string }
  | { kind: 'host-network'; description: string; namespace: string; deployment: string }
  /** A kubernetes.io/tls Secret from a certificate and key fetched from the bucket (paths on the machine). */
  | { kind: 'tls-secret'; description: string; namespace: string; name: string; certPath: string; keyPath: string }
  /** Sets a MutatingWebhookConfiguration webhook's caBundle to a CA certificate fetched from the bucket. */
  | { kind: 'ca-bundle'; description: string; configuration: string; webhook: string; caPath: string };

/** A strategic-merge patch: pods on the host network reach instance metadata; they still resolve cluster names through CoreDNS. */
export const HOST_NETWORK_PATCH = { spec: { template: { spec: { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } } } } as const;

export interface AddonPlan {
  /** Files under addons/, with their content: hakube's own manifests and its settings for upstream charts. */
  files: Array<{ file: string; content: string }>;
  /** In install order: the CNI first (nodes stay NotReady without it), then the cloud controller, then the rest. */
  steps: AddonStep[];
}

/**
 * hakube's own manifests, typed by kubernetes-models' interfaces; test/cloudinit/addons.test.ts checks
 * them against the Kubernetes API schema.
 */
function manifest(header: string, objects: object[]): string {
  return `# ${header}\n` + objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

function values(header: string, content: Record<string, unknown>): string {
  return `# ${header}\n${stringify(content, { lineWidth: 0 })}`;
}

/** Plans by model: the emitters ask for the plan of each machine, and making it renders every add-on file. */
const plans = new WeakMap<ClusterModel, AddonPlan>();

/** What the first control-plane node installs, and the files it reads: a pure function of the model, made once. */
export function addonPlan(model: ClusterModel): AddonPlan {
  let plan = plans.get(model);
  if (!plan) {
    plan = planAddons(model);
    plans.set(model, plan);
  }
  return plan;
}

function planAddons(model: ClusterModel): AddonPlan {
  const files: AddonPlan['files'] = [];
  const steps: AddonStep[] = [];
  const helm = (description: string, chart: HelmChart, file: string, content: Record<string, unknown>, queueUrlValue?: { key: string; queueName: string }) => {
    files.push({ file, content: values(`Helm values for ${chart.chart} ${chart.version} (${chart.repository}), written by hakube.`, content) });
    steps.push({ kind: 'helm', description, chart, file, ...(queueUrlValue ? { queueUrlValue } : {}) });
  };
  const own = (description: string, file: string, objects: object[]) => {
    files.push({ file, content: manifest(`${description}. Written by hakube; applied by the first control-plane node.`, objects) });
    steps.push({ kind: 'manifest-file', description, file });
  };

  switch (model.network.cni) {
    case 'calico':
      // calico-node takes its IP pool from kubeadm's podSubnet (the spec's pod CIDR) when none is set.
      steps.push({ kind: 'manifest-url', description: 'Calico CNI', url: CALICO_MANIFEST_URL });
      break;
    case 'cilium':
      helm('Cilium CNI', ciliumChart(model), 'cilium-values.yaml', ciliumValues(model));
      break;
    case 'kubenet':
      // containerd's own CNI template on every node; routes come from the cloud-controller-manager.
      break;
  }
  helm('AWS cloud-controller-manager', awsCloudControllerManagerChart(model), 'aws-cloud-controller-manager-values.yaml', cloudControllerManagerValues(model));
  helm('AWS EBS CSI driver', EBS_CSI_DRIVER_CHART, 'aws-ebs-csi-driver-values.yaml', ebsCsiDriverValues(model));
  // Instance metadata answers the host only (one hop): controllers that call AWS with the machine role run on the
  // host network. A reinstall renders the chart's own setting again; the patch after it restores the host network.
  const hostNetwork = (description: string, namespace: string, deployment: string) => steps.push({ kind: 'host-network', description, namespace, deployment });
  hostNetwork('AWS EBS CSI controller on the host network', EBS_CSI_DRIVER_CHART.namespace, EBS_CSI_CONTROLLER_DEPLOYMENT);
  // Drain before termination. Its queue's URL holds the AWS account id, known only on the machine: the install
  // looks it up by name.
  helm('aws-node-termination-handler (queue mode)', NODE_TERMINATION_HANDLER_CHART, 'aws-node-termination-handler-values.yaml', nodeTerminationHandlerValues(model), {
    key: 'queueURL',
    queueName: nodeTerminationQueueName(model),
  });
  hostNetwork('aws-node-termination-handler on the host network', NODE_TERMINATION_HANDLER_CHART.namespace, NODE_TERMINATION_HANDLER_DEPLOYMENT);
  own('Default StorageClass: encrypted gp3', 'storage-class.yaml', [defaultStorageClass()]);
  if (model.addons.metricsServer.enabled) {
    helm('metrics-server', METRICS_SERVER_CHART, 'metrics-server-values.yaml', metricsServerValues());
  }
  if (model.addons.clusterAutoscaler.enabled) {
    helm('cluster-autoscaler', clusterAutoscalerChart(model), 'cluster-autoscaler-values.yaml', clusterAutoscalerValues(model));
  }
  if (model.addons.dashboard.enabled) {
    steps.push({ kind: 'manifest-url', description: 'Kubernetes Dashboard', url: DASHBOARD_MANIFEST_URL });
    files.push({
      file: 'dashboard-deployment-patch.yaml',
      content: manifest(
        `Dashboard replicas (${model.addons.dashboard.replicas}) spread over zones and nodes: a strategic-merge patch applied after the upstream manifest`,
        [dashboardDeploymentPatch(model)],
      ),
    });
    steps.push({
      kind: 'patch',
      description: 'Dashboard replicas and zone spread',
      namespace: DASHBOARD_NAMESPACE,
      resource: `deployment/${DASHBOARD_DEPLOYMENT}`,
      file: 'dashboard-deployment-patch.yaml',
    });
    own('Dashboard PodDisruptionBudget', 'dashboard-disruption-budget.yaml', [dashboardDisruptionBudget()]);
  }
  if (model.serviceAccountIssuer) {
    // The Secret first, so the webhook's pods find their certificate when they start.
    const { namespace, name, tlsSecret, webhookName } = POD_IDENTITY_WEBHOOK;
    steps.push({
      kind: 'tls-secret',
      description: 'pod identity webhook TLS Secret',
      namespace,
      name: tlsSecret,
      certPath: POD_IDENTITY_WEBHOOK_FILES.cert.installPath,
      keyPath: POD_IDENTITY_WEBHOOK_FILES.key.installPath,
    });
    own('amazon-eks-pod-identity-webhook: IAM roles for annotated ServiceAccounts', 'pod-identity-webhook.yaml', podIdentityWebhookObjects(model));
    steps.push({
      kind: 'ca-bundle',
      description: 'pod identity webhook caBundle',
      configuration: name,
      webhook: webhookName,
      caPath: POD_IDENTITY_WEBHOOK_FILES.caCert.installPath,
    });
  }
  if (model.addons.adminUser.enabled) {
    own('admin-user ServiceAccount bound to cluster-admin, with a long-lived token Secret (all-powerful)', 'admin-user.yaml', adminUserObjects());
  }
  return { files, steps };
}

/** The add-on files for the output folder, under addons/; their names relative to addons/ go to bucketObjects(). */
export function emitAddons(model: ClusterModel): GeneratedFile[] {
  return addonPlan(model).files.map(({ file, content }) => ({ path: `${ADDONS_DIR}/${file}`, content }));
}

/** Names relative to addons/, as bucketObjects(model, addonFiles) takes them. */
export function addonFileNames(model: ClusterModel): string[] {
  return addonPlan(model).files.map(({ file }) => file);
}
