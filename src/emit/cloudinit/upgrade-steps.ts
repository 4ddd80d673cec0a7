/**
 * The machine side of a Kubernetes upgrade (docs/upgrades.md): the script a control-plane member runs after it
 * joined, and the rule a worker waits on before joining (control plane first).
 */
export const UPGRADE_CLUSTER_SCRIPT = '/usr/local/sbin/hakube-upgrade-cluster';

/**
 * A worker reads the API servers' version this many times in a row (the load balancer spreads the reads over the
 * members) and joins only when every read is at least its own minor: a kubelet must never be newer than an API
 * server it talks to.
 */
export const CONTROL_PLANE_VERSION_READS = 6;

/** How long a worker waits for the control plane to reach its minor: attempts of `retry` (about an hour). */
export const CONTROL_PLANE_VERSION_WAIT_ATTEMPTS = 65;
