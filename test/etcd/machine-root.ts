import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { unescapeTemplate, type EtcdConfig } from './member-config.js';

interface WriteFile {
  path: string;
  permissions: string;
  content: string;
}

/**
 * A control-plane machine's files as its cloud-init writes them, under `root` instead of `/`: the generated
 * cloud-config's write_files, with the Terraform template variables filled in (templatefile() does that on AWS).
 * Scripts run against it with HAKUBE_ROOT=root.
 */
export function installWriteFiles(cloudConfigPath: string, root: string, variables: Record<string, string>): Map<string, string> {
  let text = readFileSync(cloudConfigPath, 'utf8');
  // Variables first: in the escaped text a literal shell ${...} is still $${...}.
  for (const [name, value] of Object.entries(variables)) text = text.replace(new RegExp(`(?<!\\$)\\$\\{${name}\\}`, 'g'), value);
  const doc = parse(unescapeTemplate(text)) as { write_files: WriteFile[] };
  const written = new Map<string, string>();
  for (const file of doc.write_files) {
    const path = join(root, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    chmodSync(path, parseInt(file.permissions, 8));
    written.set(file.path, file.content);
  }
  return written;
}

/** A machine's fetch list (`key path mode` lines) with every path moved under `root`. */
export function rootedFetchList(list: string, root: string): string {
  return list
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [key, path, mode] = line.split(' ');
      return `${key} ${join(root, path!)} ${mode}\n`;
    })
    .join('');
}

/** The member's etcd configuration with every absolute path (files and data directory) moved under `root`. */
export function rootedEtcdConfig(config: EtcdConfig, root: string): EtcdConfig {
  const move = (value: unknown): unknown => {
    if (typeof value === 'string' && value.startsWith('/')) return join(root, value);
    if (Array.isArray(value)) return value.map(move);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, move(v)]));
    return value;
  };
  return move(config) as EtcdConfig;
}

/**
 * Stand-in for systemd on a machine of the test: etcd runs under a restart loop (the unit's Restart=always), whose
 * current etcd pid is in `pidFile`; `systemctl restart etcd.service` stops it with SIGTERM as systemd would, and the
 * loop starts it again; `is-active` says whether it runs. Any other call fails loudly.
 */
export function systemctlStandIn(pidFile: string): string {
  return `#!/bin/bash
case "$*" in
  "restart etcd.service") kill -TERM "$(cat '${pidFile}')" ;;
  "is-active --quiet etcd.service") [ -f '${pidFile}' ] && kill -0 "$(cat '${pidFile}')" 2>/dev/null ;;
  *) echo "systemctl stand-in: unexpected call: systemctl $*" >&2; exit 1 ;;
esac
`;
}

/** etcd (the `etcd` on PATH, or the binary named) under a restart loop, as systemd's Restart=always runs it (a shorter RestartSec keeps the test quick). */
export function supervisedEtcd(configFile: string, pidFile: string, etcd = 'etcd'): [string, string[]] {
  return ['bash', ['-c', `while :; do '${etcd}' --config-file '${configFile}' & echo $! >'${pidFile}'; wait $!; sleep 1; done`]];
}
