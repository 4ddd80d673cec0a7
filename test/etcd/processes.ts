import { createServer } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; it is killed after `timeoutMs` (code null then). */
export function run(command: string, args: string[], timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => resolve({ code: null, stdout, stderr: `${stderr}${String(error)}` }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `command` run inside a network namespace, or directly when there is none. */
export function inNamespace(namespace: string | undefined, command: string, args: string[]): [string, string[]] {
  return namespace ? ['ip', ['netns', 'exec', namespace, command, ...args]] : [command, args];
}

/** Polls `attempt` until it returns true, at most `timeoutMs`; returns whether it ever did. */
export async function eventually(attempt: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await attempt()) return true;
    if (Date.now() + intervalMs > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * A long-running process (an etcd member) with its output in a log file. It runs under timeout(1) in its own
 * process group: stopping signals the whole group, and a process left behind by a crashed test run still dies
 * after `lifetimeSeconds`.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly command: [string, string[]],
    private readonly logFile: string,
    private readonly lifetimeSeconds: number,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  start(): void {
    if (this.child) throw new Error(`${this.command[0]} is already running`);
    const log = openSync(this.logFile, 'a');
    const [command, args] = this.command;
    const child = spawn('timeout', ['--kill-after=5', String(this.lifetimeSeconds), command, ...args], {
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.on('exit', () => resolve());
      child.on('error', () => resolve());
    });
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
    });
  }

  /** Kills the process group (SIGKILL: a machine that is lost does not shut down cleanly) and waits for it. */
  async stop(waitMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
    const timedOut = Symbol('timed out');
    const result = await Promise.race([this.exited, new Promise((r) => setTimeout(() => r(timedOut), waitMs))]);
    if (result === timedOut) throw new Error(`process group ${child.pid} did not exit ${waitMs} ms after SIGKILL`);
    this.child = undefined;
  }

  /** Bytes logged so far: a mark for logSince. */
  logLength(): number {
    return existsSync(this.logFile) ? statSync(this.logFile).size : 0;
  }

  /** What was logged after the mark `logLength` returned. */
  logSince(mark: number): string {
    return readFileSync(this.logFile).subarray(mark).toString('utf8');
  }

  /** The last lines of the log, for failure messages. */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

/** A TCP port free on loopback right now (the kernel picks it), for a server a test starts. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
