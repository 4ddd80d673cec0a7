import { UserError, type Issue } from '../errors.js';
import { loadSpecFile } from '../spec/load.js';
import type { ValidatedCluster } from '../spec/validate.js';
import { readPreviousKubernetesVersions } from './previous-version.js';
import { classifyVersionChange, type VersionChange } from './version-skew.js';

export const VERSION_POINTER = '/spec/kubernetesVersion';

/**
 * The version change from the output already in `outDir` to the spec; throws UserError (HK501) for a change
 * kubeadm does not support, so nothing is written.
 */
export function checkKubernetesUpgrade(cluster: ValidatedCluster, outDir: string): VersionChange {
  const running = readPreviousKubernetesVersions(outDir);
  // A step up is measured from the oldest machine, a step back from the newest (a rollout may be half-way).
  const fromOldest = classifyVersionChange(running[0], cluster.model.kubernetesVersion);
  const fromNewest = classifyVersionChange(running.at(-1), cluster.model.kubernetesVersion);
  const change = fromOldest.kind === 'refused' ? fromOldest : fromNewest;
  if (change.kind !== 'refused') return fromOldest;
  const issue: Issue = {
    code: 'HK501',
    severity: 'error',
    pointer: VERSION_POINTER,
    message: `Kubernetes ${change.from} → ${change.to} (the version in ${outDir}): ${change.reason}`,
    position: loadSpecFile(cluster.file).locate(VERSION_POINTER),
  };
  throw new UserError(`${cluster.file}: unsupported Kubernetes version change`, [issue]);
}
