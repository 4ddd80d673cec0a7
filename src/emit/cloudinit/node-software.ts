import type { ClusterModel } from '../../model/model.js';

/**
 * Software a node installs at boot that is not an add-on, pinned so that the same spec boots the same bits.
 * etcd: the minor kubeadm pairs with each Kubernetes minor (SupportedEtcdVersion in kubeadm's
 * cmd/kubeadm/app/constants/constants.go: 3.5.24 for 1.31–1.33, 3.6.5 for 1.34). For 1.31–1.33 hakube installs a
 * newer 3.5 patch than kubeadm's, because the next minor moves etcd to 3.6 and etcd's upgrade guide asks every 3.5
 * member to run ETCD_MINIMUM_BEFORE_3_6 or later first: 3.5.33 (etcd-io/etcd tag v3.5.33, 2026-07-23, the newest 3.5
 * patch; its release blog post, etcd-io/website content/en/blog/2026/july-23-patch-release.md, lists the binaries at
 * github.com/etcd-io/etcd/releases/tag/v3.5.33, where the boot script downloads them, and fixes a TLS handshake
 * exhaustion that "affects the Kubernetes control plane"). 1.34–1.35: kubeadm's 3.6.5 (tag v3.6.5, 2025-09-19).
 * The pause image is the one kubeadm expects for the minor, so kubeadm does not warn.
 */
const ETCD_VERSION_BY_MINOR: Record<string, string> = {
  '1.31': '3.5.33',
  '1.32': '3.5.33',
  '1.33': '3.5.33',
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

/** The etcd release hakube installs for a Kubernetes minor (`1.33`). */
export function etcdVersionForMinor(minor: string): string {
  const value = ETCD_VERSION_BY_MINOR[minor];
  if (!value) throw new Error(`BUG: no etcd version pinned for Kubernetes ${minor}`);
  return value;
}

/**
 * The oldest etcd 3.5 from which a member may move to 3.6. etcd's upgrade guide
 * (content/en/docs/v3.6/upgrades/upgrade_3_6.md in etcd-io/website, commit 9acb6b48 of 2026-08-14): "Before
 * upgrading to 3.6, make sure that all of your 3.5 members are updated to 3.5.32 or later. Patch releases 3.5.24
 * through 3.5.32 fix several potential upgrade blockers". Among them 3.5.26's "Fix zombie members in v3store"
 * (CHANGELOG-3.5.md, etcd#20995): members removed from the v2 membership store but not the v3 one, which 3.6 (the v3
 * store authoritative) brings back; replacing members, as hakube's rollouts do, is what leaves them.
 */
export const ETCD_MINIMUM_BEFORE_3_6 = '3.5.32';

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
