/**
 * The wait a new worker does before joining (control plane first, docs/upgrades.md), taken from the worker's
 * generated bootstrap script and run for real with curl: each control-plane member of the tutorial cluster is a
 * network namespace at its fixed address serving `/version` over TLS on 6443 (openssl s_server, with a serving
 * certificate from a CA the test makes, which the function trusts in place of the cluster CA). One old member must
 * hold the worker back even when the others are new: through the load balancer it could be missed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { emitCloudInit } from '../../src/emit/cloudinit/index.js';
import type { ClusterModel } from '../../src/model/model.js';
import { hostAddress, parseCidr } from '../../src/spec/cidr.js';
import { parseCloudConfig, writtenFile } from '../cloudinit/cloud-config.js';
import { exampleModel } from '../cloudinit/examples.js';
import { realisticValues, renderTemplatefile } from '../cloudinit/templatefile.js';
import { IsolatedNetwork, namespacesWithPrefix, sweepStaleNamespaces } from '../etcd/netns.js';
import { eventually, inNamespace, run, ServiceProcess, type CommandResult } from '../etcd/processes.js';

const PREFIX_ROOT = 'hkguard';
const PREFIX = `${PREFIX_ROOT}-${process.pid}`;
const CLUSTER_CA = '/etc/kubernetes/pki/ca.crt';

let tmp: string;
let model: ClusterModel;
let network: IsolatedNetwork | undefined;
let client = '';
let guard = '';
const servers = new Map<string, { dir: string; service: ServiceProcess }>();

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}${r.error ?? ''}`);
}

/** The worker's own function, as its user data writes it, with the test CA in place of the cluster CA. */
function guardFunction(): string {
  const file = emitCloudInit(model).find((f) => f.path === `cloud-init/nodes-${model.instanceGroups[0]!.name}.yaml`)!;
  const bootstrap = writtenFile(parseCloudConfig(renderTemplatefile(String(file.content), realisticValues(['bucket', 'api_endpoint']))), '/usr/local/sbin/hakube-bootstrap').content;
  const start = bootstrap.indexOf('control_plane_is_at_our_minor() {\n');
  const end = bootstrap.indexOf('\n}\n', start);
  if (start < 0 || end < 0) throw new Error('the worker bootstrap has no control_plane_is_at_our_minor function');
  const fn = bootstrap.slice(start, end + 3);
  if (!fn.includes(`--cacert ${CLUSTER_CA}`)) throw new Error('the guard no longer trusts the cluster CA file');
  return fn.replaceAll(CLUSTER_CA, join(tmp, 'ca.crt'));
}

function serve(member: string, version: string): void {
  writeFileSync(join(servers.get(member)!.dir, 'version'), JSON.stringify({ major: '1', minor: version.split('.')[1], gitVersion: version }, null, 2));
}

async function check(): Promise<CommandResult> {
  const script = `set -euo pipefail\nlog() { echo "hakube: $*" >&2; }\n${guard}\ncontrol_plane_is_at_our_minor\n`;
  const [c, a] = inNamespace(client, 'bash', ['-c', script]);
  return run(c, a, 120_000);
}

beforeAll(async () => {
  for (const tool of [['openssl', 'version'], ['curl', '--version']]) {
    const r = spawnSync(tool[0]!, [tool[1]!], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`the worker guard test needs ${tool[0]}: ${r.error ?? r.stderr}`);
  }
  sweepStaleNamespaces(PREFIX_ROOT);
  const probe = IsolatedNetwork.probe(PREFIX);
  if (!probe.ok) throw new Error(`the worker guard test needs network namespaces (run as root): ${probe.reason}`);
  tmp = mkdtempSync(join(tmpdir(), 'hakube-worker-guard-'));
  model = exampleModel('examples/myfirstcluster.yaml');
  guard = guardFunction();
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca'], tmp);
  const vpc = parseCidr(model.network.vpcCIDR)!;
  network = new IsolatedNetwork(PREFIX, vpc.prefix);
  network.start();
  client = network.addHost('worker', hostAddress(vpc, 100)).namespace;
  for (const member of model.controlPlane.members) {
    const dir = join(tmp, member.name);
    mkdirSync(dir);
    // The API server's serving certificate names the member's address, as kubeadm's does.
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=kube-apiserver'], dir);
    writeFileSync(join(dir, 'san.ext'), `subjectAltName=IP:${member.privateIp}\n`);
    openssl(['x509', '-req', '-in', 'tls.csr', '-CA', join(tmp, 'ca.crt'), '-CAkey', join(tmp, 'ca.key'), '-CAcreateserial', '-days', '1', '-extfile', 'san.ext', '-out', 'tls.crt'], dir);
    const { namespace } = network.addHost(member.name, member.privateIp);
    const service = new ServiceProcess(inNamespace(namespace, 'bash', ['-c', `cd '${dir}' && exec openssl s_server -quiet -WWW -accept 6443 -cert tls.crt -key tls.key`]), join(tmp, `${member.name}.log`), 300);
    servers.set(member.name, { dir, service });
    serve(member.name, 'v1.34.2');
    service.start();
  }
  for (const member of model.controlPlane.members) {
    const [c, a] = inNamespace(client, 'curl', ['-fsS', '--max-time', '2', '--cacert', join(tmp, 'ca.crt'), `https://${member.privateIp}:6443/version`]);
    const up = await eventually(async () => (await run(c, a, 10_000)).code === 0, 20_000);
    if (!up) throw new Error(`the test API server of ${member.name} did not start`);
  }
});

afterAll(async () => {
  const problems: string[] = [];
  for (const { service } of servers.values()) await service.stop().catch((error: unknown) => problems.push(String(error)));
  if (network) problems.push(...network.destroy());
  problems.push(...namespacesWithPrefix(PREFIX).map((ns) => `namespace ${ns} is left behind`));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  if (problems.length) throw new Error(`clean-up failed:\n${problems.join('\n')}`);
});

describe("a new worker's wait for the control plane, against real TLS servers at the members' addresses", () => {
  const [first, second, third] = ['control-plane-1', 'control-plane-2', 'control-plane-3'];

  test('one member still at the old minor holds the worker back, whichever it is', async () => {
    for (const old of [first!, second!, third!]) {
      for (const name of servers.keys()) serve(name, name === old ? 'v1.33.6' : 'v1.34.2');
      const r = await check();
      const address = model.controlPlane.members.find((m) => m.name === old)!.privateIp;
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`the API server at ${address} runs v1.33.6, older than this worker's 1.34.2`);
    }
  });

  test('every member at the minor (or newer): the worker goes on', async () => {
    for (const name of servers.keys()) serve(name, name === third ? 'v1.35.0' : 'v1.34.2');
    const r = await check();
    expect(r.code, r.stderr).toBe(0);
  });

  test('a member that does not answer is not counted, but a majority must answer', async () => {
    for (const name of servers.keys()) serve(name, 'v1.34.2');
    await servers.get(third!)!.service.stop();
    let r = await check();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`the API server at ${model.controlPlane.members[2]!.privateIp} does not answer`);
    await servers.get(second!)!.service.stop();
    r = await check();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('only 1 of 3 API servers answer: waiting for a majority');
  });
});
