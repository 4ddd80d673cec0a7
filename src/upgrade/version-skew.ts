import { showValue } from '../show-value.js';

/**
 * Kubernetes' version skew rules as kubeadm applies them to an upgrade: one minor at a time, never backwards
 * (kubeadm has no downgrade path), patch releases freely within a minor. Pure: the previous version comes from
 * the previously generated output (previous-version.ts), the next one from the spec.
 */

export interface KubernetesVersion {
  major: number;
  minor: number;
  patch: number;
}

/** `1.34.2` or `v1.34.2`; undefined for anything else. */
export function parseKubernetesVersion(text: string): KubernetesVersion | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

export function formatVersion(v: KubernetesVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

export type VersionChange =
  /** No earlier output: a new cluster, any supported version. */
  | { kind: 'new-cluster'; to: string }
  | { kind: 'unchanged'; to: string }
  /** Same minor, newer patch: `kubeadm upgrade apply` to the patch, then the nodes. */
  | { kind: 'patch-upgrade'; from: string; to: string }
  /** The next minor: the supported kubeadm upgrade. */
  | { kind: 'minor-upgrade'; from: string; to: string }
  | { kind: 'refused'; from: string; to: string; reason: string };

/** What changing the cluster's Kubernetes version from `previous` to `next` is, and whether kubeadm supports it. */
export function classifyVersionChange(previous: string | undefined, next: string): VersionChange {
  const to = parseKubernetesVersion(next);
  if (!to) throw new Error(`BUG: the spec's Kubernetes version ${next} passed the schema but is not x.y.z`);
  if (previous === undefined) return { kind: 'new-cluster', to: formatVersion(to) };
  const from = parseKubernetesVersion(previous);
  const pair = { from: previous, to: formatVersion(to) };
  if (!from) return { kind: 'refused', ...pair, reason: `the previous output names Kubernetes ${showValue(previous)}, which is not a version hakube can compare with` };
  if (from.major !== to.major) return { kind: 'refused', ...pair, reason: 'a change of major version is not an upgrade kubeadm supports' };
  if (to.minor < from.minor || (to.minor === from.minor && to.patch < from.patch)) {
    return { kind: 'refused', ...pair, reason: 'kubeadm cannot downgrade a cluster; restore from an etcd snapshot instead (docs/upgrades.md)' };
  }
  if (to.minor > from.minor + 1) {
    const next1 = `${from.major}.${from.minor + 1}`;
    return {
      kind: 'refused',
      ...pair,
      reason: `upgrades go one minor version at a time: upgrade to the latest ${next1}.x first, apply it everywhere, then to ${to.major}.${to.minor}`,
    };
  }
  if (to.minor === from.minor + 1) return { kind: 'minor-upgrade', ...pair };
  if (to.patch > from.patch) return { kind: 'patch-upgrade', ...pair };
  return { kind: 'unchanged', to: pair.to };
}
