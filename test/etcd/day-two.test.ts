/**
 * Day two on a real three-member etcd cluster: certificate renewal on running members, and snapshots to a bucket
 * with a restore from them. The machines are the tutorial cluster's: members in network namespaces carrying their
 * fixed addresses (as in etcd-cluster.test.ts), each with a folder holding what its generated cloud-init writes
 * and what it fetches from the bucket. The bucket is s3rver, a real S3-compatible server, in the client namespace;
 * machines reach it with boto3, as on AWS. The generated scripts run unchanged with HAKUBE_ROOT pointing at the
 * machine's folder; the only stand-in is systemctl (etcd runs under a restart loop, as Restart=always does).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { DAY_TWO_PATHS, DAY_TWO_RECORD_PREFIX } from '../../src/emit/cloudinit/day-two.js';
import { restoreProcedure } from '../../src/emit/etcd-restore/restore-procedure.js';
import { generate } from '../../src/generate.js';
import { bucketObjects } from '../../src/model/bucket-layout.js';
import { addonFileNames } from '../../src/emit/addons/index.js';
import type { ClusterModel } from '../../src/model/model.js';
import { renewCertificates } from '../../src/pki/renew.js';
import { readPkiStore } from '../../src/pki/store.js';
import { hostAddress, parseCidr } from '../../src/spec/cidr.js';
import { etcd35Tools } from '../helpers/etcd-35.mjs';
import { installWriteFiles, rootedEtcdConfig, rootedFetchList, supervisedEtcd, systemctlStandIn } from './machine-root.js';
import { etcdConfigFromCloudConfig, forTestEtcd, testEtcdMinor } from './member-config.js';
import { IsolatedNetwork, namespacesWithPrefix, sweepStaleNamespaces } from './netns.js';
import { eventually, inNamespace, run, ServiceProcess, type CommandResult } from './processes.js';

const TUTORIAL_SPEC = new URL('../../examples/myfirstcluster.yaml', import.meta.url).pathname;
const NAMESPACE_PREFIX_ROOT = 'hkday';
const NAMESPACE_PREFIX = `${NAMESPACE_PREFIX_ROOT}-${process.pid}`;
const LIFETIME_SECONDS = 480;
const BUCKET = 'hakube-test-secrets';
const S3_PORT = 4568;
const SCRIPT_TIMEOUT_MS = 180_000;
const HEALTHY_WITHIN_MS = 30_000;
/**
 * A member restart here: SIGTERM, one second in the restart loop, start, and a leader election when it led
 * (etcd's election timeout is one second). No write may fail for longer than that.
 */
const ONE_MEMBER_RESTART_MS = 8_000;
/** Where the members record when the last snapshot was taken (DAY_TWO_RECORD_PREFIX + the job's name). */
const SNAPSHOT_RECORD = `${DAY_TWO_RECORD_PREFIX}etcd-snapshot`;
const S3_ENV = (endpoint: string) => ({
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_ENDPOINT_URL: endpoint,
  AWS_EC2_METADATA_DISABLED: 'true',
});

interface Machine {
  name: string;
  address: string;
  namespace: string;
  root: string;
  pidFile: string;
  binDir: string;
  configFile: string;
  /** The etcd binary the member runs: Debian's 3.4 on PATH, etcd 3.5's after the restore. */
  etcdBinary: string;
  etcd: ServiceProcess;
}

let tmp: string;
let outDir: string;
let model: ClusterModel;
let network: IsolatedNetwork | undefined;
let clientNamespace: string;
let s3Endpoint: string;
let s3: ServiceProcess | undefined;
const machines: Machine[] = [];
const pki = (path: string) => join(outDir, 'pki', path);

