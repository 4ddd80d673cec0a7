import { UserError, type Issue } from '../errors.js';
import type { IssueCode } from '../issue-codes.js';
import { loadSpecFile } from '../spec/load.js';
import type { ValidatedCluster } from '../spec/validate.js';
import { etcdVersion } from '../emit/cloudinit/node-software.js';
import { etcdUpgradeProblem } from './etcd-upgrade.js';
import { pinnedEtcdVersions, readPreviousKubernetesVersions } from './previous-version.js';
import { classifyVersionChange, type VersionChange } from './version-skew.js';

export const VERSION_POINTER = '/spec/kubernetesVersion';

/**
 * The version change from the output already in `outDir` to the spec; throws UserError for a change kubeadm does
 * not support (HK501) or that moves etcd to 3.6 while a member runs a 3.5 that may not (HK502), so nothing is
 * written.
 */
export function checkKubernetesUpgrade(cluster: ValidatedCluster, outDir: string): VersionChange {
  const refuse = (code: IssueCode, message: string, summary: string): never => {
    const issue: Issue = { code, severity: 'error', pointer: VERSION_POINTER, message, position: loadSpecFile(cluster.file).locate(VERSION_POINTER) };
    throw new UserError(`${cluster.file}: ${summary}`, [issue]);
  };
  const running = readPreviousKubernetesVersions(outDir);
  // A step up is measured from the oldest machine, a step back from the newest (a rollout may be half-way).
  const fromOldest = classifyVersionChange(running[0], cluster.model.kubernetesVersion);
  const fromNewest = classifyVersionChange(running.at(-1), cluster.model.kubernetesVersion);
  const change = fromOldest.kind === 'refused' ? fromOldest : fromNewest;
  if (change.kind === 'refused') {
    refuse('HK501', `Kubernetes ${change.from} → ${change.to} (the version in ${outDir}): ${change.reason}`, 'unsupported Kubernetes version change');
  }
  const etcdProblem = etcdUpgradeProblem(pinnedEtcdVersions(outDir), etcdVersion(cluster.model));
  if (etcdProblem !== undefined) {
    refuse('HK502', `Kubernetes ${cluster.model.kubernetesVersion} (the members in ${outDir}): ${etcdProblem}`, 'unsafe etcd version change');
  }
  return fromOldest;
}
