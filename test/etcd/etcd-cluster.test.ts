/**
 * The etcd part of the failure analysis, proven on real processes: a three-member etcd cluster runs on this
 * machine with the certificates `emitPki` issues and the configuration each member's cloud-init writes, and
 * loses and regains members the way the tutorial's machines do.
 *
 * Members run in network namespaces carrying the tutorial cluster's own fixed addresses (172.20.32.10,
 * 172.20.64.10, 172.20.96.10), joined by a bridge in a namespace of its own; the client (the API server's
 * place) runs in a fourth. Nothing is added to the root namespace. Where namespaces cannot be made, the test
 * fails unless HAKUBE_ETCD_LOOPBACK=1 asks for loopback mode: the same spec with its VPC moved to 127.0.0.0/16,
 * so hakube issues certificates for 127.0.32.10 and friends, which loopback answers on. In that mode all
 * members share one network stack, so the configuration's listeners on 127.0.0.1 (one per machine in real
 * life) are dropped; that is the only change beyond file paths, and only in that mode.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { addonFileNames } from '../../src/emit/addons/index.js';
import { emitCloudInit, etcdConfigOf } from '../../src/emit/cloudinit/index.js';
import { bucketObjects } from '../../src/model/bucket-layout.js';
import type { ClusterModel } from '../../src/model/model.js';
import { emitPki } from '../../src/pki/emit.js';
import { emptyPkiStore } from '../../src/pki/store.js';
import { hostAddress, parseCidr } from '../../src/spec/cidr.js';
import { validateText } from '../../src/spec/validate.js';
import { etcdConfigFromCloudConfig, forTestEtcd, localizeConfig, testEtcdMinor, type EtcdConfig } from './member-config.js';
import { IsolatedNetwork, namespacesWithPrefix, sweepStaleNamespaces } from './netns.js';
import { eventually, inNamespace, run, ServiceProcess, type CommandResult } from './processes.js';

const TUTORIAL_SPEC = new URL('../../examples/myfirstcluster.yaml', import.meta.url);
const LOOPBACK = process.env.HAKUBE_ETCD_LOOPBACK === '1';
const NAMESPACE_PREFIX_ROOT = 'hketcd';
const NAMESPACE_PREFIX = `${NAMESPACE_PREFIX_ROOT}-${process.pid}`;
/** Upper bound on any etcd process's life, even if this test process dies without cleaning up. */
const ETCD_LIFETIME_SECONDS = 240;
/** etcdctl gives up on a request after this; a write without quorum must fail within it. */
const ETCDCTL_TIMEOUTS = ['--dial-timeout=2s', '--command-timeout=3s'];
const ETCDCTL_PROCESS_TIMEOUT_MS = 15_000;
const HEALTHY_WITHIN_MS = 30_000;

interface Member {
  name: string;
  address: string;
  /** The configuration parsed from the member's cloud-init, before any path is rewritten. */
  generated: EtcdConfig;
  process: ServiceProcess;
}

interface Credentials {
  cacert: string;
  cert?: string;
  key?: string;
}

let tmp: string | undefined;
let network: IsolatedNetwork | undefined;
let model: ClusterModel;
let outDir: string;
let clientNamespace: string | undefined;
const members: Member[] = [];

/** Clients reach a member where its configuration advertises it. */
const endpointOf = (member: Member) => String(member.generated['advertise-client-urls']);
const pkiFile = (path: string) => join(outDir, 'pki', path);
let apiserverClient: Credentials;

function requireTool(command: string, versionArgs: string[]): void {
  const r = spawnSync(command, versionArgs, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) {
    throw new Error(`${command} is required for the etcd cluster test (Debian: etcd-server, etcd-client, openssl): ${r.error ?? r.stderr}`);
  }
}

function specText(): string {
  const text = readFileSync(TUTORIAL_SPEC, 'utf8');
  if (!LOOPBACK) return text;
  const vpc = 'vpcCIDR: 172.20.0.0/16';
  if (!text.includes(vpc)) throw new Error(`test setup: ${vpc} is not in the tutorial spec`);
  return text.replace(vpc, 'vpcCIDR: 127.0.0.0/16');
}

