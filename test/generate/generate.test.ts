import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { hasStackTrace, REPO_ROOT, runCli } from '../helpers/run-cli.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'hakube-generate-'));
}

/** Path → sha256 of every file, plus mtimes, to prove a folder was not touched. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    listFiles(dir).map((f) => [f, `${createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')} ${statSync(join(dir, f)).mtimeMs}`]),
  );
}

/** A copy of an example in a temp folder, with `from` replaced by `to`. */
function editedSpec(example: string, from: string, to: string, dir = tmp()): string {
  const text = readFileSync(join(REPO_ROOT, 'examples', example), 'utf8');
  if (!text.includes(from)) throw new Error(`test setup: ${from} not in ${example}`);
  const file = join(dir, example);
  writeFileSync(file, text.replace(from, to));
  return file;
}

const TUTORIAL = join(REPO_ROOT, 'examples/myfirstcluster.yaml');

/** The tutorial generated once for the file; tests that start from an existing output take a copy of it. */
let tutorialOutput = '';
beforeAll(() => {
  tutorialOutput = join(tmp(), 'out');
  const r = runCli(['generate', TUTORIAL, '--out', tutorialOutput]);
  if (r.code !== 0) throw new Error(`test setup: generate failed: ${r.stderr}`);
});

/** A copy of the tutorial's generated folder (PKI included) at `out`. */
function generatedTutorial(out: string): string {
  cpSync(tutorialOutput, out, { recursive: true });
  return out;
}

