import type { ClusterModel } from '../../model/model.js';
import { DRAIN_TIMEOUT_SECONDS } from '../../model/node-termination.js';
import { clusterTagKey } from '../terraform/cluster-tags.js';
import { CLOUD_CONTROLLER_MANAGER_IMAGE, CLUSTER_AUTOSCALER_IMAGE, cloudControllerManagerImageTag, clusterAutoscalerImageTag } from './upstream-components.js';

/** Control-plane pods: selected onto control-plane nodes, whose instance role holds the AWS permissions. */
const ON_CONTROL_PLANE = {
  nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
  tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
};

/**
 * The AWS cloud-controller-manager: names nodes by their private DNS name, sets their addresses and zones,
 * removes the `uninitialized` taint, and serves LoadBalancer Services. With kubenet it also writes each node's
 * pod CIDR into the VPC route tables (its route controller), since kubenet pod addresses are routed natively.
 * It runs on the host network: instance metadata answers the host only (one hop), and it gets the control-plane
 * role's credentials there. It listens on 10258 only, which nothing else on the control plane uses.
 */
export function cloudControllerManagerValues(model: ClusterModel): Record<string, unknown> {
  const routes =
    model.network.cni === 'kubenet'
      ? ['--allocate-node-cidrs=true', '--configure-cloud-routes=true', `--cluster-cidr=${model.network.podCIDR}`]
      : ['--configure-cloud-routes=false'];
  return {
    image: { repository: CLOUD_CONTROLLER_MANAGER_IMAGE, tag: cloudControllerManagerImageTag(model) },
    args: ['--v=2', '--cloud-provider=aws', `--cluster-name=${model.name}`, ...routes],
    hostNetworking: true,
    nodeSelector: { ...ON_CONTROL_PLANE.nodeSelector },
    tolerations: [
      // Nodes keep this taint until this very controller initializes them.
      { key: 'node.cloudprovider.kubernetes.io/uninitialized', value: 'true', effect: 'NoSchedule' },
      ...ON_CONTROL_PLANE.tolerations,
    ],
  };
}

/**
 * The EBS CSI driver; its controller runs on the control plane with the region baked in, on the host network (a
 * patch after the install, see addon-plan.ts) to get the role's credentials from instance metadata. On the host
 * network its health port (9808) is a host port, so at most one replica fits on a control-plane machine. Its node
 * plugin needs no AWS credentials (it reads its instance from the Node object when metadata does not answer) and
 * must run on every node that may mount a volume, including those of instance groups with taints.
 */
export function ebsCsiDriverValues(model: ClusterModel): Record<string, unknown> {
  return {
    controller: {
      replicaCount: Math.min(2, model.controlPlane.members.length),
      region: model.region,
      k8sTagClusterId: model.name,
      nodeSelector: { ...ON_CONTROL_PLANE.nodeSelector },
      tolerations: [...ON_CONTROL_PLANE.tolerations, { key: 'CriticalAddonsOnly', operator: 'Exists' }],
    },
    node: { tolerateAllTaints: true },
    // hakube ships its own default StorageClass (addons/storage-class.yaml).
    storageClasses: [],
  };
}

/**
 * metrics-server, two replicas with a disruption budget. Kubelet serving certificates are self-signed (no CSR
 * approver runs in the cluster), so metrics-server does not verify them; it still authenticates to each kubelet
 * with its client certificate and is authorized by the webhook. It runs on the control plane: the security groups
 * open every kubelet (port 10250) to control-plane machines only, and it scrapes the kubelet of every node.
 */
export function metricsServerValues(): Record<string, unknown> {
  return {
    replicas: 2,
    args: ['--kubelet-insecure-tls'],
    podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
    nodeSelector: { ...ON_CONTROL_PLANE.nodeSelector },
    tolerations: [...ON_CONTROL_PLANE.tolerations],
  };
}

/** Cilium with its own IPAM over the spec's pod CIDR and VXLAN between nodes (UDP 8472, opened by the security groups). */
export function ciliumValues(model: ClusterModel): Record<string, unknown> {
  return {
    ipam: { mode: 'cluster-pool', operator: { clusterPoolIPv4PodCIDRList: [model.network.podCIDR], clusterPoolIPv4MaskSize: 24 } },
    routingMode: 'tunnel',
    tunnelProtocol: 'vxlan',
    kubeProxyReplacement: false,
    operator: { replicas: 2 },
  };
}

