// npm run bench: CPU time and peak memory of hakube's commands, measured so a noisy two-core machine can be
// trusted: each case gets a warm-up, then repeated runs, each paired with a bare `node -e 0` measured right
// before it in the same run; it prints min/median/max CPU seconds (user + sys, from GNU time), the median of the
// paired ratios to bare Node, and the peak RSS. Cases: validate, generate (first run, rerun, rerun without the
// compile cache, first run with RSA keys), ha-report, get instancegroups, and generate of a 200-group spec against
// its 1-group twin. It runs bin/hakube.js, that is the bundle in dist/ (npm run bench builds it first).
// Options: --runs N (default 8). Needs GNU time at /usr/bin/time (Debian package "time").
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin/hakube.js');
const timeBin = '/usr/bin/time';
if (!existsSync(timeBin)) {
  console.error('npm run bench needs GNU time at /usr/bin/time: apt-get install time');
  process.exit(1);
}
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 8;
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs takes a whole number of runs');
  process.exit(2);
}

// The bundle's compile cache (scripts/vendor-cache.mjs) goes to a scratch folder, filled by each case's warm-up;
// pointing it at a file instead measures a run that has none (the first run after installing or upgrading).
const cacheScratch = mkdtempSync(join(tmpdir(), 'hakube-bench-cache-'));
const withCache = join(cacheScratch, 'cache');
const withoutCache = join(cacheScratch, 'not-a-folder');
writeFileSync(withoutCache, '');

