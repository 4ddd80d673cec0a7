// npm run build: bundles the CLI with esbuild into dist/, which bin/hakube.js runs. ES modules with code
// splitting: src/cli/main.ts imports each command on use, so a run loads only its command's chunks (cdktf and
// the provider bindings only for the commands that write Terraform). Everything the CLI reads from the package
// is put into the bundle here: the schema with its validator compiled ahead of time (ajv standalone), the
// templates precompiled by Handlebars, and the version. No runtime dependencies remain. cdktf with the provider
// bindings, @peculiar/x509, and yaml are bundled apart as CommonJS (dist/chunks/vendor-*.cjs) and loaded through a V8
// code cache kept in the user's cache folder (scripts/vendor-cache.mjs): Node 20 caches no ES module's code.
// Options: --no-minify (readable output; minified starts faster: see npm run bench).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fasterCdktfResolve, fasterCdktfStack } from './cdktf-resolve-fast-path.mjs';

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
  },
};

/** Edits of cdktf's own files, made where it is bundled. */
const cdktfEdits = {
  name: 'cdktf-edits',
  setup(b) {
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
    b.onLoad({ filter: /[\\/]cdktf[\\/]lib[\\/]terraform-stack\.js$/ }, (args) => ({
      contents: fasterCdktfStack(readFileSync(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

/**
 * Third-party packages bundled as CommonJS into dist/chunks/vendor-<group>.cjs, to be compiled through a V8 code
 * cache (scripts/vendor-cache.mjs): the packages matching `packages`, by each specifier the sources import.
 */
const vendorGroups = [
  { group: 'terraform', packages: /^(cdktf|constructs|@cdktf\/provider-aws)(\/|$)/ },
  { group: 'pki', packages: /^@peculiar\/x509$/ },
  { group: 'yaml', packages: /^yaml$/ },
];

function sourceFilesOf(dir, suffix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFilesOf(join(dir, e.name), suffix) : e.name.endsWith(suffix) ? [join(dir, e.name)] : []));
}

/** Each value import specifier of the sources (type-only imports leave nothing in the bundle). */
function importedSpecifiers() {
  const found = new Set();
  for (const file of sourceFilesOf(join(root, 'src'), '.ts')) {
    for (const m of readFileSync(file, 'utf8').matchAll(/^import (?!type )[^;]*? from '([^']+)';/gms)) found.add(m[1]);
  }
  return [...found].sort();
}

/** Builds one vendor bundle; returns its content hash and, per specifier, the names the module exports. */
async function buildVendorGroup({ group, packages }, specifiers) {
  const file = join(dist, 'chunks', `vendor-${group}.cjs`);
  const entry = `module.exports = {\n${specifiers.map((s) => `  ${JSON.stringify(s)}: require(${JSON.stringify(s)}),`).join('\n')}\n};\n`;
  await build({ ...common, format: 'cjs', stdin: { contents: entry, resolveDir: root, loader: 'js' }, outfile: file, minify, legalComments: 'linked', plugins: [cdktfEdits] });
  const text = readFileSync(file);
  const exportsBySpecifier = createRequire(import.meta.url)(file);
  const names = new Map(specifiers.map((s) => [s, Object.keys(exportsBySpecifier[s]).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default' && n !== '__esModule')]));
  if (!packages.test(specifiers[0] ?? '')) throw new Error(`vendor group ${group}: no specifier`);
  return { hash: createHash('sha256').update(text).digest('hex').slice(0, 16), names };
}

/** Replaces each vendored specifier by a module taking its exports from the vendor bundle. */
function vendorModules(group, packages, hash, names) {
  const loader = join(root, 'scripts/vendor-cache.mjs');
  return {
    name: `vendor-${group}`,
    setup(b) {
      b.onResolve({ filter: packages }, (args) => {
        // Bundled a second time, a package would hold a second copy of its state (cdktf's tokens above all).
        if (!names.has(args.path)) throw new Error(`${args.importer} imports ${args.path}, which is not in vendor bundle ${group}: use a plain import statement`);
        return { path: args.path, namespace: `vendor-${group}` };
      });
      b.onLoad({ filter: /.*/, namespace: `vendor-${group}` }, (args) => ({
        contents: [
          `import { vendorGroup } from ${JSON.stringify(loader)};`,
          `const m = vendorGroup(${JSON.stringify(group)}, ${JSON.stringify(hash)}, ${JSON.stringify(version)})[${JSON.stringify(args.path)}];`,
          ...names.get(args.path).map((n) => `export const ${n} = m.${n};`),
        ].join('\n'),
        loader: 'js',
        resolveDir: root,
      }));
    },
  };
}

rmSync(dist, { recursive: true, force: true });
const specifiers = importedSpecifiers();
const vendorPlugins = [];
for (const g of vendorGroups) {
  const { hash, names } = await buildVendorGroup(g, specifiers.filter((s) => g.packages.test(s)));
  vendorPlugins.push(vendorModules(g.group, g.packages, hash, names));
}
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
  plugins: [embedAssets, ...vendorPlugins, cdktfEdits],
  // The templates are precompiled above: at run time only Handlebars' runtime is needed, not its compiler.
  alias: { handlebars: 'handlebars/runtime' },
  metafile: true,
});
const written = sourceFilesOf(dist);
const bytes = written.reduce((sum, f) => sum + statSync(f).size, 0);
console.log(`dist/: ${written.length} files, ${(bytes / 1e6).toFixed(1)} MB${minify ? ' (minified)' : ''}`);
