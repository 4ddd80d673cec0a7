import type { IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import type { ISecret, IServiceAccount } from 'kubernetes-models/v1';

export const ADMIN_USER = { name: 'admin-user', namespace: 'kube-system', tokenSecret: 'admin-user-token' } as const;

/**
 * The tutorial's `admin-user`: a ServiceAccount bound to cluster-admin, and a long-lived token Secret, which
 * Kubernetes has not made by itself since 1.24. Whoever reads that Secret owns the cluster.
 */
export function adminUserObjects(): Array<IServiceAccount | IClusterRoleBinding | ISecret> {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: ADMIN_USER.name, namespace: ADMIN_USER.namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: ADMIN_USER.name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: ADMIN_USER.name, namespace: ADMIN_USER.namespace }],
    },
    // The token controller fills in the token for a Secret of this type that names an existing ServiceAccount.
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: ADMIN_USER.tokenSecret,
        namespace: ADMIN_USER.namespace,
        annotations: { 'kubernetes.io/service-account.name': ADMIN_USER.name },
      },
      type: 'kubernetes.io/service-account-token',
    },
  ];
}
