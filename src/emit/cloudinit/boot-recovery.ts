/**
 * How a boot that went wrong recovers (docs/node-boot.md, "When a boot fails"): what marks a finished
 * `kubeadm init`, how long add-ons are retried, and how long a failed worker waits before shutting down.
 */

/**
 * hakube's mark of a finished `kubeadm init`, written to etcd (outside the API server's /registry/ prefix) by the
 * initializing member once init succeeds. Clusters made before the mark existed are recognized by the kube-proxy
 * DaemonSet, which kubeadm's last init phase writes.
 */
export const INIT_MARK_KEY = '/hakube/kubeadm-init-complete';

/**
 * Each add-on step is retried for this long: a slow or briefly unavailable mirror (chart repository, GitHub,
 * registry.k8s.io) gets ten minutes per step, and the whole install stays bounded (a dozen steps at most).
 */
export const ADDON_STEP_SECONDS = 600;

/** Where the add-on script says how far it got: `running`, `installed`, or `failed at: <step> ...`. */
export const ADDONS_STATUS_PATH = '/var/lib/hakube/addons-status';

/** A worker whose boot failed shuts down after this delay (time to read its log, or to cancel with shutdown -c). */
export const FAILED_WORKER_SHUTDOWN_MINUTES = 5;

export const CLUSTER_STATE_SCRIPT = '/usr/local/sbin/hakube-cluster-state';
