import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KEY_FILE_LIMIT } from '../../src/bounded-read.js';
import { UserError } from '../../src/errors.js';
import { generate } from '../../src/generate.js';
import { MANIFEST_PATH } from '../../src/pki/certificate-plan.js';
import { checkReadableBack, MANIFEST_JSON_LIMIT, storeReadLimit } from '../../src/pki/read-limits.js';
import { FILE_LIST_LIMIT, LOCAL_MANIFEST_FILE, MANIFEST_FILE } from '../../src/output/owned-files.js';
import { readClusterSchema } from '../../src/spec/schema-validator.js';
import { validateText } from '../../src/spec/validate.js';
import { listFiles } from '../helpers/files.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';

const TUTORIAL = join(REPO_ROOT, 'examples/myfirstcluster.yaml');
const PRIVATE = join(REPO_ROOT, 'examples/private-multigroup.yaml');
const temps: string[] = [];

afterAll(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-users-bound-'));
  temps.push(dir);
  return dir;
}

/** The schema's bounds: how many users, and how many groups each. */
function bounds(): { users: number; groups: number } {
  const schema = readClusterSchema();
  const body = schema.$defs['ClusterSpecBody'] as { properties: { users: { maxItems: number } } };
  const user = schema.$defs['User'] as { properties: { groups: { maxItems: number } } };
  return { users: body.properties.users.maxItems, groups: user.properties.groups.maxItems };
}

/** `count` users at the longest name (64), each with `groups` groups at the longest name (64): the costliest spec. */
function largestUsers(count: number, groups: number): { name: string; groups: string[] }[] {
  const groupNames = Array.from({ length: groups }, (_, j) => `${'G'.repeat(61)}${String(j).padStart(3, '0')}`);
  return Array.from({ length: count }, (_, i) => ({ name: `${'u'.repeat(58)}${String(i).padStart(6, '0')}`, groups: groupNames }));
}

function specWith(base: string, change: (spec: Record<string, any>) => void): string {
  const doc = parse(readFileSync(base, 'utf8')) as { spec: Record<string, any> };
  change(doc.spec);
  return JSON.stringify(doc, null, 2);
}

/** The pointers of the errors validating `text` reports; none when it is valid. */
function pointersRefused(text: string): string[] {
  try {
    validateText(text, 'spec.json');
    return [];
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return err.issues.filter((i) => i.severity === 'error').map((i) => i.pointer);
  }
}

describe('the bound on users: the largest allowed spec stays within what hakube reads back', () => {
  const { users, groups } = bounds();

  it('the schema bounds users and their groups, and refuses one more of each, naming the field', () => {
    expect(users).toBeGreaterThan(0);
    expect(groups).toBeGreaterThan(0);
    expect(pointersRefused(specWith(TUTORIAL, (s) => (s.users = largestUsers(users + 1, 1))))).toContain('/spec/users');
    expect(pointersRefused(specWith(TUTORIAL, (s) => (s.users = largestUsers(1, groups + 1))))).toContain('/spec/users/0/groups');
    expect(pointersRefused(specWith(TUTORIAL, (s) => (s.users = largestUsers(users, groups))))).toEqual([]);
  });

  it('the largest spec writes a pki/manifest.json within the limit it is read with, and the folder is read back by the next run', async () => {
    const dir = temp();
    const spec = join(dir, 'largest.json');
    writeFileSync(spec, specWith(TUTORIAL, (s) => (s.users = largestUsers(users, groups))));
    const out = join(dir, 'o');
    await generate(spec, { outDir: out });
    const size = statSync(join(out, MANIFEST_PATH)).size;
    expect(size).toBeLessThanOrEqual(MANIFEST_JSON_LIMIT);
    // With a margin: a tenth of the limit left for what the manifest of a larger cluster (more members) adds.
    expect(size).toBeLessThan(MANIFEST_JSON_LIMIT * 0.9);
    // Every file the store reads back (it skips dotfiles), and the lists of hakube's own files.
    const stored = (f: string) => (f.startsWith('pki/') || f.startsWith('users/')) && !f.split('/').some((part) => part.startsWith('.'));
    for (const file of listFiles(out).filter(stored)) {
      expect([file, statSync(join(out, file)).size <= storeReadLimit(file)]).toEqual([file, true]);
    }
    for (const list of [MANIFEST_FILE, LOCAL_MANIFEST_FILE]) expect([list, statSync(join(out, list)).size <= FILE_LIST_LIMIT]).toEqual([list, true]);
    const again = await generate(spec, { outDir: out });
    expect(again.report.created.length + again.report.changed.length + again.report.removed.length).toBe(0);
  });

  it("the largest user's key, certificate and kubeconfig (RSA keys, a DNS name) stay within the limit they are read with", async () => {
    const dir = temp();
    const spec = join(dir, 'largest-user.json');
    writeFileSync(
      spec,
      specWith(PRIVATE, (s) => {
        s.users = largestUsers(1, groups);
        s.pki = { ...(s.pki ?? {}), keyAlgorithm: 'rsa-2048' };
      }),
    );
    const out = join(dir, 'o');
    await generate(spec, { outDir: out });
    const user = largestUsers(1, 1)[0]?.name as string;
    const files = listFiles(join(out, 'users', user));
    expect(files.sort()).toEqual(['kubeconfig', `${user}.crt`, `${user}.key`]);
    for (const file of files) expect(statSync(join(out, 'users', user, file)).size).toBeLessThanOrEqual(KEY_FILE_LIMIT);
  });

  it('add-user takes no more groups than a spec may list (exit 2), and writes nothing', () => {
    const dir = temp();
    const r = runCli(['add-user', TUTORIAL, '--out', 'o', '--name', 'zed', ...Array.from({ length: groups + 1 }, (_, j) => ['--group', `g${j}`]).flat()], dir);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`at most ${groups}`);
    expect(listFiles(dir)).toEqual([]);
  });

  it('the writer refuses, as a bug, a file it could not read back', () => {
    expect(() => checkReadableBack([{ path: MANIFEST_PATH, content: 'x'.repeat(MANIFEST_JSON_LIMIT + 1) }])).toThrow(/BUG: pki\/manifest\.json would be/);
    expect(() => checkReadableBack([{ path: 'users/a/kubeconfig', content: 'x'.repeat(KEY_FILE_LIMIT + 1) }])).toThrow(/BUG: users\/a\/kubeconfig/);
    expect(() => checkReadableBack([{ path: MANIFEST_PATH, content: 'x'.repeat(KEY_FILE_LIMIT + 1) }])).not.toThrow();
  });
});
