import { spawnSync } from 'node:child_process';

/** The pid of a process that has ended (its number is not reused this soon). */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  if (r.pid === undefined) throw new Error('could not start a process to take its pid');
  return r.pid;
}