async function writeGeneratedPki(): Promise<void> {
  const { files } = await emitPki(model, emptyPkiStore(), new Date());
  for (const file of files) {
    const path = join(outDir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    chmodSync(path, file.mode ?? 0o644);
  }
}

/** Loopback mode only: members share one network stack, so per-machine 127.0.0.1 listeners would collide. */
function withoutLocalhostListeners(config: EtcdConfig): EtcdConfig {
  const copy: EtcdConfig = { ...config };
  for (const key of ['listen-client-urls', 'listen-peer-urls', 'listen-metrics-urls']) {
    const value = copy[key];
    if (typeof value !== 'string') continue;
    const kept = value.split(',').filter((url) => !url.includes('//127.0.0.1:') && !url.includes('//localhost:'));
    if (kept.length) copy[key] = kept.join(',');
    else delete copy[key];
  }
  return copy;
}

function etcdctl(credentials: Credentials, endpoints: Member[], args: string[]): Promise<CommandResult> {
  const tls = [`--cacert=${credentials.cacert}`];
  if (credentials.cert) tls.push(`--cert=${credentials.cert}`);
  if (credentials.key) tls.push(`--key=${credentials.key}`);
  const all = [`--endpoints=${endpoints.map(endpointOf).join(',')}`, ...tls, ...ETCDCTL_TIMEOUTS, ...args];
  const [command, commandArgs] = inNamespace(clientNamespace, 'etcdctl', all);
  return run(command, commandArgs, ETCDCTL_PROCESS_TIMEOUT_MS);
}

function describeFailure(what: string, result: CommandResult): string {
  const logs = members.map((m) => `--- ${m.name} (${m.process.running ? 'running' : 'stopped'}) ---\n${m.process.logTail(15)}`).join('\n');
  return `${what}: exit ${result.code}\n${result.stdout}${result.stderr}\n${logs}`;
}

async function put(through: Member, key: string, value: string): Promise<CommandResult> {
  return etcdctl(apiserverClient, [through], ['put', key, value]);
}

/** The value of `key` as `through` serves it; `serializable` reads its local copy without asking the leader. */
async function get(through: Member, key: string, serializable = false): Promise<string | undefined> {
  const args = ['get', key, '--print-value-only', ...(serializable ? ['--consistency=s'] : [])];
  const result = await etcdctl(apiserverClient, [through], args);
  if (result.code !== 0) throw new Error(describeFailure(`get ${key} through ${through.name}`, result));
  const value = result.stdout.replace(/\n$/, '');
  return value === '' ? undefined : value;
}

/** Member IDs are 64-bit and do not survive JSON.parse as numbers, so long integers are read as strings. */
function parseEtcdJson<T>(text: string): T {
  return JSON.parse(text.replace(/:\s*(\d{16,})/g, ':"$1"')) as T;
}

interface MemberListEntry {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

async function memberList(through: Member): Promise<MemberListEntry[]> {
  const result = await etcdctl(apiserverClient, [through], ['member', 'list', '-w', 'json']);
  if (result.code !== 0) throw new Error(describeFailure(`member list through ${through.name}`, result));
  const entries = parseEtcdJson<{ members: MemberListEntry[] }>(result.stdout).members;
  return entries.map(({ ID, name, peerURLs, isLearner }) => ({ ID, name, peerURLs: [...peerURLs].sort(), isLearner: isLearner ?? false })).sort((a, b) => a.name.localeCompare(b.name));
}

interface EndpointStatus {
  Endpoint: string;
  Status: { header: { member_id: string }; leader: string };
}

async function statusOf(member: Member): Promise<EndpointStatus['Status']> {
  const result = await etcdctl(apiserverClient, [member], ['endpoint', 'status', '-w', 'json']);
  if (result.code !== 0) throw new Error(describeFailure(`endpoint status of ${member.name}`, result));
  const [entry] = parseEtcdJson<EndpointStatus[]>(result.stdout);
  if (!entry) throw new Error(`endpoint status of ${member.name} printed nothing`);
  return entry.Status;
}

async function waitHealthy(which: Member[]): Promise<void> {
  let last: CommandResult | undefined;
  const healthy = await eventually(async () => {
    last = await etcdctl(apiserverClient, which, ['endpoint', 'health']);
    return last.code === 0;
  }, HEALTHY_WITHIN_MS);
  if (!healthy) throw new Error(describeFailure(`${which.map((m) => m.name).join(', ')} not healthy within ${HEALTHY_WITHIN_MS} ms`, last!));
}

/** A write that must succeed: a new leader may still be in election right after a member is lost, so retry briefly. */
async function putEventually(through: Member, key: string, value: string): Promise<void> {
  let last: CommandResult | undefined;
  const written = await eventually(async () => {
    last = await put(through, key, value);
    return last.code === 0;
  }, 15_000, 500);
  if (!written) throw new Error(describeFailure(`put ${key} through ${through.name}`, last!));
}

function member(name: string): Member {
  const found = members.find((m) => m.name === name);
  if (!found) throw new Error(`no member ${name}`);
  return found;
}

/** A CA hakube did not make, and a client certificate it signs that claims the API server's identity. */
function makeForeignClient(dir: string): Credentials {
  mkdirSync(dir, { recursive: true });
  const openssl = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8', timeout: 20_000 });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.error ?? r.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=etcd-ca']);
  openssl(['req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=kube-apiserver-etcd-client']);
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage = clientAuth\nkeyUsage = critical, digitalSignature\n');
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'client.ext', '-out', 'client.crt']);
  return { cacert: pkiFile('etcd/ca.crt'), cert: join(dir, 'client.crt'), key: join(dir, 'client.key') };
}

