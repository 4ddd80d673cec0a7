import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { ClusterModel } from '../model/model.js';
import type { GeneratedFile } from '../output/files.js';
import { readBack } from '../read-back.js';
import { showValue } from '../show-value.js';
import { formatVersion, parseKubernetesVersion } from './version-skew.js';

/**
 * The cluster's Kubernetes version as last generated, in a small file of its own that is committed with the rest
 * of the output. It is what `generate` and `validate` compare a new spec against: the running cluster is what the
 * last reviewed and applied output made, and hakube never asks AWS or the cluster.
 */
export const KUBERNETES_VERSION_FILE = 'kubernetes-version.txt';

export function kubernetesVersionFile(model: ClusterModel): GeneratedFile {
  return { path: KUBERNETES_VERSION_FILE, content: `${model.kubernetesVersion}\n` };
}

/** Every boot script pins the kubelet package to the exact version. */
const PINNED_KUBELET = /'kubelet=(\d+\.\d+\.\d+)-\*'/;

/** The kubelet version a boot script (cloud-init file) installs, if it installs one. */
export function pinnedKubeletVersion(cloudInit: string): string | undefined {
  return PINNED_KUBELET.exec(cloudInit)?.[1];
}

/** Every control-plane boot script downloads the etcd release tarball of its version (control-plane-bootstrap.sh). */
const PINNED_ETCD = /etcd_tarball="etcd-v(\d+\.\d+\.\d+)-linux-/;

/** The etcd version a control-plane boot script installs, if it installs one. */
export function pinnedEtcdVersion(cloudInit: string): string | undefined {
  return PINNED_ETCD.exec(cloudInit)?.[1];
}

const MEMBER_CLOUD_INIT = /^(control-plane-\d+)\.yaml$/;

/**
 * The etcd version each control-plane member of the previous output in `outDir` runs, by member name; empty when
 * there is none. Members still waiting in a rollout keep their previous cloud-init file, so this is what each
 * member runs once the folder is applied. A member whose file names no etcd version maps to undefined.
 */
export function pinnedEtcdVersions(outDir: string): Record<string, string | undefined> {
  const cloudInitDir = join(outDir, 'cloud-init');
  const versions: Record<string, string | undefined> = {};
  if (!existsSync(cloudInitDir)) return versions;
  for (const name of readdirSync(cloudInitDir).sort(compareMemberFiles)) {
    const member = MEMBER_CLOUD_INIT.exec(name)?.[1];
    // Read back like every file of the folder: never through a link, bounded.
    const text = member ? readBack(join(cloudInitDir, name), 'document') : undefined;
    if (member && text !== undefined) versions[member] = pinnedEtcdVersion(text);
  }
  return versions;
}

/** control-plane-2 before control-plane-10. */
function compareMemberFiles(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * The versions the previous output in `outDir` runs, oldest first; empty when there is none (a new cluster): the
 * version file and the kubelet every boot script pins. During a rollout (one control-plane member per apply,
 * workers last) members and groups still waiting run the older version: the next step up is measured from the
 * oldest, and going back from the newest is a downgrade.
 */
export function readPreviousKubernetesVersions(outDir: string): string[] {
  const versions: string[] = [];
  const versionFile = join(outDir, KUBERNETES_VERSION_FILE);
  const text = readBack(versionFile, 'version');
  if (text !== undefined) {
    const version = parseKubernetesVersion(text);
    if (!version) throw new UserError(`${versionFile} holds ${showValue(text.trim())}, not a Kubernetes version hakube wrote; restore it from git`);
    versions.push(formatVersion(version));
  }
  const cloudInitDir = join(outDir, 'cloud-init');
  if (lstatSync(cloudInitDir, { throwIfNoEntry: false })?.isDirectory()) {
    for (const name of readdirSync(cloudInitDir).filter((n) => n.endsWith('.yaml')).sort()) {
      const pinned = pinnedKubeletVersion(readBack(join(cloudInitDir, name), 'document') ?? '');
      if (pinned) versions.push(pinned);
    }
  }
  return [...new Set(versions)].sort(compareVersions);
}