function requireTool(command: string, args: string[]): void {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed; the day-two test needs etcd, etcdctl, openssl and python3-boto3: ${r.error ?? r.stderr}`);
}

function inNs(namespace: string, command: string, args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<CommandResult> {
  const withEnv = ['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), command, ...args];
  const [c, a] = inNamespace(namespace, withEnv[0]!, withEnv.slice(1));
  return run(c, a, timeoutMs);
}

/** The machines' Python, which the scripts' #!/usr/bin/python3 runs. */
const PYTHON = '/usr/bin/python3';

/**
 * The operator's S3 calls (and Terraform's uploads), made with boto3 from the client namespace. `put` takes
 * key/file pairs, `get` one key and a file, `list` a prefix.
 */
async function s3Call(operation: 'put' | 'get' | 'list', ...args: string[]): Promise<string> {
  const program = `
import os, sys, boto3
s3 = boto3.client("s3", region_name="us-west-2", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
op, args = sys.argv[1], sys.argv[2:]
if op == "put":
    for key, path in zip(args[0::2], args[1::2]):
        s3.upload_file(path, "${BUCKET}", key)
elif op == "get":
    s3.download_file("${BUCKET}", args[0], args[1])
else:
    for o in s3.list_objects_v2(Bucket="${BUCKET}", Prefix=args[0]).get("Contents", []):
        print(o["Key"])
`;
  const r = await inNs(clientNamespace, PYTHON, ['-c', program, operation, ...args], S3_ENV(s3Endpoint), 120_000);
  if (r.code !== 0) throw new Error(`s3 ${operation} ${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  return r.stdout;
}

/** What `terraform apply` does with the aws_s3_object resources: upload each control-plane object from the folder. */
async function uploadObjects(sources?: Set<string>): Promise<number> {
  const pairs: string[] = [];
  for (const object of bucketObjects(model, addonFileNames(model))) {
    if (object.role !== 'control-plane' || (sources && !sources.has(object.source))) continue;
    pairs.push(object.key, join(outDir, object.source));
  }
  await s3Call('put', ...pairs);
  return pairs.length / 2;
}

const apiClientTls = () => [`--cacert=${pki('etcd/ca.crt')}`, `--cert=${pki('apiserver-etcd-client.crt')}`, `--key=${pki('apiserver-etcd-client.key')}`];
const allEndpoints = () => machines.map((m) => `https://${m.address}:2379`).join(',');

function etcdctl(args: string[], endpoints = allEndpoints(), timeouts = ['--dial-timeout=2s', '--command-timeout=3s']): Promise<CommandResult> {
  return inNs(clientNamespace, 'etcdctl', [`--endpoints=${endpoints}`, ...apiClientTls(), ...timeouts, ...args], {}, 15_000);
}

function logs(): string {
  return machines.map((m) => `--- ${m.name} ---\n${m.etcd.logTail(12)}`).join('\n');
}

async function waitHealthy(): Promise<void> {
  let last: CommandResult | undefined;
  const ok = await eventually(async () => {
    last = await etcdctl(['endpoint', 'health']);
    return last.code === 0;
  }, HEALTHY_WITHIN_MS);
  if (!ok) throw new Error(`the cluster is not healthy: ${last?.stdout}${last?.stderr}\n${logs()}`);
}

/** Runs one of the scripts a machine's cloud-init wrote, on that machine, as its systemd service would. */
async function runOnMachine(machine: Machine, script: string, args: string[] = []): Promise<CommandResult> {
  const env = { ...S3_ENV(s3Endpoint), HAKUBE_ROOT: machine.root, PATH: `${machine.binDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` };
  return inNs(machine.namespace, script.startsWith('/') && !script.startsWith(tmp) ? join(machine.root, script) : script, args, env, SCRIPT_TIMEOUT_MS);
}

/** The serial of the certificate a member presents on `port`, as `openssl s_client` sees it. */
async function servedSerial(machine: Machine, port: number): Promise<string> {
  const tls = `-cert '${pki('apiserver-etcd-client.crt')}' -key '${pki('apiserver-etcd-client.key')}' -CAfile '${pki('etcd/ca.crt')}'`;
  const r = await inNs(clientNamespace, 'bash', ['-c', `openssl s_client -connect ${machine.address}:${port} ${tls} </dev/null 2>/dev/null | openssl x509 -noout -serial`]);
  if (r.code !== 0) throw new Error(`s_client to ${machine.name}:${port}: ${r.stderr}`);
  return r.stdout.trim().replace(/^serial=/, '').toLowerCase();
}

function fileSerial(path: string): string {
  const r = spawnSync('openssl', ['x509', '-in', path, '-noout', '-serial'], { encoding: 'utf8', timeout: 10_000 });
  return r.stdout.trim().replace(/^serial=/, '').toLowerCase();
}

/** Every key and value under `prefix`, as a map. */
async function dump(prefix: string): Promise<Map<string, string>> {
  const r = await etcdctl(['get', prefix, '--prefix', '-w', 'json']);
  if (r.code !== 0) throw new Error(`get ${prefix}: ${r.stderr}\n${logs()}`);
  const kvs = (JSON.parse(r.stdout) as { kvs?: Array<{ key: string; value: string }> }).kvs ?? [];
  return new Map(kvs.map((kv) => [Buffer.from(kv.key, 'base64').toString(), Buffer.from(kv.value, 'base64').toString()]));
}

beforeAll(async () => {
  requireTool('etcd', ['--version']);
  requireTool('etcdctl', ['version']);
  requireTool('openssl', ['version']);
  requireTool(PYTHON, ['-c', 'import boto3']);
  sweepStaleNamespaces(NAMESPACE_PREFIX_ROOT);
  const probe = IsolatedNetwork.probe(NAMESPACE_PREFIX);
  if (!probe.ok) throw new Error(`the day-two test needs network namespaces (run as root): ${probe.reason}`);

  tmp = mkdtempSync(join(tmpdir(), 'hakube-day-two-'));
  outDir = join(tmp, 'out');
  // The whole generated folder, as `hakube generate` writes it.
  model = (await generate(TUTORIAL_SPEC, { outDir })).cluster.model;
  const vpc = parseCidr(model.network.vpcCIDR)!;

  network = new IsolatedNetwork(NAMESPACE_PREFIX, vpc.prefix);
  network.start();
  const client = network.addHost('client', hostAddress(vpc, 100));
  clientNamespace = client.namespace;
  s3Endpoint = `http://${client.address}:${S3_PORT}`;
  const s3Dir = join(tmp, 's3');
  mkdirSync(s3Dir);
  const s3rver = new URL('../../node_modules/s3rver/bin/s3rver.js', import.meta.url).pathname;
  s3 = new ServiceProcess(
    inNamespace(clientNamespace, process.execPath, [s3rver, '-d', s3Dir, '-a', client.address, '-p', String(S3_PORT), '--configure-bucket', BUCKET]),
    join(tmp, 's3rver.log'),
    LIFETIME_SECONDS,
  );
  s3.start();
  const s3Up = await eventually(async () => (await inNs(clientNamespace, PYTHON, ['-c', `import os, boto3; boto3.client("s3", region_name="us-west-2", endpoint_url=os.environ["AWS_ENDPOINT_URL"]).head_bucket(Bucket="${BUCKET}")`], S3_ENV(s3Endpoint))).code === 0, 30_000, 500);
  if (!s3Up) throw new Error(`s3rver did not start:\n${s3.logTail()}`);
  await uploadObjects();

  for (const member of model.controlPlane.members) {
    const root = join(tmp, 'machines', member.name);
    const binDir = join(root, 'test-bin');
    const pidFile = join(root, 'etcd.pid');
    mkdirSync(binDir, { recursive: true });
    const written = installWriteFiles(join(outDir, 'cloud-init', `${member.name}.yaml`), root, { bucket: BUCKET });
    writeFileSync(join(binDir, 'systemctl'), systemctlStandIn(pidFile));
    chmodSync(join(binDir, 'systemctl'), 0o755);
    const { namespace } = network.addHost(member.name, member.privateIp);
    const configFile = join(root, 'etcd.conf.yml');
    const machine: Machine = { name: member.name, address: member.privateIp, namespace, root, pidFile, binDir, configFile, etcdBinary: 'etcd', etcd: undefined as unknown as ServiceProcess };
    // The boot's fetch, with the generated fetch script and list, from the bucket.
    const list = join(root, 'boot-fetch-list');
    writeFileSync(list, rootedFetchList(written.get('/etc/kubernetes/hakube/bucket-objects')!, root));
    const fetched = await runOnMachine(machine, '/usr/local/sbin/hakube-fetch', [BUCKET, model.region, list]);
    if (fetched.code !== 0) throw new Error(`boot fetch on ${member.name}: ${fetched.stderr}`);
    const generated = etcdConfigFromCloudConfig(readFileSync(join(outDir, 'cloud-init', `${member.name}.yaml`), 'utf8'));
    const config = rootedEtcdConfig(forTestEtcd(generated, testEtcdMinor()), root);
    writeFileSync(configFile, stringify(config));
    machine.etcd = new ServiceProcess(inNamespace(namespace, ...supervisedEtcd(configFile, pidFile)), join(root, 'etcd.log'), LIFETIME_SECONDS);
    machines.push(machine);
  }
  for (const m of machines) m.etcd.start();
  await waitHealthy();
});

afterAll(async () => {
  const problems: string[] = [];
  for (const service of [...machines.map((m) => m.etcd), ...(s3 ? [s3] : [])]) {
    await service?.stop().catch((error: unknown) => problems.push(String(error)));
  }
  if (network) problems.push(...network.destroy());
  problems.push(...namespacesWithPrefix(NAMESPACE_PREFIX).map((ns) => `namespace ${ns} is left behind`));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  if (problems.length) throw new Error(`clean-up failed:\n${problems.join('\n')}`);
});

describe('certificate renewal on running members', () => {
  test('renews every member one at a time under a continuous writer: no write fails longer than one member restart, and every member then serves its new certificate', async () => {
    const before = new Map<string, { client: string; peer: string }>();
    for (const m of machines) before.set(m.name, { client: await servedSerial(m, 2379), peer: await servedSerial(m, 2380) });
    for (const m of machines) expect(before.get(m.name)!.client).toBe(fileSerial(pki(`etcd/members/${m.name}/server.crt`)));

    // hakube certs renew (everything is due with a long enough --within), then terraform apply's uploads.
    const { files, renewed } = await renewCertificates(model, await readPkiStore(outDir), new Date(), 400);
    for (const file of files) writeFileSync(join(outDir, file.path), file.content);
    expect(renewed.length).toBeGreaterThanOrEqual(6);
    expect(await uploadObjects(new Set(files.map((f) => f.path)))).toBeGreaterThanOrEqual(6 + 3);

    // A client writing through every member without pause, as the API servers do.
    const attempts: Array<{ start: number; end: number; ok: boolean; key: string }> = [];
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing && n < 100_000; n++) {
        const key = `/day-two/renewal/${String(n).padStart(6, '0')}`;
        const start = Date.now();
        const r = await etcdctl(['put', key, `write ${n}`], allEndpoints(), ['--dial-timeout=1s', '--command-timeout=2s']);
        attempts.push({ start, end: Date.now(), ok: r.code === 0, key });
      }
    })();

    const scriptLogs: string[] = [];
    try {
      // Each member's timer at its own hour: one after another.
      for (const m of machines) {
        const r = await runOnMachine(m, '/usr/local/sbin/hakube-cert-refresh');
        scriptLogs.push(`--- ${m.name} exit ${r.code} ---\n${r.stderr}`);
        expect(r.code, scriptLogs.join('\n') + logs()).toBe(0);
        expect(r.stderr).toContain('restarting etcd with its renewed certificates');
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      writing = false;
      await writer;
    }

    // Longest stretch in which writes failed: from the start of the first failed one to the end of the next success.
    let longestFailureMs = 0;
    let failingSince: number | undefined;
    for (const a of attempts) {
      if (!a.ok) failingSince ??= a.start;
      else if (failingSince !== undefined) {
        longestFailureMs = Math.max(longestFailureMs, a.end - failingSince);
        failingSince = undefined;
      }
    }
    expect(failingSince, 'the last writes failed').toBeUndefined();
    expect(attempts.filter((a) => a.ok).length).toBeGreaterThan(20);
    expect(longestFailureMs, `${attempts.filter((a) => !a.ok).length} failed writes of ${attempts.length}`).toBeLessThanOrEqual(ONE_MEMBER_RESTART_MS);

    for (const m of machines) {
      const server = fileSerial(pki(`etcd/members/${m.name}/server.crt`));
      const peer = fileSerial(pki(`etcd/members/${m.name}/peer.crt`));
      expect(await servedSerial(m, 2379)).toBe(server);
      expect(await servedSerial(m, 2380)).toBe(peer);
      expect(server).not.toBe(before.get(m.name)!.client);
      expect(peer).not.toBe(before.get(m.name)!.peer);
      // The old certificate is gone from the machine: its files are the renewed ones.
      expect(fileSerial(join(m.root, 'etc/kubernetes/pki/etcd/server.crt'))).toBe(server);
      expect(fileSerial(join(m.root, 'etc/kubernetes/pki/etcd/peer.crt'))).toBe(peer);
      expect(fileSerial(join(m.root, 'etc/kubernetes/pki/apiserver-etcd-client.crt'))).toBe(fileSerial(pki('apiserver-etcd-client.crt')));
    }
    // Every acknowledged write is there.
    const stored = await dump('/day-two/renewal/');
    for (const a of attempts.filter((x) => x.ok)) expect(stored.has(a.key), a.key).toBe(true);

    // A second run finds nothing new and restarts nothing.
    const again = await runOnMachine(machines[0]!, '/usr/local/sbin/hakube-cert-refresh');
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('0 renewed certificate(s) installed');
  });

  test('refuses a certificate from the bucket that the installed CA did not sign, and keeps the installed one', async () => {
    const victim = machines[1]!;
    const installed = readFileSync(join(victim.root, 'etc/kubernetes/pki/etcd/server.crt'));
    const foreign = join(tmp, 'foreign');
    mkdirSync(foreign);
    const openssl = (args: string[]) => expect(spawnSync('openssl', args, { cwd: foreign, timeout: 20_000 }).status).toBe(0);
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.crt', '-days', '1', '-subj', `/CN=${victim.name}`]);
    const key = `control-plane/members/${victim.name}/etcd/server`;
    await s3Call('put', `${key}.crt`, join(foreign, 'server.crt'), `${key}.key`, join(foreign, 'server.key'));
    const expiryReport = join(victim.root, DAY_TWO_PATHS.certExpiryReport);
    rmSync(expiryReport, { force: true });
    try {
      const r = await runOnMachine(victim, '/usr/local/sbin/hakube-cert-refresh');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('is not signed by');
      expect(readFileSync(join(victim.root, 'etc/kubernetes/pki/etcd/server.crt')).equals(installed)).toBe(true);
      // A refused refresh still ends with the expiry check of what is installed (fresh here: nothing due).
      const report = JSON.parse(readFileSync(expiryReport, 'utf8')) as { member: string; due: number; certificates: unknown[] };
      expect(report).toMatchObject({ member: victim.name, due: 0 });
      expect(report.certificates).toHaveLength(6);
    } finally {
      await uploadObjects(new Set([`pki/etcd/members/${victim.name}/server.crt`, `pki/etcd/members/${victim.name}/server.key`]));
    }
    await waitHealthy();
  });
});

