import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterModel } from '../model/model.js';
import type { GeneratedFile } from '../output/files.js';

/**
 * The cluster's Kubernetes version as last generated, in a small file of its own that is committed with the rest
 * of the output. It is what `generate` and `validate` compare a new spec against: the running cluster is what the
 * last reviewed and applied output made, and hakube never asks AWS or the cluster.
 */
export const KUBERNETES_VERSION_FILE = 'kubernetes-version.txt';

export function kubernetesVersionFile(model: ClusterModel): GeneratedFile {
  return { path: KUBERNETES_VERSION_FILE, content: `${model.kubernetesVersion}\n` };
}

/** Output written before the version file existed: every boot script pins the kubelet package to the exact version. */
const PINNED_KUBELET = /'kubelet=(\d+\.\d+\.\d+)-\*'/;

/**
 * The version the previous output in `outDir` was generated for, or undefined when there is none (a new
 * cluster). Read from the version file, or from the cloud-init of older output.
 */
export function readPreviousKubernetesVersion(outDir: string): string | undefined {
  const versionFile = join(outDir, KUBERNETES_VERSION_FILE);
  if (existsSync(versionFile)) return readFileSync(versionFile, 'utf8').trim();
  const cloudInitDir = join(outDir, 'cloud-init');
  if (!existsSync(cloudInitDir)) return undefined;
  for (const name of readdirSync(cloudInitDir).filter((n) => n.endsWith('.yaml')).sort()) {
    const pinned = PINNED_KUBELET.exec(readFileSync(join(cloudInitDir, name), 'utf8'));
    if (pinned) return pinned[1];
  }
  return undefined;
}
