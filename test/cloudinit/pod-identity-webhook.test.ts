import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { addonPlan, emitAddons } from '../../src/emit/addons/addon-plan.js';
import { POD_IDENTITY_WEBHOOK, POD_IDENTITY_WEBHOOK_IMAGE } from '../../src/emit/addons/pod-identity-webhook.js';
import { DAY_TWO_PATHS, renewablePairs } from '../../src/emit/cloudinit/day-two.js';
import { emitCloudInit, emitFetchedScripts } from '../../src/emit/cloudinit/index.js';
import { objectsFetchedBy } from '../../src/emit/cloudinit/machine-files.js';
import { POD_IDENTITY_WEBHOOK_FILES } from '../../src/model/bucket-layout.js';
import type { ClusterModel } from '../../src/model/model.js';
import { POD_IDENTITY_WEBHOOK_CA, POD_IDENTITY_WEBHOOK_DNS_NAME, POD_IDENTITY_WEBHOOK_SERVING } from '../../src/pki/certificate-plan.js';
import { renewCertificates } from '../../src/pki/renew.js';
import { readPkiStore } from '../../src/pki/store.js';
import { generateInto, modelOf, PRIVATE, run, tempDir, TUTORIAL } from '../pki/helpers.js';
import { parseCloudConfig, writtenFile } from './cloud-config.js';
import { realisticValues, renderTemplatefile } from './templatefile.js';
import { ADDONS_SCRIPT_SOURCE } from '../../src/model/bucket-layout.js';

const model = modelOf(PRIVATE);

function webhookObjects(m: ClusterModel): Array<Record<string, any>> {
  const file = emitAddons(m).find((f) => f.path === 'addons/pod-identity-webhook.yaml');
  return file ? parseAllDocuments(String(file.content)).map((d) => d.toJS() as Record<string, any>) : [];
}

function memberFile(m: ClusterModel, memberName: string, path: string): string {
  const file = emitCloudInit(m).find((f) => f.path === `cloud-init/${memberName}.yaml`)!;
  const config = parseCloudConfig(renderTemplatefile(String(file.content), realisticValues(['bucket', 'api_endpoint', 'etcd_volume_id'])));
  return writtenFile(config, path).content;
}

/** The add-on installer, uploaded to the bucket as written and fetched by the members. */
function addonsScript(m: ClusterModel): string {
  return String(emitFetchedScripts(m).find((f) => f.path === ADDONS_SCRIPT_SOURCE)!.content);
}

const byKind = (kind: string) => webhookObjects(model).find((o) => o.kind === kind)!;

