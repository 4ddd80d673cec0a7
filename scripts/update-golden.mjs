// npm run golden:update: regenerates generated/<cluster-name>/ for every example with the compiled CLI. The golden
// test (test/golden/golden.test.ts) generates each example into a fresh folder and compares it with the committed
// files; this script does the same generation and writes back exactly the files that test would call drifted, so it
// works in a clone without keys (pki/ is never committed) and leaves key-material hashes alone when nothing else in
// their file changed. A local pki/ or users/ in generated/<name>/ is never touched.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { comparable, recordAsWrittenByHakube, UNCOMMITTED } from '../test/helpers/golden-mask.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every file under `dir` as sorted '/'-separated relative paths, key material left out. */
function committedFiles(dir, prefix = '') {
  if (!existsSync(join(dir, prefix))) return [];
  const out = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (UNCOMMITTED.some((u) => `${rel}/`.startsWith(u))) continue;
    if (e.isDirectory()) out.push(...committedFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml')).sort();
const scratch = mkdtempSync(join(tmpdir(), 'hakube-golden-update-'));
try {
  for (const example of examples) {
    const name = /^ {2}name: (\S+)$/m.exec(readFileSync(join(root, 'examples', example), 'utf8'))[1];
    const fresh = join(scratch, name);
    const r = spawnSync(process.execPath, [join(root, 'bin/hakube.js'), 'generate', join('examples', example), '--out', fresh], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) {
      process.stderr.write(r.stderr);
      process.exit(r.status ?? 1);
    }
    const golden = join(root, 'generated', name);
    const freshFiles = committedFiles(fresh);
    let changed = 0;
    for (const f of freshFiles) {
      const bytes = readFileSync(join(fresh, f));
      const target = join(golden, f);
      if (existsSync(target) && comparable(f, bytes).equals(comparable(f, readFileSync(target)))) continue;
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, bytes);
      changed++;
    }
    const stale = committedFiles(golden).filter((f) => !freshFiles.includes(f));
    for (const f of stale) rmSync(join(golden, f));
    // The record of what hakube wrote hashes the committed files: keep it true of the files kept above (whose
    // key-material hashes may be the earlier run's), so the folder passes hakube's own hand-edit check.
    recordAsWrittenByHakube(golden);
    console.log(`generated/${name}: ${changed} written, ${stale.length} removed`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