/**
 * Stand-in for kubeadm, which cannot run here without a cluster: `kubeadm token create` prints a fresh token in
 * kubeadm's format and records its arguments in the machine's folder; anything else fails loudly.
 */
function kubeadmStandIn(callsFile: string): string {
  return `#!/bin/bash
set -euo pipefail
[ "$1 $2" = "token create" ] || { echo "kubeadm stand-in: unexpected $*" >&2; exit 2; }
printf '%s\\n' "$*" >>'${callsFile}'
echo "$(openssl rand -hex 3).$(openssl rand -hex 8)"
`;
}

describe('bootstrap token rotation', () => {
  test("only the etcd leader creates a 24h token, and it lands in both token objects, never in a log", async () => {
    const tokenKeys = ['control-plane/secrets/bootstrap-token', 'nodes/secrets/bootstrap-token'];
    const calls = (m: Machine) => join(m.root, 'kubeadm-calls');
    for (const m of machines) {
      writeFileSync(join(m.binDir, 'kubeadm'), kubeadmStandIn(calls(m)));
      chmodSync(join(m.binDir, 'kubeadm'), 0o755);
    }
    const published = async () => {
      const values: string[] = [];
      for (const key of tokenKeys) {
        const file = join(tmp, 'fetched-token');
        await s3Call('get', key, file);
        values.push(readFileSync(file, 'utf8'));
      }
      return values;
    };
    // Only Terraform's upload of the control-plane objects ran: nodes/ has no token yet; each round replaces it.
    let previous: string | undefined;
    for (const round of [1, 2]) {
      const results = await Promise.all(machines.map(async (m) => ({ m, r: await runOnMachine(m, '/usr/local/sbin/hakube-bootstrap-token') })));
      const report = results.map(({ m, r }) => `${m.name} exit ${r.code}: ${r.stderr}`).join('\n');
      for (const { r } of results) expect(r.code, report).toBe(0);
      const publishers = results.filter(({ r }) => r.stderr.includes('published bootstrap token'));
      expect(publishers, report).toHaveLength(1);
      const leader = publishers[0]!.m;
      for (const { m, r } of results) if (m !== leader) expect(r.stderr).toContain('does not lead etcd');

      const [forControlPlane, forNodes] = await published();
      expect(forNodes).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}\n$/);
      expect(forControlPlane).toBe(forNodes);
      expect(forNodes).not.toBe(previous);
      const [id, secret] = forNodes!.trim().split('.');
      expect(publishers[0]!.r.stderr).toContain(`published bootstrap token ${id} (valid 24h)`);
      for (const { r } of results) expect(r.stdout + r.stderr).not.toContain(secret);

      const leaderCalls = readFileSync(calls(leader), 'utf8').trim().split('\n');
      expect(leaderCalls).toHaveLength(round);
      expect(leaderCalls.at(-1)).toContain(`token create --kubeconfig ${leader.root}/etc/kubernetes/admin.conf --ttl 24h`);
      expect(leaderCalls.at(-1)).toContain('--groups system:bootstrappers:kubeadm:default-node-token');
      for (const m of machines) if (m !== leader) expect(existsSync(calls(m))).toBe(false);
      previous = forNodes;
    }
  });
});

