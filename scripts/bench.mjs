// npm run bench: wall time and peak memory of validate and generate on every example and on a
// large spec (5 zones, 5 control-plane members, 50 instance groups), measured with /usr/bin/time -v
// on the compiled CLI, plus in-process timings of the PKI (tutorial: ECDSA; private-multigroup: RSA).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin/hakube.js');
const timeBin = '/usr/bin/time';
if (!existsSync(timeBin)) {
  console.error('bench needs GNU time at /usr/bin/time (Debian package "time")');
  process.exit(1);
}

const specs = [
  ...readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml')).sort().map((f) => join('examples', f)),
  join('test', 'fixtures', 'large-cluster.yaml'),
];

function measure(args) {
  const r = spawnSync(timeBin, ['-v', process.execPath, bin, ...args], { cwd: root, encoding: 'utf8' });
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !wall || !rss) {
    console.error(`hakube ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
  const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  return { seconds, mib: Number(rss[1]) / 1024 };
}

const rows = [];
const scratch = mkdtempSync(join(tmpdir(), 'hakube-bench-'));
for (const spec of specs) {
  const out = join(scratch, spec.replace(/[/.]/g, '_'));
  const v = measure(['validate', spec]);
  const first = measure(['generate', spec, '--out', out]);
  const again = measure(['generate', spec, '--out', out]);
  rows.push([spec, v, first, again]);
}
rmSync(scratch, { recursive: true, force: true });

const fmt = (m) => `${m.seconds.toFixed(2)} s ${m.mib.toFixed(0).padStart(4)} MiB`;
const header = ['spec', 'validate', 'generate (new PKI)', 'generate (reuse)'];
const lines = rows.map(([spec, v, first, again]) => [spec, fmt(v), fmt(first), fmt(again)]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
console.log([header, ...lines].map((l) => l.map((c, i) => c.padEnd(widths[i])).join('   ')).join('\n'));

// The PKI alone, in-process: a fresh store (every key made) and a full store (everything reused).
const { validateFile } = await import(join(root, 'dist/spec/validate.js'));
const { emitPki } = await import(join(root, 'dist/pki/emit.js'));
const { emptyPkiStore, readPkiStore } = await import(join(root, 'dist/pki/store.js'));
const { writeOutput } = await import(join(root, 'dist/output/writer.js'));
const pkiLimit = 1;
const pkiRows = [];
for (const spec of ['examples/myfirstcluster.yaml', 'examples/private-multigroup.yaml']) {
  const { model } = validateFile(join(root, spec));
  let started = performance.now();
  const fresh = await emitPki(model, emptyPkiStore(), new Date());
  const created = (performance.now() - started) / 1000;
  const out = mkdtempSync(join(tmpdir(), 'hakube-bench-pki-'));
  writeOutput(join(out, 'o'), fresh.files);
  started = performance.now();
  await emitPki(model, readPkiStore(join(out, 'o')), new Date());
  const reused = (performance.now() - started) / 1000;
  rmSync(out, { recursive: true, force: true });
  pkiRows.push(`${spec} (${model.pki.keyAlgorithm}): create ${created.toFixed(2)} s, reuse ${reused.toFixed(2)} s`);
  if (spec.includes('myfirstcluster') && created >= pkiLimit) process.exitCode = 1;
}
console.log(`\nPKI in-process (bar: the tutorial's under ${pkiLimit} s to create):\n  ${pkiRows.join('\n  ')}`);

const large = rows.find(([spec]) => spec.includes('large-cluster'));
const limit = 5;
console.log(`\nlarge spec generate: ${large[2].seconds.toFixed(2)} s (bar: under ${limit} s)`);
if (large[2].seconds >= limit) process.exitCode = 1;
