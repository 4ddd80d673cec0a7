import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { hasStackTrace, REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { tempDir, TUTORIAL } from './helpers.js';

/**
 * The team key store end to end, with real git repositories and the real age program: the first bootstrap, a
 * teammate's first clone, the pipeline's job, refreshing after certs renew, add-user and a change of recipients,
 * hand edits and hostile stores. Every refusal is checked to leave the working copy byte for byte as it was.
 */

const NAME = 'myfirstcluster.k8s.local';
const OUT = `generated/${NAME}`;
const STORE = `${OUT}.keys.age`;
const MANIFEST = `${OUT}.keys.json`;
const RECIPIENTS = `${OUT}.recipients`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=hakube test', '-c', 'user.email=test@example.com', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Every file of a working copy (outside .git/) with the sha256 of its bytes: equal before and after means nothing was written. */
function contentListing(dir: string): Map<string, string> {
  return new Map(
    listFiles(dir)
      .filter((f) => !f.startsWith('.git/'))
      .map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]),
  );
}

/** The key material of a working copy: its pki/ and users/ files with their hashes. */
function keyListing(dir: string): Map<string, string> {
  return new Map([...contentListing(dir)].filter(([f]) => f.startsWith(`${OUT}/pki/`) || f.startsWith(`${OUT}/users/`)));
}

function hakube(cwd: string, args: string[], env: Record<string, string | undefined> = {}) {
  return runCli(args, cwd, env);
}

function expectOk(result: ReturnType<typeof runCli>): void {
  expect(result.code, result.stderr).toBe(0);
}

function expectUserError(result: ReturnType<typeof runCli>): void {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(hasStackTrace(result.stderr)).toBe(false);
}

interface AgeKey {
  identity: string;
  recipient: string;
}

const keysDir = tempDir('hakube-age-keys-');
function ageKey(name: string): AgeKey {
  const identity = join(keysDir, `${name}.txt`);
  execFileSync('age-keygen', ['-o', identity], { stdio: 'ignore' });
  return { identity, recipient: execFileSync('age-keygen', ['-y', identity], { encoding: 'utf8' }).trim() };
}

