import { closeSync, fstatSync, lstatSync, openSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import { FileTooLargeError, NotRegularFileError, readRegularFileBounded } from '../bounded-read.js';
import { UserError } from '../errors.js';
import { asUserFsError, describeKind } from './fs-errors.js';
import { swapStem } from './swap-names.js';

/** How long a second run waits for the first before giving up. */
const WAIT_MS = 5_000;
const POLL_MS = 100;
/** A takeover marker or an empty lock older than this was left by a run that died at that moment; it is removed. */
const TAKEOVER_STALE_MS = 10_000;
/** A lock hakube wrote is about a hundred bytes; a bigger file at the lock path is something else. */
const LOCK_FILE_LIMIT = 4 * 1024;

interface LockHolder {
  pid: number;
  host: string;
  started: string;
}

export interface OutputLock {
  path: string;
  release(): void;
}

/** Whether process `pid` of this machine still runs (EPERM: it runs under another user). */
export function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Something at the lock path that no run of hakube made: never followed, read or waited on; only the user can tell what it is. */
function notALock(path: string, lockOf: string, what: string): UserError {
  return new UserError(`cannot lock ${lockOf}: ${path} is ${what}, not a lock file hakube wrote; remove it, then run again`);
}

/** The lock at `path`, or undefined if there is none (any more). A lock path holding anything but a small regular file is refused. */
function readHolder(path: string, lockOf: string): { holder?: LockHolder; text: string } | undefined {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    asUserFsError(err, 'read the lock', path);
  }
  if (!stats.isFile()) throw notALock(path, lockOf, describeKind(stats));
  let text: string;
  try {
    // No-follow and non-blocking: the path may have been swapped for a link or a FIFO since the lstat.
    text = readRegularFileBounded(path, LOCK_FILE_LIMIT).toString('utf8');
  } catch (err) {
    if (err instanceof NotRegularFileError) throw notALock(path, lockOf, 'not a regular file');
    if (err instanceof FileTooLargeError) throw notALock(path, lockOf, `larger than ${LOCK_FILE_LIMIT} bytes`);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    asUserFsError(err, 'read the lock', path);
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.started === 'string') {
      return { holder: { pid: parsed.pid, host: parsed.host, started: parsed.started }, text };
    }
  } catch {
    // A lock file caught between its creation and its write: alive, unless it stays so (see olderThan).
  }
  return { text };
}

function olderThan(path: string, ms: number): boolean {
  try {
    // The entry itself: a symbolic link left at a marker path is as removable as a file.
    return Date.now() - lstatSync(path).mtimeMs > ms;
  } catch {
    return false;
  }
}

/** Creates `path` only if it does not exist, holding `text`. False when it exists. */
function createExclusive(path: string, text: string, lockOf: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    asUserFsError(err, 'lock', lockOf);
  }
  try {
    writeSync(fd, text);
  } catch (err) {
    rmSync(path, { force: true });
    asUserFsError(err, 'lock', lockOf);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes the lock of a run that is gone (same host, pid no longer running). Only one run at a time takes over,
 * through a second exclusive marker, and only if the lock still holds what was read as stale. True when it removed
 * the lock (or a dead run's marker), so trying again at once may succeed.
 */
function takeOverStale(path: string, staleText: string, lockOf: string): boolean {
  const marker = `${path}.takeover`;
  if (!createExclusive(marker, String(process.pid), lockOf)) {
    if (!olderThan(marker, TAKEOVER_STALE_MS)) return false;
    rmSync(marker, { force: true });
    return true;
  }
  try {
    if (readHolder(path, lockOf)?.text !== staleText) return false;
    rmSync(path, { force: true });
    return true;
  } finally {
    rmSync(marker, { force: true });
  }
}

/**
 * Takes the exclusive lock of an output folder: a file beside it, created with O_EXCL, naming this process. A lock
 * held by a live run is waited for briefly, then refused naming the holder; one whose process is gone is taken
 * over. The parent folder must exist.
 */
export function lockOutputFolder(outDir: string): OutputLock {
  const path = `${swapStem(outDir)}lock`;
  const mine: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const text = `${JSON.stringify(mine)}\n`;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (createExclusive(path, text, outDir)) break;
    const found = readHolder(path, outDir);
    const holder = found?.holder;
    if (found) {
      const abandoned = holder ? holder.host === mine.host && !processRuns(holder.pid) : olderThan(path, TAKEOVER_STALE_MS);
      if (abandoned && takeOverStale(path, found.text, outDir)) continue;
    }
    // Whatever was found, and also when the lock could be neither created nor read: never past the deadline.
    if (Date.now() >= deadline) {
      const who = holder ? `process ${holder.pid} on ${holder.host}, since ${holder.started}` : 'a run that is starting';
      throw new UserError(
        `${outDir} is being written by another hakube run (${who}; lock ${path}); wait for it to finish, or remove the lock if that process is gone`,
      );
    }
    sleep(POLL_MS);
  }
  const fd = openSync(path, 'r');
  const ino = fstatSync(fd).ino;
  closeSync(fd);
  return {
    path,
    release() {
      // Only our own lock: a lock file replaced meanwhile (by hand) belongs to someone else.
      try {
        if (statSync(path).ino === ino) rmSync(path, { force: true });
      } catch {
        // Already gone.
      }
    },
  };
}
