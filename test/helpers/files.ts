import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under `dir` as sorted '/'-separated relative paths; [] when `dir` does not exist. */
export function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(join(dir, prefix))) return [];
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}