describe('the pod identity webhook', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('is deployed only when the service-account issuer is published', () => {
    expect(webhookObjects(modelOf(TUTORIAL))).toEqual([]);
    expect(addonsScript(modelOf(TUTORIAL))).not.toContain('pod-identity-webhook');
    expect(webhookObjects(model).map((o) => o.kind)).toEqual([
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'PodDisruptionBudget',
      'Service',
      'MutatingWebhookConfiguration',
    ]);
  });

  test('runs two pinned replicas spread over nodes with the IRSA arguments, behind a PDB and a Service on 443', () => {
    const deployment = byKind('Deployment');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe('kubernetes.io/hostname');
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe(POD_IDENTITY_WEBHOOK_IMAGE);
    expect(POD_IDENTITY_WEBHOOK_IMAGE).toMatch(/:v\d+\.\d+\.\d+$/);
    expect(container.command).toEqual(
      expect.arrayContaining([
        '--in-cluster=false',
        '--namespace=kube-system',
        '--annotation-prefix=eks.amazonaws.com',
        '--token-audience=sts.amazonaws.com',
        `--aws-default-region=${model.region}`,
        '--tls-cert=/etc/webhook/certs/tls.crt',
        '--tls-key=/etc/webhook/certs/tls.key',
      ]),
    );
    expect(deployment.spec.template.spec.volumes[0].secret.secretName).toBe(POD_IDENTITY_WEBHOOK.tlsSecret);
    expect(byKind('PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1 });
    expect(byKind('Service').spec.ports[0].port).toBe(443);
    expect(byKind('ClusterRole').rules).toEqual([{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'watch', 'list'] }]);
  });

  test('is Ready: its readiness probe asks /healthz over HTTPS on the TLS port it serves the webhook on', () => {
    // Upstream main.go at v0.6.15 (the pinned tag) registers /healthz on the webhook's own mux, which
    // server.ListenAndServeTLS serves on --port (443); the --metrics-port server (9999, plain HTTP) has only
    // /metrics:
    //   mux.Handle("/mutate", baseHandler)
    //   mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "ok") })
    //   metricsMux := http.NewServeMux()
    //   metricsMux.Handle("/metrics", promhttp.Handler())
    //   server := &http.Server{ Addr: addr, Handler: mux, TLSConfig: tlsConfig }
    //   ... server.ListenAndServeTLS("", "")
    // A probe on 9999 gets 404 for ever: the Service has no endpoints and its budget allows no disruption.
    expect(POD_IDENTITY_WEBHOOK_IMAGE).toMatch(/:v0\.6\.15$/);
    const container = byKind('Deployment').spec.template.spec.containers[0];
    const port = container.ports.find((p: { name: string }) => p.name === 'https');
    expect(container.command).not.toContainEqual(expect.stringMatching(/^--port=/));
    expect(port.containerPort).toBe(443);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
    expect(byKind('Service').spec.ports[0].targetPort).toBe(port.containerPort);
  });

  test('an outage never blocks pod creation, and its own pods skip it', () => {
    const [webhook] = byKind('MutatingWebhookConfiguration').webhooks;
    expect(webhook.failurePolicy).toBe('Ignore');
    const podLabels = byKind('Deployment').spec.template.metadata.labels;
    expect(webhook.objectSelector.matchExpressions).toContainEqual({ key: 'app', operator: 'NotIn', values: [podLabels.app] });
    expect(webhook.clientConfig.service).toMatchObject({ name: byKind('Service').metadata.name, namespace: 'kube-system' });
    expect(`${webhook.clientConfig.service.name}.${webhook.clientConfig.service.namespace}.svc`).toBe(POD_IDENTITY_WEBHOOK_DNS_NAME);
  });

  test('the TLS Secret and the caBundle come from files control-plane-1 fetches, in that order around the manifest', () => {
    const first = { role: 'control-plane' as const, member: model.controlPlane.members.find((m) => m.initializes)! };
    const fetched = objectsFetchedBy(model, first);
    for (const { file, installPath, secret } of Object.values(POD_IDENTITY_WEBHOOK_FILES)) {
      expect(fetched).toContainEqual(expect.objectContaining({ key: `control-plane/pki/${file}`, source: `pki/${file}`, installPath, secret }));
    }
    // Workers never get them, and the webhook CA's key leaves no machine's hands because it is never uploaded.
    const nodeKeys = objectsFetchedBy(model, { role: 'nodes' }).map((o) => o.key);
    expect(nodeKeys.filter((k) => k.includes('pod-identity-webhook'))).toEqual([]);
    expect(fetched.map((o) => o.source)).not.toContain(`${POD_IDENTITY_WEBHOOK_CA}.key`);

    const kinds = addonPlan(model).steps.map((s) => (s.kind === 'manifest-file' ? s.file : s.kind));
    const at = (k: string) => kinds.indexOf(k);
    expect(at('tls-secret')).toBeGreaterThan(-1);
    expect(at('tls-secret')).toBeLessThan(at('pod-identity-webhook.yaml'));
    expect(at('pod-identity-webhook.yaml')).toBeLessThan(at('ca-bundle'));
    const script = addonsScript(model);
    expect(script).toContain(`apply_tls_secret kube-system ${POD_IDENTITY_WEBHOOK.tlsSecret} '${POD_IDENTITY_WEBHOOK_FILES.cert.installPath}' '${POD_IDENTITY_WEBHOOK_FILES.key.installPath}'`);
    expect(script).toContain(`patch_ca_bundle 'pod-identity-webhook' '${POD_IDENTITY_WEBHOOK.webhookName}' '${POD_IDENTITY_WEBHOOK_FILES.caCert.installPath}'`);
  });

  test('the serving certificate verifies against the webhook CA (openssl), for the Service DNS name; the patched caBundle is that CA', async () => {
    const out = tempDir();
    dirs.push(out);
    await generateInto(out, model);
    const caPath = join(out, `${POD_IDENTITY_WEBHOOK_CA}.crt`);
    const servingPath = join(out, `${POD_IDENTITY_WEBHOOK_SERVING}.crt`);
    expect(run('openssl', ['verify', '-CAfile', caPath, '-purpose', 'sslserver', servingPath]).trim()).toBe(`${servingPath}: OK`);
    // Not trusted by the Kubernetes CA: only this webhook's caBundle trusts it.
    expect(() => run('openssl', ['verify', '-CAfile', join(out, 'pki/ca.crt'), servingPath])).toThrow();
    expect(run('openssl', ['x509', '-in', servingPath, '-noout', '-ext', 'subjectAltName'])).toContain(`DNS:${POD_IDENTITY_WEBHOOK_DNS_NAME}`);

    // Run the script's patch_ca_bundle with kubectl standing in as a recorder of its patch.
    const script = addonsScript(model);
    const fn = /^patch_ca_bundle\(\) \{\n[\s\S]*?\n\}\n/m.exec(script)![0];
    const record = join(out, 'patch.json');
    const harness = `kubectl() { printf '%s' "\${@: -1}" >${JSON.stringify(record)}; }\n${fn}patch_ca_bundle pod-identity-webhook ${POD_IDENTITY_WEBHOOK.webhookName} "$1"\n`;
    writeFileSync(join(out, 'harness.sh'), harness);
    execFileSync('bash', [join(out, 'harness.sh'), caPath]);
    const patch = JSON.parse(readFileSync(record, 'utf8'));
    expect(patch.webhooks[0].name).toBe(POD_IDENTITY_WEBHOOK.webhookName);
    expect(Buffer.from(patch.webhooks[0].clientConfig.caBundle, 'base64').equals(readFileSync(caPath))).toBe(true);
  });

  test('certs renew re-issues the serving certificate from the webhook CA, for the same key', async () => {
    const out = tempDir();
    dirs.push(out);
    await generateInto(out, model);
    const { files, renewed } = await renewCertificates(model, await readPkiStore(out), new Date(), 400);
    expect(renewed.map((r) => r.path)).toContain(`${POD_IDENTITY_WEBHOOK_SERVING}.crt`);
    expect(renewed.map((r) => r.path)).not.toContain(`${POD_IDENTITY_WEBHOOK_CA}.crt`);
    const renewedPath = join(out, 'renewed.crt');
    writeFileSync(renewedPath, files.find((f) => f.path === `${POD_IDENTITY_WEBHOOK_SERVING}.crt`)!.content);
    expect(run('openssl', ['verify', '-CAfile', join(out, `${POD_IDENTITY_WEBHOOK_CA}.crt`), renewedPath]).trim()).toBe(`${renewedPath}: OK`);
  });

  test('every member refreshes its copy of the serving pair daily, verified against the webhook CA', () => {
    for (const member of model.controlPlane.members) {
      expect(renewablePairs(model, member)).toContainEqual({
        certKey: `control-plane/pki/${POD_IDENTITY_WEBHOOK_FILES.cert.file}`,
        certPath: POD_IDENTITY_WEBHOOK_FILES.cert.installPath,
        keyKey: `control-plane/pki/${POD_IDENTITY_WEBHOOK_FILES.key.file}`,
        keyPath: POD_IDENTITY_WEBHOOK_FILES.key.installPath,
        caPath: POD_IDENTITY_WEBHOOK_FILES.caCert.installPath,
        user: 'pod-identity-webhook',
      });
    }
    expect(renewablePairs(modelOf(TUTORIAL), modelOf(TUTORIAL).controlPlane.members[0]!).map((p) => p.user)).not.toContain('pod-identity-webhook');
  });

  test('the daily refresh rolls a renewed serving certificate into the Secret (real script, openssl; kubectl recorded)', async () => {
    // The webhook runs with --in-cluster=false, so upstream main.go (v0.6.15) serves what certwatcher reads from the
    // files: `watcher, err := certwatcher.New(*tlsCertFile, *tlsKeyFile)` ... `tlsConfig.GetCertificate =
    // watcher.GetCertificate`. The kubelet updates the Secret's volume, so updating the Secret is the whole roll.
    const out = tempDir();
    dirs.push(out);
    await generateInto(out, model);
    const { files } = await renewCertificates(model, await readPkiStore(out), new Date(), 400);
    const renewed = files.find((f) => f.path === `${POD_IDENTITY_WEBHOOK_SERVING}.crt`)!.content;
    const member = model.controlPlane.members[1]!;
    const root = join(out, 'machine');
    const bucket = join(out, 'bucket');
    const bin = join(out, 'bin');
    const put = (base: string, path: string, content: string | Uint8Array) => {
      mkdirSync(dirname(join(base, path)), { recursive: true });
      writeFileSync(join(base, path), content);
    };
    put(root, DAY_TWO_PATHS.certRefreshScript, memberFile(model, member.name, DAY_TWO_PATHS.certRefreshScript));
    put(root, DAY_TWO_PATHS.renewablePairs, memberFile(model, member.name, DAY_TWO_PATHS.renewablePairs));
    // Installed: every pair as it is in the bucket, but for the webhook's certificate, which the bucket has renewed.
    for (const pair of renewablePairs(model, member)) {
      const webhook = pair.user === 'pod-identity-webhook';
      const cert = webhook ? readFileSync(join(out, `${POD_IDENTITY_WEBHOOK_SERVING}.crt`)) : `cert ${pair.certKey}\n`;
      const key = webhook ? readFileSync(join(out, `${POD_IDENTITY_WEBHOOK_SERVING}.key`)) : `key ${pair.keyKey}\n`;
      put(root, pair.certPath, cert);
      put(root, pair.keyPath, key);
      put(bucket, pair.certKey, webhook ? renewed : cert);
      put(bucket, pair.keyKey, key);
    }
    put(root, POD_IDENTITY_WEBHOOK_FILES.caCert.installPath, readFileSync(join(out, `${POD_IDENTITY_WEBHOOK_CA}.crt`)));
    // hakube-fetch copies from the local bucket; kubectl records its arguments and what it reads.
    put(root, '/usr/local/sbin/hakube-fetch', `#!/bin/bash\nwhile read -r key path mode; do install -D -m "$mode" ${JSON.stringify(bucket)}/"$key" "$path"; done <"$3"\n`);
    chmodSync(join(root, '/usr/local/sbin/hakube-fetch'), 0o755);
    // The refresh ends with the expiry check, run for real on real certificates in test/pki/member-expiry-check.test.ts;
    // the other pairs here are placeholders, so it stands aside.
    put(root, DAY_TWO_PATHS.certExpiryScript, '#!/bin/bash\nexit 0\n');
    chmodSync(join(root, DAY_TWO_PATHS.certExpiryScript), 0o755);
    const calls = join(out, 'kubectl-calls');
    put(bin, 'kubectl', `#!/bin/bash\necho "$*" >>${JSON.stringify(calls)}\nif [ "$*" = "--kubeconfig $HAKUBE_ROOT${DAY_TWO_PATHS.adminKubeconfig} apply -f -" ]; then cat >${JSON.stringify(join(out, 'applied.yaml'))}; fi\n`);
    chmodSync(join(bin, 'kubectl'), 0o755);
    execFileSync('bash', [join(root, DAY_TWO_PATHS.certRefreshScript)], {
      env: { HAKUBE_ROOT: root, PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, HOME: out },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const certPath = join(root, POD_IDENTITY_WEBHOOK_FILES.cert.installPath);
    expect(readFileSync(certPath, 'utf8')).toBe(renewed);
    const kubeconfig = `--kubeconfig ${root}${DAY_TWO_PATHS.adminKubeconfig}`;
    // The two ends of the pipe run at once: their lines come in either order.
    const lines = readFileSync(calls, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(
        new RegExp(`^${kubeconfig} create secret tls ${POD_IDENTITY_WEBHOOK.tlsSecret} --namespace kube-system --cert \\S+ --key \\S+ --dry-run=client -o yaml$`),
      ),
      `${kubeconfig} apply -f -`,
    ]));
    expect(existsSync(join(out, 'applied.yaml'))).toBe(true);
    // A second run finds nothing new and touches no Secret.
    rmSync(calls);
    execFileSync('bash', [join(root, DAY_TWO_PATHS.certRefreshScript)], { env: { HAKUBE_ROOT: root, PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, HOME: out }, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(existsSync(calls)).toBe(false);
  });

  test('no key material in the add-on files or the add-on script', () => {
    const committed = [...emitAddons(model).map((f) => String(f.content)), addonsScript(model)].join('\n');
    expect(committed).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
    expect(byKind('MutatingWebhookConfiguration').webhooks[0].clientConfig.caBundle).toBeUndefined();
  });
});
