import type { ClusterModel } from '../../model/model.js';

/**
 * Software a node installs at boot that is not an add-on, pinned so that the same spec boots the same bits.
 * etcd follows the version kubeadm itself pairs with each Kubernetes minor (SupportedEtcdVersion in
 * kubeadm's constants); the pause image is the one kubeadm expects for the minor, so kubeadm does not warn.
 */
const ETCD_VERSION_BY_MINOR: Record<string, string> = {
  '1.31': '3.5.24',
  '1.32': '3.5.24',
  '1.33': '3.5.24',
  '1.34': '3.6.5',
  '1.35': '3.6.5',
};

const PAUSE_IMAGE_BY_MINOR: Record<string, string> = {
  '1.31': 'registry.k8s.io/pause:3.10',
  '1.32': 'registry.k8s.io/pause:3.10',
  '1.33': 'registry.k8s.io/pause:3.10',
  '1.34': 'registry.k8s.io/pause:3.10.1',
  '1.35': 'registry.k8s.io/pause:3.10.1',
};

function forMinor(table: Record<string, string>, model: ClusterModel, what: string): string {
  const value = table[model.kubernetesMinor];
  if (!value) throw new Error(`BUG: no ${what} pinned for Kubernetes ${model.kubernetesMinor}; the schema should have rejected it`);
  return value;
}

export function etcdVersion(model: ClusterModel): string {
  return forMinor(ETCD_VERSION_BY_MINOR, model, 'etcd version');
}

export function pauseImage(model: ClusterModel): string {
  return forMinor(PAUSE_IMAGE_BY_MINOR, model, 'pause image');
}

/** The official etcd release: the tarball is checked against the release's SHA256SUMS at boot. */
export function etcdReleaseUrl(model: ClusterModel): string {
  return `https://github.com/etcd-io/etcd/releases/download/v${etcdVersion(model)}`;
}

/** The Kubernetes community package repository for the spec's minor (pkgs.k8s.io). */
export function kubernetesAptRepository(model: ClusterModel): string {
  return `https://pkgs.k8s.io/core:/stable:/v${model.kubernetesMinor}/deb/`;
}

/** Helm installs the add-ons that upstream ships only as charts; the tarball is checked against its .sha256sum. */
export const HELM_VERSION = 'v3.19.0';
