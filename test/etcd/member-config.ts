import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { BucketObject } from '../../src/model/bucket-layout.js';

export const ETCD_CONFIG_PATH = '/etc/etcd/etcd.conf.yml';

export type EtcdConfig = Record<string, unknown>;

/** Cloud-init files are Terraform templatefile() templates: `$${` and `%%{` stand for literal `${` and `%{`. */
export function unescapeTemplate(text: string): string {
  return text.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

interface WriteFile {
  path?: unknown;
  content?: unknown;
  encoding?: unknown;
}

/** The etcd configuration document a member's cloud-config writes to /etc/etcd/etcd.conf.yml. */
export function etcdConfigFromCloudConfig(cloudConfigText: string): EtcdConfig {
  const text = unescapeTemplate(cloudConfigText);
  if (!text.startsWith('#cloud-config\n')) throw new Error('the cloud-init file does not start with #cloud-config');
  const doc = parse(text) as { write_files?: WriteFile[] } | null;
  const entries = (doc?.write_files ?? []).filter((entry) => entry.path === ETCD_CONFIG_PATH);
  if (entries.length !== 1) throw new Error(`expected one write_files entry for ${ETCD_CONFIG_PATH}, found ${entries.length}`);
  const [entry] = entries as [WriteFile];
  if (typeof entry.content !== 'string') throw new Error(`the write_files entry for ${ETCD_CONFIG_PATH} has no text content`);
  const encoding = entry.encoding ?? 'text/plain';
  let content: string;
  if (encoding === 'text/plain') content = entry.content;
  else if (encoding === 'b64' || encoding === 'base64') content = Buffer.from(entry.content, 'base64').toString('utf8');
  else throw new Error(`unexpected encoding ${String(encoding)} for ${ETCD_CONFIG_PATH}`);
  const config = parse(content) as unknown;
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new Error(`${ETCD_CONFIG_PATH} is not a YAML mapping`);
  return config as EtcdConfig;
}

/**
 * The member's configuration as it would run on this machine: every file path the machine installs from the
 * bucket points at the generated file it comes from, and the data directory moves into `dataDir`. Nothing else
 * changes; any other absolute path is an error, so the test never writes outside its temp folder.
 */
export function localizeConfig(config: EtcdConfig, member: string, objects: BucketObject[], outDir: string, dataDir: string): EtcdConfig {
  const installed = new Map<string, string>();
  for (const object of objects) {
    if (object.member === undefined || object.member === member) installed.set(object.installPath, join(outDir, object.source));
  }
  const localize = (value: unknown, key: string): unknown => {
    if (key === 'data-dir') return dataDir;
    if (typeof value === 'string' && value.startsWith('/')) {
      const local = installed.get(value);
      if (!local) throw new Error(`${key}: ${value} is neither the data directory nor a file the bucket delivers to ${member}`);
      return local;
    }
    if (Array.isArray(value)) return value.map((item) => localize(item, key));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, localize(v, k)]));
    }
    return value;
  };
  if (typeof config['data-dir'] !== 'string') throw new Error('the etcd configuration has no data-dir');
  return localize(config, '') as EtcdConfig;
}

/** The minor version of the etcd binary the tests run (Debian's etcd-server), e.g. "3.4". */
export function testEtcdMinor(): string {
  const r = spawnSync('etcd', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = /etcd Version: (\d+\.\d+)\./.exec(r.stdout ?? '')?.[1];
  if (!version) throw new Error(`cannot tell the etcd version from \`etcd --version\`: ${r.error?.message ?? r.stdout + r.stderr}`);
  return version;
}

/**
 * The member's configuration for the etcd binary the tests run. Clusters run etcd 3.5 or 3.6, this machine runs
 * 3.4 (and, for the restore, Debian 13's 3.5), which ignore config-file keys they do not know without a word: 3.6's
 * names for kubeadm's hardening (`feature-gates: InitialCorruptCheck=true`, `watch-progress-notify-interval`) would
 * silently do nothing here. 3.4 and 3.5 know the `experimental-` names (the corruption check since 3.3, the progress
 * interval since 3.4), so for those binaries, and only for them, the 3.6 names become those; every other key, and
 * any other binary, is left as is.
 */
export function forTestEtcd(config: EtcdConfig, etcdMinor: string): EtcdConfig {
  if ((etcdMinor !== '3.4' && etcdMinor !== '3.5') || !('feature-gates' in config)) return config;
  const { 'feature-gates': gates, 'watch-progress-notify-interval': interval, ...rest } = config;
  if (gates !== 'InitialCorruptCheck=true') throw new Error(`feature-gates ${String(gates)}: only InitialCorruptCheck=true has a 3.4 name`);
  return { ...rest, 'experimental-initial-corrupt-check': true, 'experimental-watch-progress-notify-interval': interval };
}