/** The decrypted store: its files by path. */
function decrypt(store: string, key: AgeKey): Map<string, Buffer> {
  const doc = JSON.parse(execFileSync('age', ['-d', '-i', key.identity, store], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as {
    files: Array<{ path: string; content: string }>;
  };
  return new Map(doc.files.map((f) => [f.path, Buffer.from(f.content, 'base64')]));
}

function tryDecrypt(store: string, key: AgeKey): { status: number | null; stderr: string } {
  const r = spawnSync('age', ['-d', '-i', key.identity, store], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

function writeRecipients(repo: string, keys: AgeKey[]): void {
  writeFileSync(join(repo, RECIPIENTS), `# the team and the pipeline\n${keys.map((k) => k.recipient).join('\n')}\n`);
}

const dirs: string[] = [keysDir];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the team key store', () => {
  const alice = ageKey('alice');
  const bob = ageKey('bob');
  const pipeline = ageKey('pipeline');
  const outsider = ageKey('outsider');
  const origin = tempDir('hakube-keystore-origin-');
  dirs.push(origin);
  let firstSeal: ReturnType<typeof runCli>;

  function clone(from = origin): string {
    const parent = tempDir('hakube-keystore-clone-');
    dirs.push(parent);
    const dir = join(parent, 'repo');
    git(REPO_ROOT, 'clone', '--quiet', from, dir);
    return dir;
  }

  /** A clone with the keys restored from the store with `key`: a teammate's working copy. */
  function openedClone(key: AgeKey = alice, from = origin): string {
    const repo = clone(from);
    expectOk(hakube(repo, ['keys', 'open', 'cluster.yaml', '--identity', key.identity]));
    return repo;
  }

  function commitAll(repo: string, message: string): void {
    git(repo, 'add', '--all');
    git(repo, 'commit', '--quiet', '--message', message);
  }

  beforeAll(() => {
    copyFileSync(TUTORIAL, join(origin, 'cluster.yaml'));
    git(origin, 'init', '--quiet');
    expectOk(hakube(origin, ['generate', 'cluster.yaml']));
    writeRecipients(origin, [alice, bob, pipeline]);
    firstSeal = hakube(origin, ['keys', 'seal', 'cluster.yaml']);
    commitAll(origin, 'cluster and its key store');
  });

  describe('first bootstrap', () => {
    it('seals pki/ and users/ and commits no plaintext key', () => {
      expectOk(firstSeal);
      expect(firstSeal.stdout).toContain(`into ${STORE}; commit it with ${MANIFEST}`);
      const tracked = git(origin, 'ls-files').split('\n');
      expect(tracked).toEqual(expect.arrayContaining([STORE, MANIFEST, RECIPIENTS]));
      expect(tracked.filter((f) => f.includes('/pki/') || f.includes('/users/'))).toEqual([]);
      // git grep exits 1 when no tracked file matches.
      const grep = spawnSync('git', ['grep', '-l', '-e', 'PRIVATE KEY', '-e', 'AGE-SECRET-KEY', '-e', 'client-key-data'], { cwd: origin, encoding: 'utf8' });
      expect(grep.status, grep.stdout).toBe(1);
    });

    it('the store opens with each recipient\'s identity and holds every file of pki/ and users/, byte for byte', () => {
      const expected = new Map([...keyListing(origin)].map(([f, h]) => [f.slice(OUT.length + 1), h]));
      expect(expected.has('pki/ca.key')).toBe(true);
      expect(expected.has('users/alice/alice.key')).toBe(true);
      for (const key of [alice, bob, pipeline]) {
        const files = decrypt(join(origin, STORE), key);
        expect(new Map([...files].map(([f, c]) => [f, createHash('sha256').update(c).digest('hex')]))).toEqual(expected);
      }
      const refused = tryDecrypt(join(origin, STORE), outsider);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('no identity matched');
    });

    it('the committed manifest lists every file with its sha256 and the recipients, and holds no key material', () => {
      const manifest = JSON.parse(readFileSync(join(origin, MANIFEST), 'utf8')) as { recipients: string[]; files: Record<string, string> };
      expect(manifest.recipients).toEqual([alice.recipient, bob.recipient, pipeline.recipient]);
      expect(Object.keys(manifest.files).sort()).toEqual([...keyListing(origin).keys()].map((f) => f.slice(OUT.length + 1)).sort());
      expect(readFileSync(join(origin, MANIFEST), 'utf8')).not.toContain('PRIVATE KEY');
    });

    it('sealing again with nothing changed writes nothing (no churn in git)', () => {
      const before = contentListing(origin);
      const again = hakube(origin, ['keys', 'seal', 'cluster.yaml']);
      expectOk(again);
      expect(again.stdout).toContain('nothing written');
      expect(contentListing(origin)).toEqual(before);
      expect(git(origin, 'status', '--porcelain')).toBe('');
    });

    it('keys status is up to date, also run from a subfolder', () => {
      const status = hakube(origin, ['keys', 'status', 'cluster.yaml']);
      expectOk(status);
      expect(status.stdout).toContain(`the key store ${STORE} is up to date`);
      mkdirSync(join(origin, 'docs'), { recursive: true });
      const fromSub = hakube(join(origin, 'docs'), ['keys', 'status', '../cluster.yaml']);
      expectOk(fromSub);
      expect(fromSub.stdout).toContain(`the key store ../${STORE} is up to date`);
      rmSync(join(origin, 'docs'), { recursive: true });
    });
  });

  describe("a teammate's first clone", () => {
    let repo: string;
    beforeAll(() => {
      repo = clone();
    });

    it('generate is refused, pointing to keys open, and nothing is written', () => {
      const before = contentListing(repo);
      const result = hakube(repo, ['generate', 'cluster.yaml']);
      expectUserError(result);
      expect(result.stderr).toContain('key material it records (in bucket-object-hashes.tf.json and its file lists) is missing: pki/ca.crt');
      expect(result.stderr).toContain(`The team key store ${join(repo, STORE)} is beside it: restore them with 'hakube keys open'`);
      expect(contentListing(repo)).toEqual(before);
    });

    it('keys status compares the store with the committed records without keys', () => {
      const result = hakube(repo, ['keys', 'status', 'cluster.yaml']);
      expectOk(result);
      expect(result.stdout).toContain("pki/ not here: compared with the folder's records only");
    });

    it('keys open from a subfolder restores every key with private modes; generate then changes no key byte', () => {
      mkdirSync(join(repo, 'ops'));
      const opened = hakube(join(repo, 'ops'), ['keys', 'open', '../cluster.yaml', '--identity', bob.identity]);
      expectOk(opened);
      expect(opened.stdout).toMatch(/^restored \d+ files from \.\.\/generated\/myfirstcluster\.k8s\.local\.keys\.age/);
      expect(keyListing(repo)).toEqual(keyListing(origin));
      expect(statSync(join(repo, OUT, 'pki/ca.key')).mode & 0o777).toBe(0o600);
      expect(statSync(join(repo, OUT, 'users/alice/alice.key')).mode & 0o777).toBe(0o600);
      expect(statSync(join(repo, OUT, 'pki/ca.crt')).mode & 0o777).toBe(0o644);
      expect(statSync(join(repo, OUT, 'pki')).mode & 0o777).toBe(0o700);
      expect(statSync(join(repo, OUT, 'users')).mode & 0o777).toBe(0o700);
      const keys = keyListing(repo);
      const generated = hakube(repo, ['generate', 'cluster.yaml']);
      expectOk(generated);
      expect(generated.stderr).not.toContain('note: the team key store');
      expect(keyListing(repo)).toEqual(keys);
      expect(git(repo, 'status', '--porcelain')).toBe('');
    });

    it('opening again writes nothing', () => {
      const before = contentListing(repo);
      const again = hakube(repo, ['keys', 'open', 'cluster.yaml', '--identity', bob.identity]);
      expectOk(again);
      expect(again.stdout).toContain('nothing written');
      expect(contentListing(repo)).toEqual(before);
    });
  });

  it('with users/ removed after opening, status names the files and open restores only those', () => {
    const repo = openedClone(bob);
    const keys = keyListing(repo);
    rmSync(join(repo, OUT, 'users'), { recursive: true });
    const status = hakube(repo, ['keys', 'status', 'cluster.yaml']);
    expectUserError(status);
    expect(status.stderr).toContain('  - users/alice/alice.key is in the store but no longer here');
    const pkiBefore = new Map([...contentListing(repo)].filter(([f]) => f.startsWith(`${OUT}/pki/`)));
    const open = hakube(repo, ['keys', 'open', 'cluster.yaml', '--identity', bob.identity]);
    expectOk(open);
    expect(open.stdout).toMatch(/^restored 2 files from .* \(\d+ were already there\)/);
    expect(keyListing(repo)).toEqual(keys);
    expect(new Map([...contentListing(repo)].filter(([f]) => f.startsWith(`${OUT}/pki/`)))).toEqual(pkiBefore);
    expectOk(hakube(repo, ['keys', 'status', 'cluster.yaml']));
  });

  describe("the pipeline's apply job", () => {
    it('restores the keys with its own identity from the environment, then generate --check is up to date', () => {
      const repo = clone();
      const before = contentListing(repo);
      const env = { HAKUBE_AGE_IDENTITY: readFileSync(pipeline.identity, 'utf8') };
      expectOk(hakube(repo, ['keys', 'open', 'cluster.yaml'], env));
      const after = contentListing(repo);
      // Only key files were added: nothing else changed.
      const changed = [...after].filter(([f, h]) => before.get(f) !== h).map(([f]) => f);
      expect(changed.length).toBeGreaterThan(0);
      expect(changed.filter((f) => !f.startsWith(`${OUT}/pki/`) && !f.startsWith(`${OUT}/users/`))).toEqual([]);
      const check = hakube(repo, ['generate', 'cluster.yaml', '--check']);
      expectOk(check);
      expect(check.stdout).toContain('is up to date');
    });

    it('without an identity, keys open is a usage error; with an outsider\'s identity it is refused; nothing is written', () => {
      const repo = clone();
      const before = contentListing(repo);
      const none = hakube(repo, ['keys', 'open', 'cluster.yaml'], { HAKUBE_AGE_IDENTITY: undefined });
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('name your age identity with --identity FILE, or set HAKUBE_AGE_IDENTITY');
      const wrong = hakube(repo, ['keys', 'open', 'cluster.yaml', '--identity', outsider.identity]);
      expectUserError(wrong);
      expect(wrong.stderr).toContain(`age could not decrypt ${STORE} with the identity in ${outsider.identity}`);
      expect(wrong.stderr).toContain('no identity matched any of the recipients');
      expect(contentListing(repo)).toEqual(before);
    });

    it('without the age program, says how to install it', () => {
      const repo = clone();
      const before = contentListing(repo);
      const result = hakube(repo, ['keys', 'open', 'cluster.yaml', '--identity', alice.identity], { PATH: '/nonexistent' });
      expectUserError(result);
      expect(result.stderr).toContain('hakube keys needs the age program on PATH');
      expect(result.stderr).toContain('apt-get install age');
      expect(contentListing(repo)).toEqual(before);
    });
  });

  describe('refreshing the store', () => {
    it('after certs renew: status names the renewed files, here and in a fresh clone; open refuses the stale store; seal brings it up to date', () => {
      const laptop = openedClone();
      const renew = hakube(laptop, ['certs', 'renew', 'cluster.yaml', '--within', '36500']);
      expectOk(renew);
      expect(renew.stderr).toContain(`note: the team key store ${STORE} no longer holds what it must (`);
      expect(renew.stderr).toContain(`run 'hakube keys seal cluster.yaml' and commit it with ${MANIFEST}`);
      const stale = hakube(laptop, ['keys', 'status', 'cluster.yaml']);
      expectUserError(stale);
      expect(stale.stderr).toContain(`the key store ${STORE} is stale:`);
      expect(stale.stderr).toContain("  - pki/front-proxy-client.crt here differs from the store's");
      expect(stale.stderr).toContain("  - pki/etcd/members/control-plane-1/server.crt in the store is not the one bucket-object-hashes.tf.json records");
      expect(stale.stderr).toContain("run 'hakube keys seal cluster.yaml' where the keys are");
      // The renewal committed without sealing: a teammate's clone sees it from the records alone.
      commitAll(laptop, 'renew certificates');
      const teammate = clone(laptop);
      const before = contentListing(teammate);
      const fromRecords = hakube(teammate, ['keys', 'status', 'cluster.yaml']);
      expectUserError(fromRecords);
      expect(fromRecords.stderr).toContain('pki/etcd/members/control-plane-1/server.crt in the store is not the one bucket-object-hashes.tf.json records');
      expect(fromRecords.stderr).not.toContain('here differs');
      const open = hakube(teammate, ['keys', 'open', 'cluster.yaml', '--identity', bob.identity]);
      expectUserError(open);
      expect(open.stderr).toContain(`${STORE} is stale: `);
      expect(open.stderr).toContain('nothing was written');
      expect(contentListing(teammate)).toEqual(before);
      // The one who renewed seals and commits; the teammate pulls and opens.
      const keysBefore = keyListing(laptop);
      expectOk(hakube(laptop, ['keys', 'seal', 'cluster.yaml']));
      expect(keyListing(laptop)).toEqual(keysBefore);
      expectOk(hakube(laptop, ['keys', 'status', 'cluster.yaml']));
      commitAll(laptop, 'seal the renewed keys');
      git(teammate, 'pull', '--quiet', '--ff-only');
      expectOk(hakube(teammate, ['keys', 'open', 'cluster.yaml', '--identity', bob.identity]));
      expect(keyListing(teammate)).toEqual(keyListing(laptop));
    });

    it('after add-user: status names the new user\'s files; seal brings it up to date', () => {
      const laptop = openedClone();
      const added = hakube(laptop, ['add-user', 'cluster.yaml', '--name', 'carol', '--server', 'https://api.example.com:6443']);
      expectOk(added);
      expect(added.stderr).toContain(`note: the team key store ${STORE} no longer holds what it must (`);
      const stale = hakube(laptop, ['keys', 'status', 'cluster.yaml']);
      expectUserError(stale);
      expect(stale.stderr).toContain('  - users/carol/carol.key is here but not in the store');
      expect(stale.stderr).toContain('  - users/carol/carol.crt is here but not in the store');
      expectOk(hakube(laptop, ['keys', 'seal', 'cluster.yaml']));
      expectOk(hakube(laptop, ['keys', 'status', 'cluster.yaml']));
      expect(decrypt(join(laptop, STORE), pipeline).has('users/carol/carol.key')).toBe(true);
    });

    it('after a membership change: status names the removed recipient; the re-sealed store no longer opens with its identity', () => {
      const laptop = openedClone();
      writeRecipients(laptop, [alice, pipeline]);
      const stale = hakube(laptop, ['keys', 'status', 'cluster.yaml']);
      expectUserError(stale);
      expect(stale.stderr).toContain(`  - still encrypted to ${bob.recipient} (removed from ${RECIPIENTS})`);
      const keysBefore = keyListing(laptop);
      const sealed = hakube(laptop, ['keys', 'seal', 'cluster.yaml']);
      expectOk(sealed);
      expect(sealed.stdout).toContain('for 2 recipient(s)');
      expect(keyListing(laptop)).toEqual(keysBefore);
      expectOk(hakube(laptop, ['keys', 'status', 'cluster.yaml']));
      commitAll(laptop, 'bob left the team');
      const bobsClone = clone(laptop);
      const before = contentListing(bobsClone);
      const refused = hakube(bobsClone, ['keys', 'open', 'cluster.yaml', '--identity', bob.identity]);
      expectUserError(refused);
      expect(refused.stderr).toContain('no identity matched any of the recipients');
      expect(contentListing(bobsClone)).toEqual(before);
      expectOk(hakube(bobsClone, ['keys', 'open', 'cluster.yaml', '--identity', alice.identity]));
      // An added recipient is named too, until the store is sealed for them.
      writeRecipients(laptop, [alice, pipeline, outsider]);
      const added = hakube(laptop, ['keys', 'status', 'cluster.yaml']);
      expectUserError(added);
      expect(added.stderr).toContain(`  - not yet encrypted to ${outsider.recipient} (added to ${RECIPIENTS})`);
    });
  });

  describe('hand edits and hostile stores are refused, and nothing is written', () => {
    it('a manifest edited by hand', () => {
      const repo = clone();
      const path = join(repo, MANIFEST);
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as { files: Record<string, string> };
      manifest.files['pki/ca.crt'] = '0'.repeat(64);
      writeFileSync(path, JSON.stringify(manifest, null, 2));
      const before = contentListing(repo);
      const status = hakube(repo, ['keys', 'status', 'cluster.yaml']);
      expectUserError(status);
      expect(status.stderr).toContain('  - pki/ca.crt in the store is not the one bucket-object-hashes.tf.json records');
      const open = hakube(repo, ['keys', 'open', 'cluster.yaml', '--identity', alice.identity]);
      expectUserError(open);
      expect(open.stderr).toContain(`${STORE} does not hold the files ${MANIFEST} lists; nothing was written`);
      expect(contentListing(repo)).toEqual(before);
    });

    it('a store replaced without its manifest', () => {
      const repo = clone();
      writeFileSync(join(repo, STORE), execFileSync('age', ['-R', join(repo, RECIPIENTS)], { input: 'other' }));
      const before = contentListing(repo);
      const status = hakube(repo, ['keys', 'status', 'cluster.yaml']);
      expectUserError(status);
      expect(status.stderr).toContain(`  - ${STORE} is not the store ${MANIFEST} describes`);
      const open = hakube(repo, ['keys', 'open', 'cluster.yaml', '--identity', alice.identity]);
      expectUserError(open);
      expect(open.stderr).toContain(`${STORE} is not the store ${MANIFEST} describes`);
      expect(contentListing(repo)).toEqual(before);
    });

    it('a key file on disk that differs from the store\'s is never replaced', () => {
      const repo = clone();
      mkdirSync(join(repo, OUT, 'pki'), { mode: 0o700 });
      writeFileSync(join(repo, OUT, 'pki/ca.crt'), 'not the team CA\n');
      const before = contentListing(repo);
      const open = hakube(repo, ['keys', 'open', 'cluster.yaml', '--identity', alice.identity]);
      expectUserError(open);
      expect(open.stderr).toContain(`already has pki/ca.crt, different from the store's; nothing was written`);
      expect(contentListing(repo)).toEqual(before);
    });

    /** Replaces the committed store by one sealing `document` (with a manifest that matches it), as a hostile commit would. */
    function plantStore(repo: string, document: unknown): void {
      const encrypted = execFileSync('age', ['-R', join(repo, RECIPIENTS)], { input: JSON.stringify(document), maxBuffer: 64 * 1024 * 1024 });
      writeFileSync(join(repo, STORE), encrypted);
      const manifest = JSON.parse(readFileSync(join(repo, MANIFEST), 'utf8')) as { archive: string };
      manifest.archive = createHash('sha256').update(encrypted).digest('hex');
      writeFileSync(join(repo, MANIFEST), JSON.stringify(manifest, null, 2));
    }

    const file = (path: string, content = 'x', extra: Record<string, unknown> = {}) => ({ path, mode: 0o600, content: Buffer.from(content).toString('base64'), ...extra });
    const hostile: Array<[string, unknown[], string]> = [
      ['a ../ entry', [file('pki/../../../evil')], `member "pki/../../../evil" is not a plain relative path`],
      ['an absolute path', [file('/tmp/evil')], `member "/tmp/evil" is not a plain relative path`],
      ['a file outside pki/ and users/', [file('main.tf.json')], 'member "main.tf.json" is not under pki/ or users/'],
      ['a symbolic link', [file('pki/ca.key', '', { symlink: '/etc/shadow' })], 'pki/ca.key is not a regular file (it has symlink)'],
      ['an oversize member', [file('pki/huge.key', 'k'.repeat(2 * 1024 * 1024))], 'pki/huge.key is larger than 1048576 bytes'],
      ['a member listed twice', [file('pki/ca.key'), file('pki/ca.key')], 'pki/ca.key is listed twice'],
      ['a setuid mode', [file('pki/ca.key', 'x', { mode: 0o4755 })], 'pki/ca.key has mode 4755'],
    ];
    it.each(hostile)('%s', (_name, files, message) => {
      const repo = clone();
      plantStore(repo, { hakubeKeyStore: 1, cluster: NAME, files });
      const before = contentListing(repo);
      const open = hakube(repo, ['keys', 'open', 'cluster.yaml', '--identity', alice.identity]);
      expectUserError(open);
      expect(open.stderr).toContain(`${STORE} cannot be restored: `);
      expect(open.stderr).toContain(message);
      expect(open.stderr).toContain('nothing was written');
      expect(contentListing(repo)).toEqual(before);
      expect(existsSync(join(repo, '..', 'evil'))).toBe(false);
    });

    it("another cluster's store", () => {
      const repo = clone();
      plantStore(repo, { hakubeKeyStore: 1, cluster: 'other.k8s.local', files: [] });
      const before = contentListing(repo);
      const open = hakube(repo, ['keys', 'open', 'cluster.yaml', '--identity', alice.identity]);
      expectUserError(open);
      expect(open.stderr).toContain('it holds the keys of cluster "other.k8s.local", not myfirstcluster.k8s.local');
      expect(contentListing(repo)).toEqual(before);
    });
  });

  it('keys seal refuses a clone without the keys (it would seal a store without the CA) and a link under pki/; nothing is written', () => {
    const repo = clone();
    const before = contentListing(repo);
    const missing = hakube(repo, ['keys', 'seal', 'cluster.yaml']);
    expectUserError(missing);
    expect(missing.stderr).toContain('key material it records (in bucket-object-hashes.tf.json and its file lists) is missing: pki/ca.crt');
    expect(contentListing(repo)).toEqual(before);
    expectOk(hakube(repo, ['keys', 'open', 'cluster.yaml', '--identity', alice.identity]));
    symlinkSync('/etc/hostname', join(repo, OUT, 'pki/extra.crt'));
    const opened = contentListing(repo);
    const linked = hakube(repo, ['keys', 'seal', 'cluster.yaml']);
    expectUserError(linked);
    // readPkiStore refuses it first (HK420), as it does for every command reading the keys.
    expect(linked.stderr).toContain('pki/extra.crt is a symbolic link');
    expect(contentListing(repo)).toEqual(opened);
  });

  it('keys status without a store says how to make one', () => {
    const repo = clone();
    rmSync(join(repo, STORE));
    const result = hakube(repo, ['keys', 'status', 'cluster.yaml']);
    expectUserError(result);
    expect(result.stderr).toContain(`no team key store beside ${OUT}: ${STORE} not found. Make it with 'hakube keys seal cluster.yaml'`);
  });
});
