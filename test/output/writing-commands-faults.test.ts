import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listFiles, snapshotFiles } from '../helpers/files.js';
import { faultTemp, fillDiskLeaving, makeImmutable, mountSmallDisk, undoFaults } from '../helpers/fs-faults.js';
import { hasStackTrace, REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { recordAsWrittenByHakube } from '../helpers/files.js';

/**
 * Property: whichever folder a writing command meets unwritable (each in turn made immutable), and however little
 * disk is left, it exits 0 or exits 1 with one error naming a path and its errno, prints no stack trace, leaves no
 * temporary, staging, backup or lock file, never changes a key, and on failure leaves the output folder as it was.
 */
const SPEC = join(REPO_ROOT, 'examples/myfirstcluster.yaml');
const SNAPSHOT = 'etcd-backups/20261202T033000Z-control-plane-2-rev1234.db';
const COMMANDS: Record<string, string[]> = {
  generate: ['generate', SPEC, '--out', 'o'],
  'certs renew': ['certs', 'renew', SPEC, '--out', 'o', '--within', '36500'],
  'add-user': ['add-user', SPEC, '--out', 'o', '--name', 'zed'],
  kubeconfig: ['kubeconfig', SPEC, '--out', 'o', '--server', 'https://api.example.com:6443'],
  'etcd restore': ['etcd', 'restore', SPEC, '--snapshot', SNAPSHOT, '--dir', 'r', '--force'],
};
/** Free 4 KiB pages left on a small disk: from none to a few files' worth, all less than a copy of the folder. */
const FREE_PAGES = [0, 2, 8, 32];

let fixture: string;
let cases = 0;

beforeAll(() => {
  fixture = mkdtempSync(join(tmpdir(), 'hakube-writers-fixture-'));
  const r = runCli(['generate', SPEC, '--out', 'o'], fixture);
  if (r.code !== 0) throw new Error(r.stderr);
  // Stale, so that generate has something to write (recorded as hakube's own, as an earlier version would have
  // written it: not a hand edit); an earlier procedure, which etcd restore --force replaces.
  writeFileSync(join(fixture, 'o/HA-REPORT.md'), 'stale');
  recordAsWrittenByHakube(join(fixture, 'o'));
  expect(runCli(COMMANDS['etcd restore'] as string[], fixture).code).toBe(0);
});

afterEach(undoFaults);

afterAll(() => {
  rmSync(fixture, { recursive: true, force: true });
  // The count of hostile cases this file covers, for the record of the suite.
  console.log(`writing-commands-faults: ${cases} cases`);
});

function leftovers(dir: string): string[] {
  return listFiles(dir).filter((f) => /(^|\/)\.[^/]+\.[0-9a-f]{12}\.tmp$/.test(f) || /\.hakube-(new|old|lock)|\.hakube-new-/.test(f));
}

function folders(dir: string, rel = ''): string[] {
  return [rel, ...readdirSync(join(dir, rel), { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => folders(dir, rel ? `${rel}/${e.name}` : e.name))];
}

/** Runs `args` in `cwd` (a copy of the fixture) and checks the property; `fault` names the case. */
function check(args: string[], cwd: string, fault: string): boolean {
  const before = snapshotFiles(join(cwd, 'o'));
  const keys = [...before].filter(([path]) => path.endsWith('.key'));
  const r = runCli(args, cwd);
  cases++;
  const label = `${args.slice(0, 2).join(' ')} with ${fault}: ${r.stderr}`;
  expect([label, r.code === 0 || r.code === 1]).toEqual([label, true]);
  expect([label, hasStackTrace(r.stderr)]).toEqual([label, false]);
  if (r.code === 1) {
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('hakube: '));
    expect([label, errors.length]).toEqual([label, 1]);
    expect(errors[0], label).toMatch(/\/.*\((EPERM|ENOSPC|EACCES|EROFS|EDQUOT)\)/);
    expect([label, snapshotFiles(join(cwd, 'o'))]).toEqual([label, before]);
  }
  const after = snapshotFiles(join(cwd, 'o'));
  for (const [path, bytes] of keys) expect([label, path, after.get(path) === bytes]).toEqual([label, path, true]);
  expect([label, leftovers(cwd)]).toEqual([label, []]);
  return r.code === 1;
}

describe('property: every writing command, failing at each folder in turn and on a full disk', () => {
  for (const [name, args] of Object.entries(COMMANDS)) {
    it(`${name}: exit 0, or exit 1 with one message naming the path; no stack trace, no temporary, keys intact, folder unchanged on failure`, () => {
      let failed = 0;
      for (const folder of folders(fixture)) {
        const cwd = faultTemp();
        cpSync(fixture, cwd, { recursive: true });
        makeImmutable(join(cwd, folder));
        if (check(args, cwd, `${folder || 'the working folder'} immutable`)) failed++;
        undoFaults();
      }
      for (const pages of FREE_PAGES) {
        const cwd = faultTemp();
        mountSmallDisk(cwd, 4 * 1024 * 1024);
        cpSync(fixture, cwd, { recursive: true });
        fillDiskLeaving(cwd, pages);
        if (check(args, cwd, `${pages} pages free`)) failed++;
        undoFaults();
      }
      // Not a vacuous pass: the faults did reach the command's writes (at least its lock and an empty disk).
      expect(failed).toBeGreaterThanOrEqual(2);
    });
  }
});
