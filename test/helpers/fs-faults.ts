import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * File-system faults made for real (as root): read-only bind mounts, immutable folders (chattr +i), full tmpfs
 * disks. Each is undone by undoFaults(), also when the test failed; call it from afterEach.
 */
const undo: (() => void)[] = [];
const temps: string[] = [];

export function sh(command: string): void {
  const r = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr}`);
}

/** A fresh folder under the system's temporary folder, removed by undoFaults(). */
export function faultTemp(prefix = 'hakube-faults-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Makes `dir` read-only (EROFS) through a bind mount of itself. */
export function mountReadOnly(dir: string): void {
  sh(`mount --bind '${dir}' '${dir}' && mount -o remount,bind,ro '${dir}'`);
  undo.push(() => sh(`umount '${dir}'`));
}

/** Makes `path` immutable: nothing in a folder can be created, removed or renamed (EPERM), even by root. */
export function makeImmutable(path: string): void {
  sh(`chattr +i '${path}'`);
  undo.push(() => sh(`chattr -i '${path}'`));
}

/** Mounts a tmpfs of `bytes` at the existing folder `dir`. */
export function mountSmallDisk(dir: string, bytes: number): void {
  sh(`mount -t tmpfs -o size=${bytes} tmpfs '${dir}'`);
  undo.push(() => sh(`umount '${dir}'`));
}

/** Fills the disk holding folder `dir` so that exactly `pages` 4 KiB pages stay free. */
export function fillDiskLeaving(dir: string, pages: number): void {
  sh(`cd '${dir}' && rm -f .fill .gap && head -c ${4096 * pages} /dev/zero > .gap && (head -c 1000000000 /dev/zero > .fill 2>/dev/null || true) && rm .gap`);
}

export function undoFaults(): void {
  for (const step of undo.splice(0).reverse()) step();
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}
