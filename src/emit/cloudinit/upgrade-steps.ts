import type { ClusterModel } from '../../model/model.js';

/**
 * The machine side of a Kubernetes upgrade (docs/upgrades.md): the script a control-plane member runs after it
 * joined, and the rule a worker waits on before joining (control plane first).
 */
export const UPGRADE_CLUSTER_SCRIPT = '/usr/local/sbin/hakube-upgrade-cluster';

/**
 * Written by the upgrade script just before `kubeadm upgrade apply` and removed once it succeeded: a rerun on this
 * node applies again (kubeadm documents `upgrade apply` as idempotent) even when the failed attempt already moved
 * the cluster's kubeadm-config to the new version.
 */
export const UPGRADE_APPLY_MARK = '/var/lib/hakube/upgrade-apply-started';

/**
 * `kubeadm upgrade apply` refuses while a control-plane Node is not Ready (its ControlPlaneNodesReady health
 * check), and a member that just joined stays NotReady until its CNI pod runs: the script waits this long for it.
 */
export const NODE_READY_TIMEOUT_SECONDS = 900;

/**
 * `kubeadm upgrade node phase addon` exists from kubeadm 1.32 on (CHANGELOG-1.32.md, v1.32.0-alpha.1, #127242).
 * hakube's window starts at 1.31, so no hakube upgrade ends at a minor without it.
 */
const ADDON_PHASE_SINCE_MINOR = 32;

export function hasUpgradeNodeAddonPhase(model: ClusterModel): boolean {
  return Number(model.kubernetesMinor.split('.')[1]) >= ADDON_PHASE_SINCE_MINOR;
}

/** How long a worker waits for the control plane to reach its minor: attempts of `retry` (about an hour). */
export const CONTROL_PLANE_VERSION_WAIT_ATTEMPTS = 65;
