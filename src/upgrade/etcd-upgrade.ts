import { ETCD_MINIMUM_BEFORE_3_6 } from '../emit/cloudinit/node-software.js';
import { compareVersions } from './previous-version.js';

function isBefore3_6(version: string): boolean {
  return compareVersions(version, '3.6.0') < 0;
}

/**
 * Why moving the members from the etcd versions they run (by member, from the previous output) to `target` is
 * unsafe, or undefined when it is safe. etcd moves from 3.5 to 3.6 only from 3.5 releases that fixed the upgrade
 * blockers (ETCD_MINIMUM_BEFORE_3_6), on every member: the 3.6 members make the v3 membership store authoritative,
 * and a 3.5 member that still had a divergent one leaves "zombie" members there. Staying on 3.5 (any patch) is the
 * way to get there and is never refused. Pure.
 */
export function etcdUpgradeProblem(running: Record<string, string | undefined>, target: string): string | undefined {
  if (isBefore3_6(target)) return undefined;
  const behind = Object.entries(running).filter(([, v]) => v === undefined || (isBefore3_6(v) && compareVersions(v, ETCD_MINIMUM_BEFORE_3_6) < 0));
  if (behind.length === 0) return undefined;
  const named = behind.map(([member, v]) => `${member} (${v ?? 'unknown version'})`).join(', ');
  return (
    `etcd ${target} needs every member on etcd ${ETCD_MINIMUM_BEFORE_3_6} or later first (etcd's 3.5 → 3.6 upgrade guide), ` +
    `but ${named} still run${behind.length === 1 ? 's' : ''} an older one: generate the spec at its current minor with this hakube ` +
    `(which installs a newer etcd 3.5), apply that rollout to every member, then change the version (docs/upgrades.md)`
  );
}