beforeAll(async () => {
  requireTool('etcd', ['--version']);
  requireTool('etcdctl', ['version']);
  requireTool('openssl', ['version']);
  if (!LOOPBACK) {
    sweepStaleNamespaces(NAMESPACE_PREFIX_ROOT);
    const probe = IsolatedNetwork.probe(NAMESPACE_PREFIX);
    if (!probe.ok) {
      throw new Error(
        `cannot create network namespaces (${probe.reason}); run as root with CAP_SYS_ADMIN and CAP_NET_ADMIN, ` +
          'or set HAKUBE_ETCD_LOOPBACK=1 to run the cluster on loopback addresses instead',
      );
    }
  }

  model = validateText(specText(), TUTORIAL_SPEC.pathname).model;
  tmp = mkdtempSync(join(tmpdir(), 'hakube-etcd-'));
  outDir = join(tmp, 'out');
  await writeGeneratedPki();
  apiserverClient = { cacert: pkiFile('etcd/ca.crt'), cert: pkiFile('apiserver-etcd-client.crt'), key: pkiFile('apiserver-etcd-client.key') };

  const cloudInit = new Map(emitCloudInit(model).map((file) => [file.path, file.content]));
  const objects = bucketObjects(model, addonFileNames(model));
  const vpc = parseCidr(model.network.vpcCIDR);
  if (!vpc) throw new Error(`test setup: the model's VPC ${model.network.vpcCIDR} does not parse`);
  if (!LOOPBACK) {
    network = new IsolatedNetwork(NAMESPACE_PREFIX, vpc.prefix);
    network.start();
    clientNamespace = network.addHost('client', hostAddress(vpc, 100)).namespace;
  }

  for (const { name, privateIp } of model.controlPlane.members) {
    const content = cloudInit.get(`cloud-init/${name}.yaml`);
    if (content === undefined) throw new Error(`emitCloudInit wrote no cloud-init/${name}.yaml (it wrote ${[...cloudInit.keys()].join(', ')})`);
    const generated = etcdConfigFromCloudConfig(typeof content === 'string' ? content : Buffer.from(content).toString('utf8'));
    const dir = join(tmp, 'members', name);
    mkdirSync(dir, { recursive: true });
    const localized = localizeConfig(forTestEtcd(generated, testEtcdMinor()), name, objects, outDir, join(dir, 'data'));
    const configFile = join(dir, 'etcd.conf.yml');
    writeFileSync(configFile, stringify(LOOPBACK ? withoutLocalhostListeners(localized) : localized));
    const namespace = network?.addHost(name, privateIp).namespace;
    const service = new ServiceProcess(inNamespace(namespace, 'etcd', ['--config-file', configFile]), join(dir, 'etcd.log'), ETCD_LIFETIME_SECONDS);
    members.push({ name, address: privateIp, generated, process: service });
  }

  for (const m of members) m.process.start();
  await waitHealthy(members);
});

afterAll(async () => {
  const problems: string[] = [];
  await Promise.all(
    members.map((m) =>
      m.process.stop().catch((error: unknown) => {
        problems.push(`${m.name}: ${String(error)}`);
      }),
    ),
  );
  if (network) problems.push(...network.destroy());
  problems.push(...namespacesWithPrefix(NAMESPACE_PREFIX).map((ns) => `namespace ${ns} is left behind`));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  if (problems.length) throw new Error(`clean-up failed:\n${problems.join('\n')}`);
});