/**
 * aws-node-termination-handler in queue mode: it reads the cluster's SQS queue (its URL is set at install time, see
 * addons.sh), cordons and drains the node of a terminating instance with the eviction API, then completes the
 * group's lifecycle action. The drain is bounded: the handler gives it nodeTerminationGracePeriod
 * (DRAIN_TIMEOUT_SECONDS) and the lifecycle hook its heartbeat, so a PodDisruptionBudget that never allows an eviction
 * delays the termination, never stops it (docs/node-boot.md). It runs on the control plane, whose role holds its
 * permissions, on the host network (a patch after the install: its chart has no value for it) to reach instance
 * metadata. Its metrics server stays off, but the chart's queue-mode Deployment always serves probes and declares their
 * port (templates/deployment.yaml at 0.27.1: ENABLE_PROBES_SERVER "true", containerPort probes.httpGet.port, 8080;
 * enableProbesServer reaches only the DaemonSets): on the host network that is a host port, so there are no more
 * replicas than control-plane machines, and an update stops an old pod before starting its replacement, which may need
 * the old pod's machine.
 *
 * The EC2 rules carry events about every machine of the account and region. Upstream v1.25.1 drops and deletes the
 * message of a machine without the managed tag (pkg/monitor/sqsevent/sqs-monitor.go, processInterruptionEvents:
 * "dropping interruption event for unmanaged node"), so the managed tag is the cluster's ownership tag, which every
 * machine of the cluster has and no machine of another cluster has. The node is then looked up by the instance's
 * private DNS name, the name every hakube machine registers with, not by its provider ID: with useProviderId a node
 * that is not found is an error that skips the post-drain task (pkg/interruptionevent/internal/common/handler.go,
 * GetNodeName), so the message of a worker that never became a node would come back until it expires and its
 * lifecycle action would wait for the whole heartbeat; by name it is "node not found", and deleteSqsMsgIfNodeNotFound
 * then deletes the message and completes the action (pkg/interruptionevent/draincordon/handler.go).
 */
export function nodeTerminationHandlerValues(model: ClusterModel): Record<string, unknown> {
  return {
    enableSqsTerminationDraining: true,
    awsRegion: model.region,
    checkTagBeforeDraining: true,
    managedTag: clusterTagKey(model),
    useProviderId: false,
    deleteSqsMsgIfNodeNotFound: true,
    nodeTerminationGracePeriod: DRAIN_TIMEOUT_SECONDS,
    enableSpotInterruptionDraining: true,
    enableRebalanceMonitoring: true,
    emitKubernetesEvents: true,
    enablePrometheusServer: false,
    replicas: Math.min(2, model.controlPlane.members.length),
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
    podDisruptionBudget: { maxUnavailable: 1 },
    nodeSelector: { ...ON_CONTROL_PLANE.nodeSelector },
    tolerations: [...ON_CONTROL_PLANE.tolerations],
  };
}

/**
 * The cluster-autoscaler: one replica (it elects a leader) on the control plane, on the host network so that it
 * reaches instance metadata (and the control-plane role's credentials) with a hop limit of 1, and so that it needs
 * no cluster DNS (its API address is the in-cluster Service IP; AWS endpoints resolve through the host). Groups are
 * found by the tags workers.tf.json puts on every auto-scaling group of this cluster.
 */
export function clusterAutoscalerValues(model: ClusterModel): Record<string, unknown> {
  const settings = model.addons.clusterAutoscaler;
  return {
    image: { repository: CLUSTER_AUTOSCALER_IMAGE, tag: clusterAutoscalerImageTag(model) },
    cloudProvider: 'aws',
    awsRegion: model.region,
    autoDiscovery: { clusterName: model.name },
    extraArgs: {
      expander: settings.expander,
      'balance-similar-node-groups': settings.balanceSimilarNodeGroups,
      'scale-down-utilization-threshold': settings.scaleDownUtilizationThreshold,
      'skip-nodes-with-local-storage': settings.skipNodesWithLocalStorage,
    },
    hostNetwork: true,
    dnsPolicy: 'Default',
    replicaCount: 1,
    priorityClassName: 'system-cluster-critical',
    podDisruptionBudget: { maxUnavailable: 1 },
    resources: { requests: { cpu: '100m', memory: '300Mi' }, limits: { memory: '600Mi' } },
    nodeSelector: { ...ON_CONTROL_PLANE.nodeSelector },
    tolerations: [...ON_CONTROL_PLANE.tolerations],
  };
}
