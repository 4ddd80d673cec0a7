import { SECRET_FILES } from './bucket-layout.js';

/**
 * Lifetime of every bootstrap token, the first (from kubeadm init) and each rotated one: kubeadm's own default.
 * A token is only for joining; a leaked one stops working within a day.
 */
export const BOOTSTRAP_TOKEN_TTL_HOURS = 24;

/**
 * How often each control-plane member's rotation timer fires; the member that leads etcd at that moment creates
 * and publishes a new token. Four rotations per lifetime: a joining machine's fetched token always has at least
 * 18 hours left, and rotation may fail for most of a day before joins do.
 */
export const BOOTSTRAP_TOKEN_ROTATION_HOURS = 6;

/**
 * The bucket objects holding the current token, both rewritten by the control plane at each rotation: workers
 * join with the nodes/ copy, control-plane members (replacements, upgrades) with theirs. Terraform uploads only
 * the first token and then leaves them alone (secrets-bucket.ts), so an apply never puts back an expired token.
 */
export const ROTATED_BOOTSTRAP_TOKEN_KEYS = [`control-plane/${SECRET_FILES.bootstrapToken}`, `nodes/${SECRET_FILES.bootstrapToken}`] as const;

export function isRotatedBootstrapToken(key: string): boolean {
  return (ROTATED_BOOTSTRAP_TOKEN_KEYS as readonly string[]).includes(key);
}
