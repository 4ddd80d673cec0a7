// npm run build: bundles the CLI with esbuild into dist/, which bin/hakube.js runs. ES modules with code
// splitting: src/cli/main.ts imports each command on use, so a run loads only its command's chunks (cdktf and
// the provider bindings only for the commands that write Terraform). Everything the CLI reads from the package
// is put into the bundle here: the schema with its validator compiled ahead of time (ajv standalone), the
// templates precompiled by Handlebars, and the version. No runtime dependencies remain.
// Options: --no-minify (readable output; minified starts faster: see npm run bench).
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fasterCdktfResolve } from './cdktf-resolve-fast-path.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const minify = !process.argv.includes('--no-minify');

const common = { bundle: true, platform: 'node', target: 'node20.19', format: 'esm', logLevel: 'warning' };
// CommonJS dependencies require() Node's modules; an ES module bundle has no require of its own.
const requireShim = "import { createRequire as __hakubeCreateRequire } from 'node:module'; const require = __hakubeCreateRequire(import.meta.url);";

/** The build-time helpers from the sources, bundled and imported, so the bundle embeds what the sources read. */
async function buildTimeHelpers() {
  const entry = [
    "export { standaloneSchemaValidatorModule } from './src/spec/schema-validator.ts';",
    "export { precompiledTemplatesModule } from './src/emit/cloudinit/template-sources.ts';",
  ].join('\n');
  const scratch = mkdtempSync(join(tmpdir(), 'hakube-build-'));
  try {
    const file = join(scratch, 'helpers.mjs');
    await build({ ...common, stdin: { contents: entry, resolveDir: root, loader: 'ts' }, outfile: file, banner: { js: requireShim } });
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const helpers = await buildTimeHelpers();
const schema = JSON.parse(readFileSync(join(root, 'schemas/cluster.schema.json'), 'utf8'));
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

/** Source modules the bundle takes with their file reads done now; same exports as the source module. */
const embedded = [
  { module: 'src/spec/schema-validator.ts', contents: () => helpers.standaloneSchemaValidatorModule(schema) },
  { module: 'src/emit/cloudinit/template-sources.ts', contents: () => helpers.precompiledTemplatesModule(join(root, 'templates')) },
  { module: 'src/cli/package-version.ts', contents: () => `export function packageVersion() { return ${JSON.stringify(version)}; }\n` },
];

const embedAssets = {
  name: 'embed-assets',
  setup(b) {
    for (const { module, contents } of embedded) {
      const path = join(root, module);
      const filter = new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
      b.onLoad({ filter }, () => ({ contents: contents(), loader: 'js', resolveDir: dirname(path) }));
    }
    // cdktf records a full stack trace (Error.stackTraceLimit = infinity) for every token it makes, used only
    // in its error messages; at 200 worker groups that was 0.3 s of a generate. The bundle records none.
    b.onLoad({ filter: /[\\/]cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]stack-trace\.js$/ }, () => ({
      contents: 'exports.captureStackTrace = function captureStackTrace() { return []; };\n',
      loader: 'js',
    }));
    // cdktf zips TerraformAsset folders with archiver (and its streams, glob and lodash); hakube makes no asset, yet
    // loading archiver was 14 ms of every generate. The bundle's archiver refuses to run instead.
    b.onResolve({ filter: /^archiver$/ }, (args) => (/[\\/]cdktf[\\/]lib[\\/]private[\\/]fs\.js$/.test(args.importer) ? { path: 'archiver', namespace: 'hakube-no-archiver' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'hakube-no-archiver' }, () => ({
      contents: "module.exports = function archiver() { throw new Error('hakube bundles no archiver: cdktf assets are not supported'); };\n",
      loader: 'js',
    }));
    b.onLoad({ filter: /[\\/]cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]resolve\.js$/ }, (args) => ({
      contents: fasterCdktfResolve(readFileSync(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

rmSync(dist, { recursive: true, force: true });
const result = await build({
  ...common,
  entryPoints: { main: join(root, 'src/cli/main.ts') },
  outdir: dist,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  minify,
  // Licence comments of the bundled packages go to one file per output file rather than inline.
  legalComments: 'linked',
  banner: { js: requireShim },
  plugins: [embedAssets],
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`dist/: ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1e6).toFixed(1)} MB${minify ? ' (minified)' : ''}`);
