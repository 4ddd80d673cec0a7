import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { emptyPkiStore } from '../../src/pki/store.js';
import { lostKeyMaterial } from '../../src/pki/lost-key-material.js';
import { listFiles } from '../helpers/files.js';
import { hasStackTrace, REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { modelOf, PRIVATE, tempDir, TUTORIAL } from './helpers.js';

/** Everything a clone of the team's repository lacks: the output's .gitignore keeps it out of git. */
const IRREPLACEABLE = [
  'pki/ca.crt',
  'pki/ca.key',
  'pki/etcd/ca.crt',
  'pki/etcd/ca.key',
  'pki/front-proxy-ca.crt',
  'pki/front-proxy-ca.key',
  'pki/sa.key',
  'pki/sa.pub',
  'pki/secrets/encryption-config.yaml',
  'users/alice/alice.crt',
  'users/alice/alice.key',
];
/**
 * What the committed files record of it: bucket-object-hashes.tf.json names what the folder uploads (the CAs, the
 * service-account pair, the encryption config). Users are not uploaded, and .hakube-files lists only committed
 * files: the users' files are recorded in pki/.hakube-files, kept with the keys.
 */
const RECORDED_IN_GIT = IRREPLACEABLE.filter((p) => !p.startsWith('users/'));

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

function hakube(cwd: string, ...args: string[]) {
  return runCli(args, cwd);
}

/** The tutorial spec with the workers' instance type changed: any spec edit that makes generate write. */
function editSpec(repo: string): void {
  const path = join(repo, 'cluster.yaml');
  const text = readFileSync(path, 'utf8');
  const edited = text.replace(/(- name: nodes\n\s+instanceType: )t3\.medium/, '$1t3.large');
  if (edited === text) throw new Error('fixture changed: the worker group nodes of the tutorial has no instanceType t3.medium');
  writeFileSync(path, edited);
}

function expectRefusal(result: ReturnType<typeof runCli>, missing: string[]): void {
  expect(result.code, result.stderr).toBe(1);
  expect(hasStackTrace(result.stderr)).toBe(false);
  const refusal = result.stderr.split('\n').find((l) => l.includes('key material it records (in bucket-object-hashes.tf.json and its file lists) is missing'));
  expect(refusal, result.stderr).toBeDefined();
  expect(refusal?.split('is missing: ')[1]).toBe(missing.join(', '));
  expect(result.stderr).toContain("from your team's key store or a backup");
  expect(result.stderr).toContain('run hakube generate with --new-pki');
}

describe('a clone of the repository, without pki/ and users/', () => {
  const origin = tempDir('hakube-origin-');
  let first: ReturnType<typeof runCli>;

  /** A fresh clone of the team's repository, as a teammate gets it. */
  function clone(): string {
    const dir = join(tempDir('hakube-clone-'), 'repo');
    git(REPO_ROOT, 'clone', '--quiet', origin, dir);
    return dir;
  }

  beforeAll(() => {
    copyFileSync(TUTORIAL, join(origin, 'cluster.yaml'));
    git(origin, 'init', '--quiet');
    first = hakube(origin, 'generate', 'cluster.yaml', '--out', 'out');
    // A control-plane change, generated where the keys are: the committed folder holds a rollout in progress.
    writeFileSync(join(origin, 'cluster.yaml'), readFileSync(join(origin, 'cluster.yaml'), 'utf8').replace('instanceType: t3.medium', 'instanceType: t3.large'));
    const staged = hakube(origin, 'generate', 'cluster.yaml', '--out', 'out');
    if (staged.code !== 0) throw new Error(staged.stderr);
    git(origin, 'add', '--all');
    git(origin, 'commit', '--quiet', '--message', 'cluster');
  });

  it('a first generate into a new folder makes the PKI without any flag (day 0)', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toContain('--new-pki');
    for (const path of IRREPLACEABLE) expect(existsSync(join(origin, 'out', path)), path).toBe(true);
  });

  it('has the committed folder and its record, but no key material', () => {
    const committed = git(origin, 'ls-files').split('\n');
    expect(committed).toContain('out/.hakube-files');
    expect(committed).toContain('out/rollout-pending.json');
    expect(committed.filter((f) => f.startsWith('out/pki/') || f.startsWith('out/users/'))).toEqual([]);
  });

  describe('every writing command refuses and writes nothing', () => {
    let repo: string;
    beforeAll(() => {
      repo = clone();
      editSpec(repo);
    });

    const cases: Array<[string, string[]]> = [
      ['generate', ['generate', 'cluster.yaml', '--out', 'out']],
      ['generate --dry-run', ['generate', 'cluster.yaml', '--out', 'out', '--dry-run']],
      // With the override: a clone has no state either, and the missing keys must be what refuses.
      ['rollout next', ['rollout', 'next', 'cluster.yaml', '--out', 'out', '--without-applied-state']],
      ['add-user', ['add-user', 'cluster.yaml', '--out', 'out', '--name', 'bob']],
      ['certs renew', ['certs', 'renew', 'cluster.yaml', '--out', 'out']],
      ['kubeconfig', ['kubeconfig', 'cluster.yaml', '--out', 'out', '--server', 'https://api.example.com:6443']],
    ];
    it.each(cases)('%s', (_name, args) => {
      const before = contentListing(repo);
      expectRefusal(hakube(repo, ...args), RECORDED_IN_GIT);
      expect(contentListing(repo)).toEqual(before);
    });
  });

  it('with pki/ restored but not users/, the users\' lost files are refused by name (pki/.hakube-files records them)', () => {
    const repo = clone();
    cpSync(join(origin, 'out', 'pki'), join(repo, 'out', 'pki'), { recursive: true });
    editSpec(repo);
    const before = contentListing(repo);
    expectRefusal(hakube(repo, 'generate', 'cluster.yaml', '--out', 'out'), IRREPLACEABLE.filter((p) => p.startsWith('users/')));
    expect(contentListing(repo)).toEqual(before);
  });

  it('is refused by the bucket hashes alone when .hakube-files is not committed', () => {
    const repo = clone();
    rmSync(join(repo, 'out/.hakube-files'));
    editSpec(repo);
    const before = contentListing(repo);
    expectRefusal(hakube(repo, 'generate', 'cluster.yaml', '--out', 'out'), RECORDED_IN_GIT);
    expect(contentListing(repo)).toEqual(before);
  });

  it('generate --check of the unedited clone is up to date and creates nothing', () => {
    const repo = clone();
    const before = contentListing(repo);
    const result = hakube(repo, 'generate', 'cluster.yaml', '--out', 'out', '--check');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('is up to date with cluster.yaml (pki/ not here: key files not compared)');
    expect(contentListing(repo)).toEqual(before);
  });

  describe('with the key material restored from a backup', () => {
    let repo: string;
    beforeAll(() => {
      repo = clone();
      for (const folder of ['pki', 'users']) cpSync(join(origin, 'out', folder), join(repo, 'out', folder), { recursive: true });
      editSpec(repo);
    });

    it('generate goes on and keeps the CA', () => {
      const result = hakube(repo, 'generate', 'cluster.yaml', '--out', 'out');
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(join(repo, 'out/pki/ca.crt'))).toEqual(readFileSync(join(origin, 'out/pki/ca.crt')));
    });

    it('one lost file is refused by name: the encryption config', () => {
      rmSync(join(repo, 'out/pki/secrets/encryption-config.yaml'));
      const before = contentListing(repo);
      expectRefusal(hakube(repo, 'generate', 'cluster.yaml', '--out', 'out'), ['pki/secrets/encryption-config.yaml']);
      expect(contentListing(repo)).toEqual(before);
      copyFileSync(join(origin, 'out/pki/secrets/encryption-config.yaml'), join(repo, 'out/pki/secrets/encryption-config.yaml'));
    });

    it('one lost file is refused by name: pki/sa.key', () => {
      rmSync(join(repo, 'out/pki/sa.key'));
      const before = contentListing(repo);
      const result = hakube(repo, 'generate', 'cluster.yaml', '--out', 'out');
      expect(result.code, result.stderr).toBe(1);
      expect(hasStackTrace(result.stderr)).toBe(false);
      // sa.pub alone is a half pair, which the store already refuses, naming the missing half.
      expect(result.stderr).toContain('pki/sa.pub is present but pki/sa.key is missing');
      expect(contentListing(repo)).toEqual(before);

      rmSync(join(repo, 'out/pki/sa.pub'));
      expectRefusal(hakube(repo, 'generate', 'cluster.yaml', '--out', 'out'), ['pki/sa.key', 'pki/sa.pub']);
    });
  });

  it('generate --new-pki makes a new PKI on purpose, loudly, and later runs go on with it', () => {
    const repo = clone();
    editSpec(repo);
    const result = hakube(repo, 'generate', 'cluster.yaml', '--out', 'out', '--new-pki');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`warning: --new-pki: new key material in place of the recorded ${RECORDED_IN_GIT.join(', ')}.`);
    expect(result.stderr).toContain('replace every machine');
    expect(readFileSync(join(repo, 'out/pki/ca.crt'))).not.toEqual(readFileSync(join(origin, 'out/pki/ca.crt')));
    const again = hakube(repo, 'generate', 'cluster.yaml', '--out', 'out');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('--new-pki');
  });

  it('--new-pki is not taken with --check', () => {
    const result = hakube(clone(), 'generate', 'cluster.yaml', '--out', 'out', '--check', '--new-pki');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--check writes nothing and takes neither --dry-run, --all-members-at-once, --new-pki nor --overwrite-edits');
  });
});

