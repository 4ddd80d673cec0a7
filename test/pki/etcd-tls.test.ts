import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../etcd/processes.js';
import { generateInto, modelOf, tempDir, TUTORIAL } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a real etcd accepts the generated certificates', () => {
  const out = tempDir();
  let etcd: ChildProcess | undefined;
  let etcdExited: Promise<void> = Promise.resolve();
  let clientUrl = '';
  const etcdctl = (cert: string, ...args: string[]) =>
    spawnSync('etcdctl', ['--endpoints', clientUrl, '--cacert', join(out, 'pki/etcd/ca.crt'), '--cert', join(out, `${cert}.crt`), '--key', join(out, `${cert}.key`), '--dial-timeout', '3s', '--command-timeout', '5s', ...args], {
      encoding: 'utf8',
      env: { ...process.env, ETCDCTL_API: '3' },
      timeout: 15_000,
    });

  beforeAll(async () => {
    await generateInto(out, modelOf(TUTORIAL));
    const [clientPort, peerPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    clientUrl = `https://127.0.0.1:${clientPort}`;
    const peerUrl = `https://127.0.0.1:${peerPort}`;
    const member = join(out, 'pki/etcd/members/control-plane-1');
    etcd = spawn('etcd', [
      '--name', 'control-plane-1',
      '--data-dir', join(out, 'etcd-data'),
      '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `control-plane-1=${peerUrl}`,
      '--client-cert-auth', '--trusted-ca-file', join(out, 'pki/etcd/ca.crt'),
      '--cert-file', join(member, 'server.crt'), '--key-file', join(member, 'server.key'),
      '--peer-client-cert-auth', '--peer-trusted-ca-file', join(out, 'pki/etcd/ca.crt'),
      '--peer-cert-file', join(member, 'peer.crt'), '--peer-key-file', join(member, 'peer.key'),
    ], { stdio: 'ignore' });
    // A spawn failure arrives as an event; without a listener it would be an uncaught exception.
    let spawnError: Error | undefined;
    etcd.on('error', (error) => (spawnError = error));
    const exited = new Promise<void>((resolve) => etcd?.on('close', () => resolve()));
    etcdExited = exited;
    // Bounded: 60 s is ample for one member even on a busy machine.
    for (let attempt = 0; attempt < 240; attempt++) {
      if (spawnError) throw new Error(`cannot start etcd (Debian package etcd-server): ${spawnError.message}`);
      if (etcdctl('pki/etcd/healthcheck-client', 'endpoint', 'health').status === 0) return;
      await sleep(250);
    }
    throw new Error('etcd did not become healthy within 60 s');
  });

  afterAll(async () => {
    if (etcd?.exitCode === null && etcd.pid !== undefined) {
      etcd.kill('SIGKILL');
      await etcdExited;
    }
  });

  it('serves the API server client certificate over mutual TLS', () => {
    expect(etcdctl('pki/apiserver-etcd-client', 'put', 'hakube', 'ok').status).toBe(0);
    const get = etcdctl('pki/apiserver-etcd-client', 'get', 'hakube', '--print-value-only');
    expect(get.stdout.trim()).toBe('ok');
  });

  it('refuses a client certificate from the Kubernetes CA', () => {
    const result = etcdctl('pki/admin', 'get', 'hakube');
    expect(result.status).not.toBe(0);
    expect(`${result.stderr}`).toMatch(/certificate|tls|deadline/i);
  });
});
