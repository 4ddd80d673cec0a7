// npm run golden:update: regenerates generated/<cluster-name>/ for every example with the compiled
// CLI. The golden test compares a fresh generate with these committed files byte for byte. The folders are
// references, not clusters: every member's change is written at once (--all-members-at-once), as a fresh
// generation writes it, rather than one member per step.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml')).sort();
for (const example of examples) {
  const r = spawnSync(process.execPath, [join(root, 'bin/hakube.js'), 'generate', join('examples', example), '--all-members-at-once'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
