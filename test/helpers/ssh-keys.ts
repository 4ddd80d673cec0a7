import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real ed25519 public key (made with ssh-keygen; its private half was discarded), without a comment. */
export const TEST_SSH_PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILfkGKDopg6HB5d1C2fekCFwltQ8e2XvePwtsXHvFJEK';

/** The public line of a fresh key from the real ssh-keygen (e.g. "rsa", "2048"); the private half is deleted at once. */
export function generatedPublicKey(type: string, bits?: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-sshkey-'));
  try {
    const file = join(dir, 'key');
    const r = spawnSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', 'test', '-f', file], { encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new Error(`ssh-keygen -t ${type} failed: ${r.error?.message ?? r.stderr}`);
    return readFileSync(`${file}.pub`, 'utf8').trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the real `ssh-keygen -l` says of a public key line: its exit status and output. */
export function sshKeygenFingerprint(line: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-sshkey-'));
  try {
    const file = join(dir, 'key.pub');
    writeFileSync(file, `${line}\n`);
    const r = spawnSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' });
    if (r.error) throw new Error(`ssh-keygen is not runnable: ${r.error.message}`);
    return { status: r.status, output: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
