import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IMutatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IClusterRole, IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import type { IService, IServiceAccount } from 'kubernetes-models/v1';
import type { ClusterModel } from '../../model/model.js';
import { STS_AUDIENCE } from '../../model/service-account-issuer.js';

/** amazon-eks-pod-identity-webhook, pinned; where the tag was confirmed: docs/iam-roles-for-service-accounts.md. */
export const POD_IDENTITY_WEBHOOK_IMAGE = 'public.ecr.aws/eks/amazon-eks-pod-identity-webhook:v0.6.15';

export const POD_IDENTITY_WEBHOOK = {
  name: 'pod-identity-webhook',
  namespace: 'kube-system',
  tlsSecret: 'pod-identity-webhook-tls',
  webhookName: 'pod-identity-webhook.amazonaws.com',
} as const;

const LABELS = { app: POD_IDENTITY_WEBHOOK.name } as const;
const CERT_DIR = '/etc/webhook/certs';
/**
 * The port of the webhook's TLS server (its --port default), which serves /mutate and /healthz. Upstream main.go
 * (v0.6.15) registers /healthz on that server's mux; its --metrics-port server (9999, plain HTTP) serves /metrics
 * only, so a probe there never succeeds.
 */
const WEBHOOK_PORT = 443;

type WebhookObject = IServiceAccount | IClusterRole | IClusterRoleBinding | IDeployment | IPodDisruptionBudget | IService | IMutatingWebhookConfiguration;

/**
 * Everything but the TLS Secret (made on the machine from the fetched pair) and the caBundle (patched in from the
 * fetched CA certificate): both come from pki/, which the add-on files never depend on.
 */
export function podIdentityWebhookObjects(model: ClusterModel): WebhookObject[] {
  const { name, namespace, tlsSecret, webhookName } = POD_IDENTITY_WEBHOOK;
  const metadata = { name, namespace };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata },
    // It reads each pod's ServiceAccount for the role annotation; upstream's deploy/ grants just this.
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name },
      rules: [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'watch', 'list'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        replicas: 2,
        selector: { matchLabels: { ...LABELS } },
        template: {
          metadata: { labels: { ...LABELS } },
          spec: {
            serviceAccountName: name,
            priorityClassName: 'system-cluster-critical',
            // One replica per node where possible, so a node loss leaves one answering.
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', nodeTaintsPolicy: 'Honor', labelSelector: { matchLabels: { ...LABELS } } },
            ],
            containers: [
              {
                name,
                image: POD_IDENTITY_WEBHOOK_IMAGE,
                command: [
                  '/webhook',
                  '--in-cluster=false',
                  `--namespace=${namespace}`,
                  `--service-name=${name}`,
                  `--tls-cert=${CERT_DIR}/tls.crt`,
                  `--tls-key=${CERT_DIR}/tls.key`,
                  '--annotation-prefix=eks.amazonaws.com',
                  `--token-audience=${STS_AUDIENCE}`,
                  `--aws-default-region=${model.region}`,
                  '--logtostderr',
                ],
                ports: [{ name: 'https', containerPort: WEBHOOK_PORT }],
                // The kubelet does not verify the certificate of an HTTPS probe: hakube's webhook CA is enough.
                readinessProbe: { httpGet: { path: '/healthz', port: 'https', scheme: 'HTTPS' }, periodSeconds: 5 },
                resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
                volumeMounts: [{ name: 'cert', mountPath: CERT_DIR, readOnly: true }],
              },
            ],
            volumes: [{ name: 'cert', secret: { secretName: tlsSecret } }],
          },
        },
      },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata, spec: { maxUnavailable: 1, selector: { matchLabels: { ...LABELS } } } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: { selector: { ...LABELS }, ports: [{ name: 'https', port: 443, targetPort: WEBHOOK_PORT, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name },
      webhooks: [
        {
          name: webhookName,
          // An outage leaves new pods without their role instead of blocking every pod creation in the cluster.
          failurePolicy: 'Ignore',
          clientConfig: { service: { name, namespace, path: '/mutate', port: 443 } },
          // Its own pods never wait on it: they could not start while it is down.
          objectSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: [name] }] },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
          sideEffects: 'None',
          admissionReviewVersions: ['v1beta1'],
          timeoutSeconds: 10,
        },
      ],
    },
  ];
}
