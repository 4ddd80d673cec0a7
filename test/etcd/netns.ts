import { spawnSync } from 'node:child_process';

/** Every `ip` call is bounded: a wedged netlink call must not hang the suite. */
const IP_TIMEOUT_MS = 10_000;

function ip(args: string[]): { ok: boolean; output: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: IP_TIMEOUT_MS });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim();
  return { ok: r.status === 0, output };
}

function mustIp(args: string[]): void {
  const r = ip(args);
  if (!r.ok) throw new Error(`ip ${args.join(' ')} failed: ${r.output}`);
}

export interface HostInNetwork {
  /** Network namespace the host lives in. */
  namespace: string;
  address: string;
}

/**
 * An isolated layer-2 network: one bridge in its own namespace and one namespace per host, each joined to the
 * bridge by a veth pair and carrying its address with the network's prefix length, so every host reaches every
 * other directly. Nothing touches the root namespace, so the addresses cannot collide with the machine's own
 * networks (172.16.0.0/12 is where container runtimes put theirs).
 */
export class IsolatedNetwork {
  /** Namespaces created so far, the bridge's last: deleting them removes every link with them. */
  private readonly created: string[] = [];
  private readonly bridgeNamespace: string;
  private hostCount = 0;

  /** `prefix` names every namespace; it should hold the pid so parallel runs do not collide. */
  constructor(
    private readonly prefix: string,
    private readonly prefixLength: number,
  ) {
    this.bridgeNamespace = `${prefix}-bridge`;
  }

  /** Whether this process may create network namespaces (root with CAP_SYS_ADMIN and CAP_NET_ADMIN). */
  static probe(prefix: string): { ok: true } | { ok: false; reason: string } {
    const name = `${prefix}-probe`;
    const r = ip(['netns', 'add', name]);
    if (!r.ok) return { ok: false, reason: r.output };
    ip(['netns', 'del', name]);
    return { ok: true };
  }

  start(): void {
    this.addNamespace(this.bridgeNamespace);
    mustIp(['-n', this.bridgeNamespace, 'link', 'add', 'br0', 'type', 'bridge']);
    mustIp(['-n', this.bridgeNamespace, 'link', 'set', 'br0', 'up']);
  }

  /** A new namespace with `address` on its `eth0`, plugged into the bridge. */
  addHost(name: string, address: string): HostInNetwork {
    const namespace = `${this.prefix}-${name}`;
    this.addNamespace(namespace);
    this.hostCount += 1;
    // Interface names are limited to 15 characters, so the bridge side is numbered rather than named.
    const port = `port${this.hostCount}`;
    mustIp(['-n', this.bridgeNamespace, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace]);
    mustIp(['-n', this.bridgeNamespace, 'link', 'set', port, 'master', 'br0', 'up']);
    mustIp(['-n', namespace, 'link', 'set', 'lo', 'up']);
    mustIp(['-n', namespace, 'addr', 'add', `${address}/${this.prefixLength}`, 'dev', 'eth0']);
    mustIp(['-n', namespace, 'link', 'set', 'eth0', 'up']);
    return { namespace, address };
  }

  /**
   * Deletes every namespace this network made; returns what could not be deleted. Processes must be gone first:
   * a namespace that still has a process in it lives on after `ip netns del`.
   */
  destroy(): string[] {
    const failures: string[] = [];
    for (const namespace of [...this.created].reverse()) {
      const r = ip(['netns', 'del', namespace]);
      if (!r.ok) failures.push(`${namespace}: ${r.output}`);
    }
    this.created.length = 0;
    return failures;
  }

  private addNamespace(namespace: string): void {
    mustIp(['netns', 'add', namespace]);
    this.created.push(namespace);
  }
}

/** Namespaces named with `prefix` that still exist (for the test's own clean-up check). */
export function namespacesWithPrefix(prefix: string): string[] {
  return listNamespaces().filter((name) => name.startsWith(`${prefix}-`));
}

/** `ip netns list` prints `name (id: N)` once a namespace has a peer; the name is the first word. */
function listNamespaces(): string[] {
  return ip(['netns', 'list'])
    .output.split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name !== '');
}

/**
 * Deletes namespaces named `<root>-<pid>-...` whose pid is no longer alive: left by a run that was killed before
 * its clean-up. Namespaces of live runs are left alone.
 */
export function sweepStaleNamespaces(root: string): void {
  const pattern = new RegExp(`^${root}-(\\d+)-`);
  for (const name of listNamespaces()) {
    const pid = pattern.exec(name)?.[1];
    if (pid && !isAlive(Number(pid))) ip(['netns', 'del', name]);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
