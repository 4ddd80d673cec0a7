// Part of the bundle (scripts/build.mjs imports it into the modules that stand for vendored packages): loads one
// dist/chunks/vendor-<group>.cjs, a CommonJS bundle of third-party packages, through a V8 code cache. Node 20 offers no
// code cache for ES modules, and compiling cdktf and the provider bindings was the largest part of starting
// `generate`; a CommonJS bundle compiled by vm.Script can take V8's cachedData. Only the commands that import a
// group load it, so each command still loads only what it uses.
//
// The cache lives outside the user's folders, in $XDG_CACHE_HOME/hakube/<version>/ (~/.cache when unset), one file
// per group, named for the bundle's content hash, Node's version and the CPU architecture. It is written after the
// command's work (so it holds the functions the run compiled), to a temporary file renamed into place; V8 checks
// it on use and a rejected one is written again. Any failure to read or write it is ignored: the run compiles the
// source as without a cache.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const loaded = new Map();

function cacheFolder(version) {
  const base = process.env.XDG_CACHE_HOME && process.env.XDG_CACHE_HOME.startsWith('/') ? process.env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'hakube', version);
}

function readCache(file) {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** mkdir -p, one level at a time: Node 20's recursive mkdirSync never returns for a path under /proc. */
function makeFolders(folder) {
  const parent = dirname(folder);
  if (parent !== folder) makeFolders(parent);
  try {
    mkdirSync(folder, { mode: 0o700 });
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
  }
}

function writeCache(file, script) {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const data = script.createCachedData();
    makeFolders(dirname(file));
    writeFileSync(temporary, data, { mode: 0o600 });
    renameSync(temporary, file);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was written there.
    }
  }
}

/**
 * The exports of dist/chunks/vendor-<group>.cjs: an object from each package specifier the sources import to that
 * module's exports. The build puts in the bundle's content hash and hakube's version. This module is bundled into
 * a chunk of dist/chunks/, beside the vendor bundles.
 */
export function vendorGroup(group, hash, version) {
  const known = loaded.get(group);
  if (known) return known;
  const file = fileURLToPath(new URL(`./vendor-${group}.cjs`, import.meta.url));
  const source = readFileSync(file, 'utf8');
  const cacheFile = join(cacheFolder(version), `${group}-${hash}-${process.version}-${process.arch}.v8`);
  const cachedData = readCache(cacheFile);
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) process.once('exit', () => writeCache(cacheFile, script));
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  loaded.set(group, module.exports);
  return module.exports;
}
