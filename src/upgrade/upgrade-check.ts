import { UserError, type Issue } from '../errors.js';
import { loadSpecFile } from '../spec/load.js';
import type { ValidatedCluster } from '../spec/validate.js';
import { readPreviousKubernetesVersion } from './previous-version.js';
import { classifyVersionChange, type VersionChange } from './version-skew.js';

export const VERSION_POINTER = '/spec/kubernetesVersion';

/**
 * The version change from the output already in `outDir` to the spec; throws UserError (HK501) for a change
 * kubeadm does not support, so nothing is written.
 */
export function checkKubernetesUpgrade(cluster: ValidatedCluster, outDir: string): VersionChange {
  const change = classifyVersionChange(readPreviousKubernetesVersion(outDir), cluster.model.kubernetesVersion);
  if (change.kind !== 'refused') return change;
  const issue: Issue = {
    code: 'HK501',
    severity: 'error',
    pointer: VERSION_POINTER,
    message: `Kubernetes ${change.from} → ${change.to} (the version in ${outDir}): ${change.reason}`,
    position: loadSpecFile(cluster.file).locate(VERSION_POINTER),
  };
  throw new UserError(`${cluster.file}: unsupported Kubernetes version change`, [issue]);
}