describe('lostKeyMaterial', () => {
  const model = modelOf(TUTORIAL);

  it('is nothing for a folder with no record (a first run)', () => {
    expect(lostKeyMaterial(model, [], emptyPkiStore())).toEqual([]);
  });

  it('lists only recorded files the spec still needs and that cannot be made anew, a pair whole', () => {
    const recorded = ['pki/ca.crt', 'pki/admin.crt', 'pki/secrets/bootstrap-token', 'users/carol/carol.crt', 'control-plane.tf.json'];
    // A leaf and the bootstrap token are made anew harmlessly; carol is not in the spec (add-user's, or removed).
    expect(lostKeyMaterial(model, recorded, emptyPkiStore())).toEqual(['pki/ca.crt', 'pki/ca.key']);
  });

  it('does not list a CA the spec newly needs, which no earlier run recorded', () => {
    // The private example publishes a service-account issuer, so it needs the pod identity webhook's CA.
    const withIssuer = modelOf(PRIVATE);
    const recordedBefore = ['pki/ca.crt', 'pki/ca.key'];
    expect(lostKeyMaterial(withIssuer, recordedBefore, emptyPkiStore())).toEqual(recordedBefore);
    const recordedAfter = [...recordedBefore, 'pki/pod-identity-webhook/ca.crt', 'pki/pod-identity-webhook/ca.key'];
    expect(lostKeyMaterial(withIssuer, recordedAfter, emptyPkiStore())).toEqual(recordedAfter);
  });
});