describe('hakube generate', () => {
  it('writes the folder, then re-running on the unchanged spec changes no byte (PKI included)', () => {
    const out = join(tmp(), 'out');
    const first = runCli(['generate', TUTORIAL, '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`myfirstcluster.k8s.local: wrote ${out}`);
    expect(first.stdout).toContain('created    control-plane.tf.json');
    const before = snapshot(out);
    const second = runCli(['generate', TUTORIAL, '--out', out]);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toMatch(/^ {2}(created|changed|removed) /m);
    expect(second.stdout).toContain('unchanged  28 file(s)');
    expect(snapshot(out)).toEqual(before);
  });

  it('never writes or changes anything for a rejected spec, a bad flag or a missing file', () => {
    const dir = tmp();
    const out = generatedTutorial(join(dir, 'out'));
    const before = snapshot(out);
    const even = editedSpec('myfirstcluster.yaml', '    count: 3', '    count: 4', dir);
    const unknown = editedSpec('myfirstcluster.yaml', '    count: 3', '    count: 3\n    spare: true', mkdtempSync(join(dir, 'u')));
    writeFileSync(join(dir, 'syntax.yaml'), 'apiVersion: hakube/v1alpha1\nspec: [\n');
    const cases: Array<[string[], number, RegExp]> = [
      [['generate', even, '--out', out], 1, /HK200/],
      [['generate', unknown, '--out', out], 1, /HK101/],
      [['generate', join(dir, 'syntax.yaml'), '--out', out], 1, /HK002/],
      [['generate', join(dir, 'missing.yaml'), '--out', out], 1, /no such file/],
      [['generate', TUTORIAL, '--out', out, '--bogus'], 2, /Unknown argument/],
    ];
    for (const [args, code, message] of cases) {
      const r = runCli(args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(hasStackTrace(r.stderr)).toBe(false);
      expect(snapshot(out)).toEqual(before);
    }
    const fresh = join(dir, 'never');
    expect(runCli(['generate', even, '--out', fresh]).code).toBe(1);
    expect(existsSync(fresh)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('hakube-'))).toEqual([]);
  });

  it('--dry-run reports the changes and writes nothing', () => {
    const out = join(tmp(), 'out');
    const r = runCli(['generate', TUTORIAL, '--out', out, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('would write');
    expect(r.stdout).toContain('created    workers.tf.json');
    expect(existsSync(out)).toBe(false);
  });

  it('puts key material only under pki/ and users/: not in Terraform, cloud-init, add-ons, reports or logs', () => {
    const out = join(tmp(), 'out');
    const r = runCli(['generate', join(REPO_ROOT, 'examples/private-multigroup.yaml'), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const files = listFiles(out);
    const secretFiles = files.filter((f) => f.endsWith('.key') || f.startsWith('pki/secrets/') || f.endsWith('kubeconfig'));
    expect(secretFiles.length).toBeGreaterThan(10);
    const secrets: string[] = [];
    for (const f of secretFiles) {
      expect(statSync(join(out, f)).mode & 0o777, f).toBe(0o600);
      // Every base64 line of a key, the token, and the encryption key are each a needle.
      for (const line of readFileSync(join(out, f), 'utf8').split('\n')) {
        const value = line.replace(/^.*secret: /, '').trim();
        if (value.length >= 16 && !value.startsWith('-----') && !/^(apiVersion|kind|clusters|users|contexts|current-context|name|cluster|user|server|certificate-authority-data|client-certificate-data)/.test(value)) secrets.push(value.replace(/^client-key-data: /, ''));
      }
    }
    const token = readFileSync(join(out, 'pki/secrets/bootstrap-token'), 'utf8').trim();
    expect(secrets).toContain(token);
    const published = files.filter((f) => !f.startsWith('pki/') && !f.startsWith('users/') && f !== 'kubeconfig');
    expect(published.some((f) => f.endsWith('.tf.json')) && published.some((f) => f.startsWith('cloud-init/'))).toBe(true);
    const haystacks: Array<[string, string]> = [...published.map((f) => [f, readFileSync(join(out, f), 'utf8')] as [string, string]), ['stdout', r.stdout], ['stderr', r.stderr]];
    for (const [name, text] of haystacks) {
      expect(text, name).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      expect(text, name).not.toContain(token.split('.')[1]);
      for (const s of secrets) expect(text.includes(s), `${name} contains key material`).toBe(false);
    }
  });

  it('a one-field change (a group’s maxSize) changes one value in one Terraform file, and its hash in hakube’s record', () => {
    const dir = tmp();
    const out = generatedTutorial(join(dir, 'out'));
    const before = snapshot(out);
    const recordBefore = readFileSync(join(out, '.hakube-files'), 'utf8').split('\n');
    const edited = editedSpec('myfirstcluster.yaml', '      maxSize: 2', '      maxSize: 3', dir);
    const r = runCli(['generate', edited, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const after = snapshot(out);
    const changed = Object.keys(after).filter((f) => f !== 'HA-REPORT.md' && f !== '.hakube-files' && before[f]?.split(' ')[0] !== after[f].split(' ')[0]);
    expect(changed).toEqual(['workers.tf.json']);
    const recordAfter = readFileSync(join(out, '.hakube-files'), 'utf8').split('\n');
    expect(recordAfter.filter((l, i) => l !== recordBefore[i]).map((l) => l.slice(66))).toEqual(['workers.tf.json']);
    expect(r.stdout).toContain('changed    workers.tf.json');
  });

  it('writes a change that would stop every control-plane member for one member per apply, and holds the rest', () => {
    const dir = tmp();
    const out = generatedTutorial(join(dir, 'out'));
    const edited = editedSpec('myfirstcluster.yaml', '    instanceType: t3.medium\n  instanceGroups:', '    instanceType: m6i.large\n  instanceGroups:', dir);
    const r = runCli(['generate', edited, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('control-plane-1: stopped and started (instance_type)');
    expect(r.stdout).toContain('This step writes the change of control-plane-1 only.');
    expect(r.stdout).toContain(`hakube rollout next ${edited} --out ${out}`);
    const instances = JSON.parse(readFileSync(join(out, 'control-plane.tf.json'), 'utf8')).resource.aws_instance;
    expect([1, 2, 3].map((n) => instances[`control_plane_${n}`].instance_type)).toEqual(['m6i.large', 't3.medium', 't3.medium']);
    expect(JSON.parse(readFileSync(join(out, 'rollout-pending.json'), 'utf8')).pending).toEqual(['control-plane-2', 'control-plane-3']);
    // Generate never advances a rollout on its own.
    const before = snapshot(out);
    const again = runCli(['generate', edited, '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('A rollout is in progress and generate never advances it on its own.');
    expect(snapshot(out)).toEqual(before);
  });

  it('writes every member at once only under the loudly named emergency flag, and then says how to stage by hand', () => {
    const dir = tmp();
    const out = generatedTutorial(join(dir, 'out'));
    const edited = editedSpec('myfirstcluster.yaml', '    instanceType: t3.medium\n  instanceGroups:', '    instanceType: m6i.large\n  instanceGroups:', dir);
    const r = runCli(['generate', edited, '--out', out, '--all-members-at-once']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('WARNING: one apply would take down 3 control-plane members at once');
    for (const n of [1, 2, 3]) expect(r.stdout).toContain(`-target=aws_instance.control_plane_${n}`);
    expect(existsSync(join(out, 'rollout-pending.json'))).toBe(false);
  });

  it('keeps the user’s own files in the output folder (Terraform state)', () => {
    const out = generatedTutorial(join(tmp(), 'out'));
    writeFileSync(join(out, 'terraform.tfstate'), 'STATE');
    const edited = editedSpec('myfirstcluster.yaml', '      maxSize: 2', '      maxSize: 4');
    expect(runCli(['generate', edited, '--out', out]).code).toBe(0);
    expect(readFileSync(join(out, 'terraform.tfstate'), 'utf8')).toBe('STATE');
  });

  it('plans the rollout from its own Terraform only, not from Terraform files the user added', () => {
    const out = generatedTutorial(join(tmp(), 'out'));
    writeFileSync(join(out, 'bastion.tf.json'), JSON.stringify({ resource: { aws_instance: { bastion: { ami: 'ami-1', instance_type: 't3.micro' } } } }));
    const r = runCli(['generate', TUTORIAL, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('bastion');
    expect(readFileSync(join(out, 'bastion.tf.json'), 'utf8')).toContain('bastion');
  });

  it('finishes a swap an earlier run could not complete before reading keys, so keys are kept', () => {
    const dir = tmp();
    const out = generatedTutorial(join(dir, 'out'));
    const caKey = readFileSync(join(out, 'pki/ca.key'));
    renameSync(out, join(dir, '.out.hakube-old-99999'));
    const r = runCli(['generate', TUTORIAL, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'pki/ca.key'))).toEqual(caKey);
    expect(readdirSync(dir)).toEqual(['out']);
  });

  it('rejects an --out that is a file, lies under a file, or is the working folder, without a stack trace', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'afile'), 'mine');
    const cases: Array<[string, string]> = [
      [join(dir, 'afile'), 'is a file, not a folder'],
      [join(dir, 'afile', 'sub'), 'is a file, not a folder'],
      ['.', 'is the working folder or holds it'],
      ['..', 'is the working folder or holds it'],
    ];
    for (const [out, message] of cases) {
      const r = runCli(['generate', TUTORIAL, '--out', out], dir);
      expect(r.code, out).toBe(1);
      expect(r.stderr).toContain(message);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
    expect(readFileSync(join(dir, 'afile'), 'utf8')).toBe('mine');
    expect(readdirSync(dir)).toEqual(['afile']);
  });

  it('reports a damaged Terraform file of its own as a user error', () => {
    const out = generatedTutorial(join(tmp(), 'out'));
    for (const content of ['null', '[1, 2]', '{ not json']) {
      writeFileSync(join(out, 'network.tf.json'), content);
      const r = runCli(['generate', TUTORIAL, '--out', out]);
      expect(r.code, content).toBe(1);
      expect(r.stderr).toContain(`${join(out, 'network.tf.json')} is not`);
      expect(hasStackTrace(r.stderr)).toBe(false);
      expect(readFileSync(join(out, 'network.tf.json'), 'utf8')).toBe(content);
    }
  });
});

