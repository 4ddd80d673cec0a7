import { stringify } from 'yaml';

export const AUDIT_POLICY_PATH = '/etc/kubernetes/audit/policy.yaml';
export const AUDIT_LOG_PATH = '/var/log/kubernetes/audit/audit.log';

/**
 * The API server's audit policy (CIS 1.2.16-1.2.19, 3.2.1). Secret-like objects are logged at Metadata only so
 * their content never reaches the log; high-frequency, low-value traffic (health probes, leader leases) is
 * dropped; reads are logged at Metadata and writes with their request body.
 */
export function auditPolicy(): Record<string, unknown> {
  return {
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['RequestReceived'],
    rules: [
      { level: 'None', nonResourceURLs: ['/healthz*', '/livez*', '/readyz*', '/version'] },
      { level: 'None', verbs: ['get', 'update'], resources: [{ group: 'coordination.k8s.io', resources: ['leases'] }] },
      { level: 'None', resources: [{ group: '', resources: ['events'] }, { group: 'events.k8s.io', resources: ['events'] }] },
      {
        level: 'Metadata',
        resources: [
          { group: '', resources: ['secrets', 'configmaps', 'serviceaccounts/token'] },
          { group: 'authentication.k8s.io', resources: ['tokenreviews'] },
        ],
      },
      { level: 'Metadata', verbs: ['get', 'list', 'watch'] },
      { level: 'Request' },
    ],
  };
}

export function auditPolicyYaml(): string {
  return stringify(auditPolicy(), { lineWidth: 0 });
}