/** CPU seconds (user + sys) and peak RSS (MiB) of one process. */
function measure(args, cwd = root, cacheHome = withCache) {
  const env = { ...process.env, XDG_CACHE_HOME: cacheHome };
  const r = spawnSync(timeBin, ['-f', '%U %S %M', process.execPath, ...args], { cwd, encoding: 'utf8', env });
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  const m = /^([\d.]+) ([\d.]+) (\d+)$/.exec(last);
  if (r.status !== 0 || !m) {
    console.error(`node ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
  return { cpu: Number(m[1]) + Number(m[2]), mib: Number(m[3]) / 1024 };
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The named exports of the sources, bundled into a scratch folder with esbuild and imported. */
async function importSources(exportLines) {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'hakube-bench-sources-'));
  try {
    const file = join(dir, 'sources.mjs');
    await build({
      stdin: { contents: exportLines.join('\n'), resolveDir: root, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: file,
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      logLevel: 'warning',
      // The sources find schemas/ and templates/ from their own location: keep each module's own import.meta.url.
      plugins: [
        {
          name: 'source-locations',
          setup(b) {
            b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => ({
              contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
              loader: 'ts',
            }));
          },
        },
      ],
    });
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'hakube-bench-'));
let outCounter = 0;
const freshOut = () => join(scratch, `out-${outCounter++}`);

/** Runs `argsOf()` once to warm up, then `runs` times, each after a bare node measured in the same moment. */
function bench(name, argsOf, cacheHome = withCache) {
  measure(argsOf(), root, cacheHome);
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const bare = measure(['-e', '0']);
    const run = measure(argsOf(), root, cacheHome);
    samples.push({ cpu: run.cpu, mib: run.mib, ratio: run.cpu / Math.max(bare.cpu, 0.001), bare: bare.cpu });
  }
  const cpus = samples.map((s) => s.cpu);
  return {
    name,
    min: Math.min(...cpus),
    median: median(cpus),
    max: Math.max(...cpus),
    ratio: median(samples.map((s) => s.ratio)),
    bare: median(samples.map((s) => s.bare)),
    mib: Math.max(...samples.map((s) => s.mib)),
  };
}

/** The tutorial with `groups` worker groups (one worker each), for the growth measurement. */
function groupsSpec(groups) {
  const text = readFileSync(join(root, 'examples/myfirstcluster.yaml'), 'utf8');
  const start = text.indexOf('  instanceGroups:\n');
  const end = text.indexOf('  addons:\n');
  const list = Array.from({ length: groups }, (_, i) => `    - name: g${i + 1}\n      instanceType: t3.medium\n      minSize: 1\n      maxSize: 1\n`).join('');
  const file = join(scratch, `groups-${groups}.yaml`);
  writeFileSync(file, `${text.slice(0, start)}  instanceGroups:\n${list}${text.slice(end)}`);
  return file;
}

const tutorial = 'examples/myfirstcluster.yaml';
const rsa = 'examples/private-multigroup.yaml';
const rerunOut = freshOut();
measure([bin, 'generate', tutorial, '--out', rerunOut]);
const one = groupsSpec(1);
const many = groupsSpec(200);
const oneOut = freshOut();
const manyOut = freshOut();
measure([bin, 'generate', one, '--out', oneOut]);
measure([bin, 'generate', many, '--out', manyOut]);

const results = [
  bench('validate (tutorial)', () => [bin, 'validate', tutorial]),
  bench('generate, first run (tutorial, ECDSA)', () => [bin, 'generate', tutorial, '--out', freshOut()]),
  bench('generate, rerun (tutorial, unchanged)', () => [bin, 'generate', tutorial, '--out', rerunOut]),
  bench('generate, rerun, no compile cache', () => [bin, 'generate', tutorial, '--out', rerunOut], withoutCache),
  bench('generate, first run (RSA example)', () => [bin, 'generate', rsa, '--out', freshOut()]),
  bench('ha-report (tutorial)', () => [bin, 'ha-report', tutorial]),
  bench('get instancegroups (tutorial)', () => [bin, 'get', 'instancegroups', tutorial]),
  bench('generate, rerun (1 group)', () => [bin, 'generate', one, '--out', oneOut]),
  bench('generate, rerun (200 groups)', () => [bin, 'generate', many, '--out', manyOut]),
];
rmSync(scratch, { recursive: true, force: true });
rmSync(cacheScratch, { recursive: true, force: true });

const header = ['command', 'CPU min', 'median', 'max', 'x bare node', 'peak RSS'];
const rows = results.map((r) => [r.name, `${r.min.toFixed(2)} s`, `${r.median.toFixed(2)} s`, `${r.max.toFixed(2)} s`, `${r.ratio.toFixed(1)}x`, `${r.mib.toFixed(0)} MiB`]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((l) => l[i].length)));
console.log(`${runs} runs per command after a warm-up; bare node -e 0: median ${median(results.map((r) => r.bare)).toFixed(2)} s CPU\n`);
console.log([header, ...rows].map((l) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ')).join('\n'));
const growth = results.at(-1).median / results.at(-2).median;
console.log(`\ngrowth from 1 to 200 worker groups (generate, rerun): ${growth.toFixed(2)}x`);

// The PKI alone, in-process: a fresh store (every key made) and a full store (everything reused). The sources
// are bundled for this (the CLI's bundle exports only main()), each module keeping its own location.
const { validateFile, emitPki, emptyPkiStore, readPkiStore, writeOutput } = await importSources([
  "export { validateFile } from './src/spec/validate.ts';",
  "export { emitPki } from './src/pki/emit.ts';",
  "export { emptyPkiStore, readPkiStore } from './src/pki/store.ts';",
  "export { writeOutput } from './src/output/writer.ts';",
]);
const pkiRows = [];
for (const spec of [tutorial, rsa]) {
  const { model } = validateFile(join(root, spec));
  let started = performance.now();
  const fresh = await emitPki(model, emptyPkiStore(), new Date());
  const created = (performance.now() - started) / 1000;
  const out = mkdtempSync(join(tmpdir(), 'hakube-bench-pki-'));
  writeOutput(join(out, 'o'), fresh.files);
  started = performance.now();
  await emitPki(model, await readPkiStore(join(out, 'o')), new Date());
  const reused = (performance.now() - started) / 1000;
  rmSync(out, { recursive: true, force: true });
  pkiRows.push(`${spec} (${model.pki.keyAlgorithm}): create ${created.toFixed(2)} s, reuse ${reused.toFixed(2)} s`);
}
console.log(`\nPKI in-process (wall):\n  ${pkiRows.join('\n  ')}`);