describe('the generated etcd configuration on a real three-member cluster', () => {
  test('each member runs the configuration its cloud-init writes, which is etcdConfigOf for that member', () => {
    expect(members.map((m) => m.name)).toEqual(['control-plane-1', 'control-plane-2', 'control-plane-3']);
    expect(members.map((m) => m.address)).toEqual(LOOPBACK ? ['127.0.32.10', '127.0.64.10', '127.0.96.10'] : ['172.20.32.10', '172.20.64.10', '172.20.96.10']);
    for (const m of members) {
      const modelMember = model.controlPlane.members.find((candidate) => candidate.name === m.name)!;
      expect(m.generated).toEqual(etcdConfigOf(model, modelMember));
      expect(m.generated['name']).toBe(m.name);
      expect(m.generated['advertise-client-urls']).toBe(`https://${m.address}:2379`);
      expect(m.generated['client-transport-security']).toMatchObject({ 'client-cert-auth': true, 'auto-tls': false });
      expect(m.generated['peer-transport-security']).toMatchObject({ 'client-cert-auth': true, 'auto-tls': false });
    }
  });

  test('writes and reads through every member with the apiserver-etcd-client certificate', async () => {
    for (const writer of members) {
      const written = await put(writer, `/registry/written-through/${writer.name}`, `by ${writer.name}`);
      expect(written.code, describeFailure(`put through ${writer.name}`, written)).toBe(0);
    }
    for (const reader of members) {
      for (const writer of members) {
        expect(await get(reader, `/registry/written-through/${writer.name}`)).toBe(`by ${writer.name}`);
      }
    }
  });

  test('refuses a client without a certificate and a client whose certificate another CA signed', async () => {
    const target = member('control-plane-1');
    const logStart = target.process.logLength();

    const anonymous = await etcdctl({ cacert: pkiFile('etcd/ca.crt') }, [target], ['get', '/registry/written-through/control-plane-1']);
    expect(anonymous.code, 'a client without a certificate was served').not.toBe(0);
    expect(anonymous.stdout).not.toContain('by control-plane-1');

    const foreign = makeForeignClient(join(tmp!, 'foreign-ca'));
    const impostor = await etcdctl(foreign, [target], ['put', '/registry/impostor', 'written by a foreign CA']);
    expect(impostor.code, 'a client with a certificate from another CA was served').not.toBe(0);

    // The refusals happen in the TLS handshake, which the server logs; a client failing for any other reason
    // (say, an unreachable address) would leave no such lines.
    const serverLog = target.process.logSince(logStart);
    expect(serverLog).toMatch(/rejected connection[^\n]*didn't provide a certificate|rejected connection[^\n]*certificate required/);
    expect(serverLog).toMatch(/rejected connection[^\n]*unknown authority/);
    expect(await get(target, '/registry/impostor')).toBeUndefined();
  });

  test('keeps accepting writes after losing one member (the leader), and refuses them after losing two', async () => {
    const leaderId = (await statusOf(members[0]!)).leader;
    const statuses = await Promise.all(members.map(async (m) => ({ m, id: (await statusOf(m)).header.member_id })));
    const leader = statuses.find((s) => s.id === leaderId)?.m;
    if (!leader) throw new Error(`no member has the leader's ID ${leaderId}`);
    const [survivor, secondLoss] = members.filter((m) => m !== leader) as [Member, Member];

    await leader.process.stop();
    await putEventually(survivor, '/registry/after-one-loss', 'quorum of two');
    expect(await get(secondLoss, '/registry/after-one-loss')).toBe('quorum of two');

    await secondLoss.process.stop();
    const noQuorum = await put(survivor, '/registry/after-two-losses', 'must not be acknowledged');
    expect(noQuorum.code, describeFailure('a write with one member of three was acknowledged', noQuorum)).not.toBe(0);
    // The survivor is up and reachable (it serves its local copy); it refuses the write for want of a quorum.
    expect(await get(survivor, '/registry/after-one-loss', true)).toBe('quorum of two');
  });

  test('recovers when the lost members come back, with every acknowledged key', async () => {
    const stopped = members.filter((m) => !m.process.running);
    expect(stopped).toHaveLength(2);
    for (const m of stopped) m.process.start();
    await waitHealthy(members);
    await putEventually(members[0]!, '/registry/after-recovery', 'quorum again');
    // The write refused without quorum is not checked either way: the surviving member may have logged it
    // and a later leader may commit it. Only acknowledged writes are promised.
    for (const reader of members) {
      for (const writer of members) expect(await get(reader, `/registry/written-through/${writer.name}`)).toBe(`by ${writer.name}`);
      expect(await get(reader, '/registry/after-one-loss')).toBe('quorum of two');
      expect(await get(reader, '/registry/after-recovery')).toBe('quorum again');
    }
  });

  test('a member restarted with its data directory rejoins as the same member and catches up', async () => {
    const before = await memberList(members[0]!);
    expect(before).toHaveLength(3);
    expect(before.every((entry) => !entry.isLearner)).toBe(true);
    const restarted = member('control-plane-3');
    const restartedId = before.find((entry) => entry.name === restarted.name)?.ID;
    expect(restartedId).toBeDefined();

    await restarted.process.stop();
    await putEventually(members[0]!, '/registry/while-restarting', 'missed by control-plane-3');
    restarted.process.start();
    await waitHealthy(members);

    expect((await statusOf(restarted)).header.member_id).toBe(restartedId);
    expect(await memberList(restarted)).toEqual(before);
    // A serializable read answers from the member's own store: it has the write it missed through Raft.
    const caughtUp = await eventually(async () => (await get(restarted, '/registry/while-restarting', true)) === 'missed by control-plane-3', 10_000);
    expect(caughtUp, 'the restarted member never applied the write it missed').toBe(true);
  });
});
