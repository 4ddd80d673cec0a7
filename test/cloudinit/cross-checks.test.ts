import { describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { addonFileNames, emitAddons } from '../../src/emit/addons/index.js';
import { emitCloudInit, etcdConfigOf } from '../../src/emit/cloudinit/index.js';
import { etcdVersion } from '../../src/emit/cloudinit/node-software.js';
import { bucketObjects } from '../../src/model/bucket-layout.js';
import { controlPlaneCloudInitPath, instanceGroupCloudInitPath } from '../../src/model/bootstrap-contract.js';
import type { ClusterModel } from '../../src/model/model.js';
import { clusterFlows, type Endpoint } from '../../src/model/ports.js';
import { plannedCertificates } from '../../src/pki/certificate-plan.js';
import { parseCloudConfig, writtenFile, type CloudConfig } from './cloud-config.js';
import { EXAMPLES, exampleModel } from './examples.js';
import { realisticValues, renderTemplatefile } from './templatefile.js';

const ENDPOINT = realisticValues(['api_endpoint']).api_endpoint!;

function cloudConfigs(model: ClusterModel): Map<string, CloudConfig> {
  return new Map(
    emitCloudInit(model).map((f) => {
      const vars = f.path.includes('/control-plane-') ? ['bucket', 'api_endpoint', 'etcd_volume_id'] : ['bucket', 'api_endpoint'];
      return [f.path, parseCloudConfig(renderTemplatefile(String(f.content), realisticValues(vars)))];
    }),
  );
}

/** The objects the Terraform uploads: bucketObjects() with the add-on files, as generate builds them. */
function uploaded(model: ClusterModel) {
  return bucketObjects(model, addonFileNames(model));
}

function fetched(config: CloudConfig): Array<[string, string, string]> {
  return writtenFile(config, '/etc/kubernetes/hakube/bucket-objects')
    .content.trim()
    .split('\n')
    .map((line) => line.split(' ') as [string, string, string]);
}

function kubeadmDocs(config: CloudConfig, path: string): Array<Record<string, any>> {
  return parseAllDocuments(writtenFile(config, path).content).map((d) => d.toJS() as Record<string, any>);
}

describe.each(EXAMPLES)('%s', (example) => {
  const model = exampleModel(example);
  const configs = cloudConfigs(model);
  const memberConfig = (name: string) => configs.get(controlPlaneCloudInitPath(model.controlPlane.members.find((m) => m.name === name)!))!;

  test('each machine fetches exactly the objects the Terraform uploads for its role and member, with secrets 0600 and programs 0700', () => {
    const objects = uploaded(model);
    for (const member of model.controlPlane.members) {
      const expected = objects
        .filter((o) => o.role === 'control-plane' && (o.member === undefined || o.member === member.name))
        .map((o) => [o.key, o.installPath, o.secret ? '0600' : o.executable ? '0700' : '0644']);
      expect(fetched(memberConfig(member.name))).toEqual(expected);
    }
    const forNodes = objects.filter((o) => o.role === 'nodes').map((o) => [o.key, o.installPath, o.secret ? '0600' : o.executable ? '0700' : '0644']);
    for (const group of model.instanceGroups) expect(fetched(configs.get(instanceGroupCloudInitPath(group))!)).toEqual(forNodes);
  });

  test("etcd's configuration is the model's: static cluster of exactly the members' fixed IPs, TLS with client certificates", () => {
    const memberIps = model.controlPlane.members.map((m) => [m.name, m.privateIp]);
    for (const member of model.controlPlane.members) {
      const config = parse(writtenFile(memberConfig(member.name), '/etc/etcd/etcd.conf.yml').content) as Record<string, any>;
      expect(config).toEqual(etcdConfigOf(model, member));
      const initial = String(config['initial-cluster'])
        .split(',')
        .map((entry) => {
          const [name, url] = entry.split('=');
          return [name, new URL(url!).hostname];
        });
      expect(initial).toEqual(memberIps);
      expect(config.name).toBe(member.name);
      expect(config['initial-advertise-peer-urls']).toBe(`https://${member.privateIp}:2380`);
      expect(config['initial-cluster-state']).toBe('new');
      const installed = new Set(fetched(memberConfig(member.name)).map(([, path]) => path));
      for (const side of ['client-transport-security', 'peer-transport-security']) {
        expect(config[side]['client-cert-auth']).toBe(true);
        expect(config[side]['auto-tls']).toBe(false);
        for (const key of ['cert-file', 'key-file', 'trusted-ca-file']) expect(installed.has(config[side][key])).toBe(true);
      }
      expect(config['client-transport-security']['trusted-ca-file']).toBe('/etc/kubernetes/pki/etcd/ca.crt');
    }
  });

  test("etcd has kubeadm's hardening under the names of the etcd version the member runs, and its unit waits for quorum", () => {
    const etcd36 = Number(etcdVersion(model).split('.')[1]) >= 6;
    for (const member of model.controlPlane.members) {
      const config = parse(writtenFile(memberConfig(member.name), '/etc/etcd/etcd.conf.yml').content) as Record<string, any>;
      const hardening = Object.fromEntries(Object.entries(config).filter(([key]) => /corrupt|progress-notify|feature-gates/.test(key)));
      // The config file decodes durations as nanoseconds: 5 s.
      expect(hardening).toEqual(
        etcd36
          ? { 'feature-gates': 'InitialCorruptCheck=true', 'watch-progress-notify-interval': 5_000_000_000 }
          : { 'experimental-initial-corrupt-check': true, 'experimental-watch-progress-notify-interval': 5_000_000_000 },
      );
      const unit = writtenFile(memberConfig(member.name), '/etc/systemd/system/etcd.service').content.split('\n');
      expect(unit).toContain('Type=notify');
      expect(unit).toContain('TimeoutStartSec=0');
    }
  });

  test('certificate SANs cover every address etcd serves on, and the API serving certificate covers the endpoint', () => {
    const plans = plannedCertificates(model);
    for (const member of model.controlPlane.members) {
      const config = etcdConfigOf(model, member);
      const hosts = [config['listen-client-urls'], config['listen-peer-urls'], config['advertise-client-urls']]
        .flatMap((urls) => urls.split(','))
        .map((url) => new URL(url).hostname);
      for (const file of ['server', 'peer']) {
        const plan = plans.find((p) => p.base === `pki/etcd/members/${member.name}/${file}`)!;
        for (const host of hosts) expect(plan.ipAddresses).toContain(host);
      }
    }
    const first = model.controlPlane.members.find((m) => m.initializes)!;
    const [, cluster] = kubeadmDocs(memberConfig(first.name), '/etc/kubernetes/hakube/kubeadm-init.yaml.in');
    expect(cluster!.apiServer.certSANs).toContain(ENDPOINT);
    expect(cluster!.controlPlaneEndpoint).toBe(`${ENDPOINT}:6443`);
  });

  test('the API server signs as the published issuer, its only one (kubeadm may sort repeated args), and keeps both audiences', () => {
    const first = model.controlPlane.members.find((m) => m.initializes)!;
    const [, cluster] = kubeadmDocs(memberConfig(first.name), '/etc/kubernetes/hakube/kubeadm-init.yaml.in');
    const named = (name: string) => cluster!.apiServer.extraArgs.filter((a: { name: string }) => a.name === name).map((a: { value: string }) => a.value);
    const issuer = model.serviceAccountIssuer;
    if (!issuer) {
      // kubeadm's own default (the in-cluster issuer) stays: nothing about discovery is written.
      for (const name of ['service-account-issuer', 'service-account-jwks-uri', 'api-audiences']) expect(named(name)).toEqual([]);
      return;
    }
    expect(named('service-account-issuer')).toEqual([issuer.url]);
    expect(named('service-account-jwks-uri')).toEqual([`${issuer.url}/openid/v1/jwks`]);
    expect(named('api-audiences')).toEqual([`https://kubernetes.default.svc.cluster.local,${issuer.url}`]);
    // The issuer URL is the discovery bucket's, in the cluster's region.
    expect(issuer.url).toBe(`https://${issuer.bucket}.s3.${model.region}.amazonaws.com`);
  });

  test('kubeadm uses external etcd on every member, with certificate files the machine fetched', () => {
    const first = model.controlPlane.members.find((m) => m.initializes)!;
    const docs = kubeadmDocs(memberConfig(first.name), '/etc/kubernetes/hakube/kubeadm-init.yaml.in');
    expect(docs.map((d) => `${d.apiVersion}/${d.kind}`)).toEqual([
      'kubeadm.k8s.io/v1beta4/InitConfiguration',
      'kubeadm.k8s.io/v1beta4/ClusterConfiguration',
      'kubelet.config.k8s.io/v1beta1/KubeletConfiguration',
    ]);
    const [init, cluster, kubelet] = docs as [Record<string, any>, Record<string, any>, Record<string, any>];
    expect(init.bootstrapTokens[0]).toMatchObject({ token: '@BOOTSTRAP_TOKEN@', ttl: '24h' });
    // The script waits for a quorum only; kubeadm init's version probe of every etcd endpoint must not abort it.
    expect(init.nodeRegistration.ignorePreflightErrors).toEqual(['ExternalEtcdVersion']);
    expect(cluster.etcd.external.endpoints).toEqual(model.controlPlane.members.map((m) => `https://${m.privateIp}:2379`));
    const installed = new Set(fetched(memberConfig(first.name)).map(([, path]) => path));
    for (const key of ['caFile', 'certFile', 'keyFile']) expect(installed.has(cluster.etcd.external[key])).toBe(true);
    const apiArgs = Object.fromEntries(cluster.apiServer.extraArgs.map((a: { name: string; value: string }) => [a.name, a.value]));
    expect(apiArgs).toMatchObject({ 'authorization-mode': 'Node,RBAC', 'enable-admission-plugins': 'NodeRestriction', profiling: 'false' });
    // The load balancer's HTTPS /readyz health check carries no credentials: anonymous requests must stay allowed.
    expect(apiArgs['anonymous-auth']).toBeUndefined();
    expect(cluster.apiServer.extraArgs.map((a: { name: string }) => a.name)).not.toContain('authentication-config');
    expect(installed.has(apiArgs['encryption-provider-config'])).toBe(true);
    expect(writtenFile(memberConfig(first.name), apiArgs['audit-policy-file']).content).toContain('kind: Policy');
    expect(cluster.networking).toMatchObject({ podSubnet: model.network.podCIDR, serviceSubnet: model.network.serviceCIDR });
    expect(kubelet).toMatchObject({ authentication: { anonymous: { enabled: false }, webhook: { enabled: true } }, authorization: { mode: 'Webhook' }, readOnlyPort: 0, rotateCertificates: true });
    expect(kubelet.clusterDNS).toEqual([model.network.clusterDnsIp]);
    for (const member of model.controlPlane.members) {
      const config = memberConfig(member.name);
      expect(config.write_files.some((f) => f.path === '/etc/kubernetes/hakube/kubeadm-init.yaml.in')).toBe(member.initializes);
      const [join] = kubeadmDocs(config, '/etc/kubernetes/hakube/kubeadm-join.yaml.in');
      expect(join!.controlPlane.localAPIEndpoint.advertiseAddress).toBe(member.privateIp);
      expect(join!.discovery.bootstrapToken.apiServerEndpoint).toBe(`${ENDPOINT}:6443`);
    }
  });

  test("workers join with the token, the pinned CA and their group's labels and taints", () => {
    for (const group of model.instanceGroups) {
      const [join] = kubeadmDocs(configs.get(instanceGroupCloudInitPath(group))!, '/etc/kubernetes/hakube/kubeadm-join.yaml.in');
      expect(join!.controlPlane).toBeUndefined();
      expect(join!.discovery.bootstrapToken).toEqual({ apiServerEndpoint: `${ENDPOINT}:6443`, token: '@BOOTSTRAP_TOKEN@', caCertHashes: ['@CA_CERT_HASH@'] });
      expect(join!.nodeRegistration.taints).toEqual(group.taints);
      const args = Object.fromEntries(join!.nodeRegistration.kubeletExtraArgs.map((a: { name: string; value: string }) => [a.name, a.value]));
      expect(args['cloud-provider']).toBe('external');
      const labels = Object.entries(group.labels).map(([k, v]) => `${k}=${v}`);
      expect(args['node-labels']).toBe(labels.length > 0 ? labels.join(',') : undefined);
    }
  });

  test('the security groups open every port the chosen components listen on', () => {
    const flows = clusterFlows(model);
    const opens = (protocol: string, port: number, from: Endpoint, to: 'control-plane' | 'nodes') =>
      flows.some((f) => (f.protocol === protocol || f.protocol === '-1') && (f.protocol === '-1' || (f.fromPort <= port && port <= f.toPort)) && f.sources.includes(from) && f.targets.includes(to));
    const first = model.controlPlane.members.find((m) => m.initializes)!;
    const [init] = kubeadmDocs(memberConfig(first.name), '/etc/kubernetes/hakube/kubeadm-init.yaml.in');
    const apiPort = init!.localAPIEndpoint.bindPort as number;
    for (const from of ['control-plane', 'nodes', 'api-load-balancer'] as const) expect(opens('tcp', apiPort, from, 'control-plane')).toBe(true);
    const etcd = etcdConfigOf(model, first);
    for (const url of [etcd['listen-client-urls'].split(',')[0]!, etcd['listen-peer-urls']]) {
      expect(opens('tcp', Number(new URL(url).port), 'control-plane', 'control-plane')).toBe(true);
    }
    for (const to of ['control-plane', 'nodes'] as const) expect(opens('tcp', 10250, 'control-plane', to)).toBe(true);
    if (model.addons.metricsServer.enabled) {
      // metrics-server scrapes every kubelet, so it runs only where port 10250 of every machine is open to it.
      const values = parse(String(emitAddons(model).find((f) => f.path === 'addons/metrics-server-values.yaml')!.content)) as any;
      const onControlPlane = values.nodeSelector?.['node-role.kubernetes.io/control-plane'] === '';
      if (onControlPlane) expect(values.tolerations).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' });
      const runsOn = onControlPlane ? (['control-plane'] as const) : (['control-plane', 'nodes'] as const);
      for (const from of runsOn) for (const to of ['control-plane', 'nodes'] as const) expect(opens('tcp', 10250, from, to)).toBe(true);
    }
    const cniPorts: Record<ClusterModel['network']['cni'], Array<[string, number]>> = {
      calico: [['tcp', 179], ['4', -1], ['tcp', 5473]],
      cilium: [['udp', 8472], ['tcp', 4240]],
      kubenet: [['-1', -1]],
    };
    for (const [protocol, port] of cniPorts[model.network.cni]) {
      for (const from of ['control-plane', 'nodes'] as const) for (const to of ['control-plane', 'nodes'] as const) expect(opens(protocol, port, from, to)).toBe(true);
    }
  });
});