/** The revision etcd answered a write with: what a watcher of that key holds afterwards (a resourceVersion). */
async function putRevision(key: string, value: string): Promise<number> {
  const r = await etcdctl(['put', key, value, '-w', 'json']);
  if (r.code !== 0) throw new Error(`put ${key}: ${r.stderr}\n${logs()}`);
  return Number((JSON.parse(r.stdout.replace(/:\s*(\d{16,})/g, ':"$1"')) as { header: { revision: number | string } }).header.revision);
}

describe('etcd snapshots to the bucket and a restore from them', () => {
  /*
   * etcd's disaster-recovery guide (etcd-io/website content/en/docs/v3.6/op-guide/recovery.md): restoring to an older
   * revision "may not correctly refresh the caches" of informers; `--bump-revision` keeps revisions from ever going
   * back and `--mark-compacted` "ensures that all watches are terminated". Debian 12's etcd 3.4 has neither flag
   * (they came with 3.5.10, CHANGELOG-3.5.md); the restore runs with Debian 13's etcd 3.5 (test/helpers/etcd-35.mjs),
   * the member's own etcd release as on the machines.
   */
  test('the leader uploads a snapshot; a cluster restored from it by the generated procedure has every key, revisions past every watcher’s, older ones compacted', async () => {
    const etcd35 = etcd35Tools();
    if (etcd35.kind === 'missing') throw new Error(`the restore needs etcd 3.5: ${etcd35.message}`);
    for (let i = 0; i < 50; i++) {
      const r = await etcdctl(['put', `/day-two/backup/${String(i).padStart(3, '0')}`, `value ${i}`]);
      expect(r.code, r.stderr).toBe(0);
    }
    // A running cluster's record of its last snapshot: the members that do not lead leave it alone.
    expect((await etcdctl(['put', SNAPSHOT_RECORD, String(Math.floor(Date.now() / 1000))])).code).toBe(0);
    const atSnapshot = await dump('/');

    const results = await Promise.all(machines.map(async (m) => ({ m, r: await runOnMachine(m, '/usr/local/sbin/hakube-etcd-snapshot') })));
    for (const { m, r } of results) expect(r.code, `${m.name}: ${r.stderr}`).toBe(0);
    const uploaders = results.filter(({ r }) => r.stderr.includes('uploaded s3://'));
    expect(uploaders, results.map(({ m, r }) => `${m.name}: ${r.stderr}`).join('\n')).toHaveLength(1);
    const leader = uploaders[0]!.m;
    const keys = (await s3Call('list', 'etcd-backups/')).split('\n').filter(Boolean);
    expect(keys).toHaveLength(1);
    const snapshotKey = keys[0]!;
    expect(snapshotKey).toMatch(new RegExp(`^etcd-backups/\\d{8}T\\d{6}Z-${leader.name}-rev\\d+\\.db$`));
    expect(readFileSync(join(leader.root, 'var/lib/hakube-etcd/last-snapshot'), 'utf8').trim()).toBe(snapshotKey);
    expect(readdirSync(join(leader.root, 'var/lib/hakube-etcd/snapshots'))).toEqual([]);

    // Written after the snapshot: the restore must not have it. A watcher (an API server's cache) now holds its revision.
    const watcherRevision = await putRevision('/day-two/after-snapshot', 'lost by the restore');

    // The operator: download, write the procedure (hakube etcd restore), stop every member, restore each, start all.
    const snapshotFile = join(tmp, 'snapshot.db');
    await s3Call('get', snapshotKey, snapshotFile);
    const procedureDir = join(tmp, 'etcd-restore');
    const procedure = restoreProcedure(model, snapshotKey, outDir);
    for (const file of procedure) {
      mkdirSync(procedureDir, { recursive: true });
      writeFileSync(join(procedureDir, file.path), file.content);
      chmodSync(join(procedureDir, file.path), file.mode ?? 0o644);
    }
    const script = Buffer.from(procedure.find((f) => f.path.endsWith('.sh'))!.content).toString('utf8');
    const bump = Number(/^REVISION_BUMP=(\d+)$/m.exec(script)?.[1]);
    expect(bump).toBe(1_000_000_000);

    const running = await runOnMachine(machines[0]!, join(procedureDir, `restore-${machines[0]!.name}.sh`), [snapshotFile]);
    expect(running.code, 'the restore ran while etcd was running').toBe(1);
    expect(running.stderr).toContain('etcd is running on this machine');

    for (const m of machines) {
      await m.etcd.stop();
      rmSync(m.pidFile, { force: true });
    }
    // With only etcd 3.4's etcdctl (no --bump-revision), the script refuses and leaves the data where it is.
    const old = await runOnMachine(machines[0]!, join(procedureDir, `restore-${machines[0]!.name}.sh`), [snapshotFile]);
    expect(old.code, old.stderr).toBe(1);
    expect(old.stderr).toContain('cannot bump the revision on restore');
    expect(existsSync(join(machines[0]!.root, 'var/lib/hakube-etcd/data'))).toBe(true);

    // Each machine's own etcd release: etcdutl 3.5 restores, etcd 3.5 serves the restored data.
    for (const m of machines) {
      for (const program of ['etcd', 'etcdutl']) symlinkSync(join(etcd35.dir, program), join(m.binDir, program));
      const r = await runOnMachine(m, join(procedureDir, `restore-${m.name}.sh`), [snapshotFile]);
      expect(r.code, `${m.name}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stderr).toContain(`(revision +${bump}, compacted)`);
      const kept = readdirSync(join(m.root, 'var/lib/hakube-etcd')).filter((name) => name.startsWith('data.before-restore-'));
      expect(kept, `${m.name} kept its old data`).toHaveLength(1);
    }
    for (const m of machines) {
      const generated = etcdConfigFromCloudConfig(readFileSync(join(outDir, 'cloud-init', `${m.name}.yaml`), 'utf8'));
      writeFileSync(m.configFile, stringify(rootedEtcdConfig(forTestEtcd(generated, '3.5'), m.root)));
      m.etcdBinary = join(etcd35.dir, 'etcd');
      m.etcd = new ServiceProcess(inNamespace(m.namespace, ...supervisedEtcd(m.configFile, m.pidFile, m.etcdBinary)), join(m.root, 'etcd.log'), LIFETIME_SECONDS);
      m.etcd.start();
    }
    await waitHealthy();
    const versions = await etcdctl(['endpoint', 'status', '-w', 'json']);
    for (const status of JSON.parse(versions.stdout.replace(/:\s*(\d{16,})/g, ':"$1"')) as Array<{ Status: { version: string } }>) {
      expect(status.Status.version).toBe(etcd35.version);
    }

    const restored = await dump('/');
    expect(restored).toEqual(atSnapshot);
    expect(restored.has('/day-two/after-snapshot')).toBe(false);
    const members = await etcdctl(['member', 'list', '-w', 'json']);
    const names = (JSON.parse(members.stdout.replace(/:\s*(\d{16,})/g, ':"$1"')) as { members: Array<{ name: string; peerURLs: string[] }> }).members
      .map((m) => `${m.name}=${m.peerURLs.join(',')}`)
      .sort();
    expect(names).toEqual(machines.map((m) => `${m.name}=https://${m.address}:2380`));
    expect(existsSync(snapshotFile)).toBe(true);

    // The watcher's view: the next write is past every revision it saw, and resuming its watch from there is
    // refused as compacted (its client lists afresh), instead of silently replaying other data under old numbers.
    const afterRestore = await putRevision('/day-two/after-restore', 'new');
    expect(afterRestore).toBeGreaterThan(watcherRevision);
    expect(afterRestore).toBeGreaterThan(bump);
    const resumed = await etcdctl(['watch', '/day-two/', '--prefix', `--rev=${watcherRevision + 1}`], allEndpoints(), ['--dial-timeout=2s', '--command-timeout=3s']);
    expect(`${resumed.stdout}${resumed.stderr}`).toContain('required revision has been compacted');
    const readOld = await etcdctl(['get', '/day-two/backup/000', `--rev=${watcherRevision}`]);
    expect(readOld.code).not.toBe(0);
    expect(readOld.stderr).toContain('required revision has been compacted');
  });
});

/** The database size a member reports (`endpoint status`), in bytes. */
async function dbSize(machine: Machine): Promise<number> {
  const r = await etcdctl(['endpoint', 'status', '-w', 'json'], `https://${machine.address}:2379`);
  if (r.code !== 0) throw new Error(`endpoint status of ${machine.name}: ${r.stderr}`);
  return Number((JSON.parse(r.stdout.replace(/:\s*(\d{16,})/g, ':"$1"')) as Array<{ Status: { dbSize: number | string } }>)[0]!.Status.dbSize);
}

/** Restarts a member's etcd with `extra` appended to its configuration (what the member runs and what its scripts read). */
/** Restarts `machine`'s etcd with `extra` appended to its configuration (and `without`, an earlier extra, taken out). */
async function restartWithConfig(machine: Machine, extra: string, without = ''): Promise<void> {
  await machine.etcd.stop();
  rmSync(machine.pidFile, { force: true });
  for (const file of [machine.configFile, join(machine.root, 'etc/etcd/etcd.conf.yml')]) writeFileSync(file, readFileSync(file, 'utf8').replace(without, '') + extra);
  machine.etcd = new ServiceProcess(inNamespace(machine.namespace, ...supervisedEtcd(machine.configFile, machine.pidFile, machine.etcdBinary)), join(machine.root, 'etcd.log'), LIFETIME_SECONDS);
  machine.etcd.start();
  await waitHealthy();
}

describe("etcd's database space: alarms and defragmentation", () => {
  /*
   * etcd's maintenance guide (etcd-io/website content/en/docs/v3.6/op-guide/maintenance.md): past its space quota
   * etcd "raises a cluster-wide alarm that puts the cluster into a maintenance mode which only accepts key reads and
   * deletes"; defragmentation "releases this storage space back to the file system" and "is issued on a per-member
   * basis so that cluster-wide latency spikes may be avoided"; the default quota is DefaultQuotaBytes, 2 GiB
   * (server/etcdserver/quota.go of etcd-io/etcd v3.5.33).
   */
  test('the hourly check passes on a healthy cluster; defragmentation runs on one member, and not while another is down', async () => {
    for (const m of machines) {
      const r = await runOnMachine(m, '/usr/local/sbin/hakube-etcd-space');
      expect(r.code, `${m.name}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toMatch(/no alarm; database \d+ of 2147483648 bytes \(0%\)/);
    }
    const defrag = await runOnMachine(machines[0]!, '/usr/local/sbin/hakube-etcd-space', ['defrag']);
    expect(defrag.code, defrag.stderr).toBe(0);
    expect(defrag.stderr).toMatch(/defragmented: \d+ -> \d+ bytes/);

    await machines[1]!.etcd.stop();
    rmSync(machines[1]!.pidFile, { force: true });
    try {
      const refused = await runOnMachine(machines[0]!, '/usr/local/sbin/hakube-etcd-space', ['defrag']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('not every member is healthy: no defragmentation now');
      expect(refused.stderr).not.toContain('defragmented');
    } finally {
      machines[1]!.etcd.start();
    }
    await waitHealthy();
  });

  test('a member past its quota raises NOSPACE: writes are refused and every member’s check fails loudly, naming it', async () => {
    const small = machines[2]!;
    // A quota just above what the member holds now: a few writes fill it.
    const quota = (await dbSize(small)) + 2 * 1024 * 1024;
    await restartWithConfig(small, `quota-backend-bytes: ${quota}\n`);
    const value = 'x'.repeat(100 * 1024);
    let refusedWrite: CommandResult | undefined;
    for (let i = 0; i < 200 && !refusedWrite; i++) {
      const r = await etcdctl(['put', `/day-two/space/${String(i).padStart(3, '0')}`, value]);
      if (r.code !== 0) refusedWrite = r;
    }
    expect(refusedWrite?.stderr, 'no write was refused').toContain('database space exceeded');
    const alarms = await etcdctl(['alarm', 'list']);
    expect(alarms.stdout).toContain('NOSPACE');

    const onSmall = await runOnMachine(small, '/usr/local/sbin/hakube-etcd-space');
    expect(onSmall.code).toBe(1);
    expect(onSmall.stderr).toMatch(/ALARM: memberID:\d+ alarm:NOSPACE/);
    expect(onSmall.stderr).toMatch(new RegExp(`WARNING: database \\d+ of ${quota} bytes \\((\\d+)%\\)`));
    const onOther = await runOnMachine(machines[0]!, '/usr/local/sbin/hakube-etcd-space');
    expect(onOther.code).toBe(1);
    expect(onOther.stderr).toContain('alarm:NOSPACE');
    expect(onOther.stderr).not.toContain('no alarm');

    // The cluster as the later tests need it: writes accepted again, the member back at the default quota.
    expect((await etcdctl(['alarm', 'disarm'])).code).toBe(0);
    await restartWithConfig(small, '', `quota-backend-bytes: ${quota}\n`);
    expect((await etcdctl(['alarm', 'disarm'])).code).toBe(0);
    expect((await etcdctl(['del', '/day-two/space/', '--prefix'])).code).toBe(0);
    expect((await etcdctl(['alarm', 'list'])).stdout).not.toContain('NOSPACE');
  });
});

/** The member that leads etcd now, as each member's own endpoint reports it. */
async function leaderOf(): Promise<Machine> {
  for (const m of machines) {
    const r = await etcdctl(['endpoint', 'status', '-w', 'fields'], `https://${m.address}:2379`);
    const value = (name: string) => new RegExp(`^"${name}" : (\\d+)$`, 'm').exec(r.stdout)?.[1];
    if (r.code === 0 && value('MemberID') !== undefined && value('MemberID') === value('Leader')) return m;
  }
  throw new Error(`no member says it leads etcd\n${logs()}`);
}

describe('a leader whose timers never run does not stop the snapshots', () => {
  test('the other members start the clock, one of them takes over once the last snapshot is two intervals old, and the record then holds them back', async () => {
    await waitHealthy();
    const leader = await leaderOf();
    const others = machines.filter((m) => m !== leader);
    const runOthers = () => Promise.all(others.map(async (m) => ({ m, r: await runOnMachine(m, '/usr/local/sbin/hakube-etcd-snapshot') })));
    const record = async () => Number((await etcdctl(['get', SNAPSHOT_RECORD, '--print-value-only'])).stdout.trim());
    const uploads = async () => (await s3Call('list', 'etcd-backups/')).split('\n').filter(Boolean);
    const before = await uploads();
    const now = () => Math.floor(Date.now() / 1000);

    // No record: the leader never ran. The others do not act; the first starts the clock.
    expect((await etcdctl(['del', SNAPSHOT_RECORD])).code).toBe(0);
    let results = await runOthers();
    let report = results.map(({ m, r }) => `${m.name} exit ${r.code}: ${r.stderr}`).join('\n');
    for (const { r } of results) expect(r.code, report).toBe(0);
    expect(results.filter(({ r }) => r.stderr.includes('uploaded s3://')), report).toHaveLength(0);
    expect(Math.abs((await record()) - now())).toBeLessThan(120);
    expect(await uploads()).toEqual(before);

    // The last snapshot is three hours old (two 30-minute intervals and the slack have passed): exactly one takes over.
    expect((await etcdctl(['put', SNAPSHOT_RECORD, String(now() - 3 * 3600)])).code).toBe(0);
    results = await runOthers();
    report = results.map(({ m, r }) => `${m.name} exit ${r.code}: ${r.stderr}`).join('\n');
    for (const { r } of results) expect(r.code, report).toBe(0);
    const takers = results.filter(({ r }) => r.stderr.includes('uploaded s3://'));
    expect(takers, report).toHaveLength(1);
    expect(takers[0]!.r.stderr).toMatch(/etcd-snapshot was last done 180 minutes ago: control-plane-\d takes over/);
    const added = (await uploads()).filter((k) => !before.includes(k));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(new RegExp(`^etcd-backups/\\d{8}T\\d{6}Z-${takers[0]!.m.name}-rev\\d+\\.db$`));
    expect(Math.abs((await record()) - now())).toBeLessThan(120);

    // Done just now: nobody but the leader acts.
    results = await runOthers();
    expect(results.filter(({ r }) => r.stderr.includes('uploaded s3://'))).toHaveLength(0);
    expect((await uploads()).length).toBe(before.length + 1);
  });
});
