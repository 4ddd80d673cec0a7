// etcd 3.5 for the tests that need what Debian 12's etcd 3.4 lacks: `etcdutl snapshot restore --bump-revision
// --mark-compacted` (etcd 3.5.10 and later), which the restore hakube writes uses. Debian 13 (trixie) packages etcd
// 3.5 (etcd-server: etcd; etcd-client: etcdctl, etcdutl; statically linked Go programs). They are downloaded with
// apt-get from the Debian archive this machine already uses, under a private apt configuration (nothing of the
// machine's apt setup changes, nothing is installed), and unpacked into node_modules/.cache/, which npm ci
// clears. Plain JavaScript so that scripts/ensure-test-tools.mjs and the tests share one answer.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ETCD_35_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'hakube-test-tools', 'etcd-3.5');
const DEBIAN_SUITE = 'trixie';
const PACKAGES = ['etcd-server', 'etcd-client'];
const PROGRAMS = ['etcd', 'etcdctl', 'etcdutl'];

/** `{ kind: 'ok', dir, version }` when the three programs are there and run as etcd 3.5, else `{ kind: 'missing', message }`. */
export function etcd35Tools() {
  const missing = PROGRAMS.filter((p) => !existsSync(join(ETCD_35_DIR, p)));
  if (missing.length > 0) return { kind: 'missing', message: `${missing.join(', ')} of etcd 3.5 not in ${ETCD_35_DIR}` };
  const r = spawnSync(join(ETCD_35_DIR, 'etcd'), ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const version = /etcd Version: (3\.5\.\d+)/.exec(r.stdout ?? '')?.[1];
  if (!version) return { kind: 'missing', message: `${join(ETCD_35_DIR, 'etcd')} --version does not print an etcd 3.5: ${r.error ?? r.stdout + r.stderr}` };
  return { kind: 'ok', dir: ETCD_35_DIR, version };
}

/** The Debian archive this machine's apt reads its own release from (main component). */
function debianArchiveUri() {
  const codename = /^VERSION_CODENAME=(\S+)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
  const r = spawnSync('apt-get', ['indextargets', '--format', '$(REPO_URI)|$(RELEASE)|$(COMPONENT)'], { encoding: 'utf8', timeout: 60_000 });
  const line = (r.stdout ?? '').split('\n').find((l) => codename !== undefined && l.endsWith(`|${codename}|main`));
  return line?.split('|')[0];
}

/**
 * Downloads and unpacks Debian 13's etcd 3.5 into ETCD_35_DIR. Returns undefined on success, else why not.
 * Needs apt-get (run `apt-get update` first on a new machine: the archive's address comes from apt's own lists).
 */
export function installEtcd35() {
  const archive = debianArchiveUri();
  if (!archive) return "cannot tell this machine's Debian archive from `apt-get indextargets` (run apt-get update first)";
  const work = mkdtempSync(join(tmpdir(), 'hakube-etcd-35-'));
  try {
    for (const d of ['lists/partial', 'cache/archives/partial', 'debs', 'root']) mkdirSync(join(work, d), { recursive: true });
    writeFileSync(join(work, 'sources.list'), `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${archive} ${DEBIAN_SUITE} main\n`);
    writeFileSync(join(work, 'status'), '');
    const options = [
      `Dir::Etc::SourceList=${join(work, 'sources.list')}`,
      'Dir::Etc::SourceParts=/dev/null',
      `Dir::State::Lists=${join(work, 'lists')}`,
      `Dir::Cache=${join(work, 'cache')}`,
      `Dir::State::status=${join(work, 'status')}`,
      // The download goes to a folder only root may write; apt's sandbox user could not.
      'APT::Sandbox::User=root',
    ].flatMap((o) => ['-o', o]);
    const apt = (args, cwd) => spawnSync('apt-get', [...options, ...args], { cwd, encoding: 'utf8', timeout: 600_000 });
    const update = apt(['update', '-qq']);
    if (update.status !== 0) return `apt-get update of Debian ${DEBIAN_SUITE} failed: ${update.stderr}`;
    const download = apt(['download', '-qq', ...PACKAGES], join(work, 'debs'));
    if (download.status !== 0) return `apt-get download ${PACKAGES.join(' ')} from Debian ${DEBIAN_SUITE} failed: ${download.stderr}`;
    for (const deb of readdirSync(join(work, 'debs')).filter((n) => n.endsWith('.deb'))) {
      const x = spawnSync('dpkg-deb', ['-x', join(work, 'debs', deb), join(work, 'root')], { encoding: 'utf8', timeout: 120_000 });
      if (x.status !== 0) return `dpkg-deb -x ${deb}: ${x.stderr}`;
    }
    const staged = join(work, 'etcd-3.5');
    mkdirSync(staged);
    for (const p of PROGRAMS) {
      const from = join(work, 'root', 'usr', 'bin', p);
      if (!existsSync(from)) return `Debian ${DEBIAN_SUITE}'s ${PACKAGES.join(', ')} hold no ${p}`;
      renameSync(from, join(staged, p));
    }
    rmSync(ETCD_35_DIR, { recursive: true, force: true });
    // A copy, not a rename: the temporary folder may be on another filesystem.
    cpSync(staged, ETCD_35_DIR, { recursive: true });
    const tools = etcd35Tools();
    return tools.kind === 'ok' ? undefined : tools.message;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
