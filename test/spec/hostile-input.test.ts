import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/errors.js';
import { SPEC_FILE_LIMIT } from '../../src/bounded-read.js';
import { loadSpecFile, parseSpecText } from '../../src/spec/load.js';
import { BASE_SPEC, issuesOf, lineOf, only, withLine } from '../helpers/spec-text.js';
import { hasStackTrace, runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hakube-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A real EC private key made by openssl, as a PEM string. */
function realPrivateKey(): string {
  return execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], { encoding: 'utf8' });
}

function bodyLinesOf(pem: string): string[] {
  return pem.split('\n').filter((l) => l && !l.startsWith('-----'));
}

describe('no secret or huge value is echoed, and one problem stays one line', () => {
  it('hakube validate on a private key file names the problem without printing the key', () => {
    const pem = realPrivateKey();
    const file = join(dir, 'ca.key');
    writeFileSync(file, pem);
    const r = runCli(['validate', file]);
    expect(r.code).toBe(1);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr).toContain('<redacted: looks like a private key>');
    expect(r.stderr).not.toContain('BEGIN');
    for (const line of bodyLinesOf(pem)) expect(r.stderr).not.toContain(line.slice(0, 20));
  });

  it('a private key pasted as ssh.publicKey is refused without being printed back', () => {
    const pem = realPrivateKey();
    const text = withLine('    allowedCIDRs: [0.0.0.0/0]', `    allowedCIDRs: [0.0.0.0/0]\n  ssh:\n    publicKey: |\n${pem.split('\n').map((l) => `      ${l}`).join('\n')}`);
    const issues = issuesOf(text);
    const shown = issues.map(formatIssue).join('\n');
    expect(only(issues, 'HK105').map((i) => i.pointer)).toEqual(['/spec/ssh/publicKey']);
    expect(shown).toContain('<redacted: looks like a private key>');
    for (const line of bodyLinesOf(pem)) expect(shown).not.toContain(line.slice(0, 20));
  });

  it('a bootstrap token in any field is never printed back', () => {
    const token = 'abcdef.0123456789abcdef';
    const issues = [
      ...issuesOf(withLine('  kubernetesVersion: 1.34.2', `  kubernetesVersion: "${token}"`)),
      ...issuesOf(withLine('  region: us-west-2', `  region: "x ${token}"`)),
      ...issuesOf(withLine('    cni: calico', `    cni: ${token}`)),
      ...issuesOf(withLine('    vpcCIDR: 172.20.0.0/16', `    vpcCIDR: 172.20.0.0/16\n    ${token}: 1`)),
    ];
    expect(issues.length).toBeGreaterThanOrEqual(4);
    const shown = issues.map(formatIssue).join('\n');
    expect(shown).not.toContain('0123456789abcdef');
    expect(shown).toContain('<redacted: looks like a bootstrap token>');
  });

  it('a huge value is cut to a few dozen characters', () => {
    const huge = 'x'.repeat(50_000);
    const [issue] = only(issuesOf(withLine('  region: us-west-2', `  region: ${huge}`)), 'HK105');
    expect(issue.message).toContain('…" (50000 characters)');
    expect(issue.message.length).toBeLessThan(400);
  });

  it('newlines in a value or a message never break the one-problem-per-line format', () => {
    const issues = issuesOf(withLine('  region: us-west-2', '  region: "us-west-2\\nfake.yaml:1:1  /  error HK999: forged"'));
    const lines = issues.map(formatIssue);
    for (const line of lines) expect(line).not.toMatch(/[\n\r]/);
    expect(lines.join('\n').split('\n')).toHaveLength(issues.length);
    const forged = formatIssue({ code: 'HK100', severity: 'error', pointer: '/a\nb', message: 'one\ntwo\r\u0007three' });
    expect(forged).toBe('-  /a\\nb  error HK100: one\\ntwo\\r\\u0007three');
  });
});

describe('bounded work on hostile specs', () => {
  it('semantic rules do not run when the schema failed (count: 1e9 is one schema error, at once)', () => {
    const started = Date.now();
    const issues = issuesOf(withLine('    count: 3', '    count: 1e9'));
    // A loop guard, not a benchmark: rules iterating to count took about 30 s.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(issues.map((i) => i.code)).toEqual(['HK100']);
    // An even count (a rule) beside a schema error: the schema error alone is the report.
    const mixed = issuesOf(withLine('    count: 3', '    count: 4\n    bogus: 1'));
    expect(mixed.map((i) => i.code)).toEqual(['HK101']);
  });

  it('unknown keys are handled in linear time (80k of them, each reported with its line)', () => {
    const keys = Array.from({ length: 80_000 }, (_, i) => `  k${i}: 1`).join('\n');
    const text = withLine('spec:', `spec:\n${keys}`);
    const started = Date.now();
    const issues = issuesOf(text);
    // A loop guard: the quadratic version needed minutes for this many keys.
    expect(Date.now() - started).toBeLessThan(30_000);
    const unknown = only(issues, 'HK101');
    expect(unknown).toHaveLength(80_000);
    expect(unknown[79_999].position?.line).toBe(lineOf(text, 'k79999:'));
  });

  it('duplicate keys are still refused with their position', () => {
    const text = withLine('    cni: calico', '    cni: calico\n    cni: cilium');
    const [issue] = only(issuesOf(text), 'HK002');
    expect(issue.message).toContain('Map keys must be unique');
    expect(issue.position?.line).toBe(lineOf(text, 'cni: cilium'));
  });

  it('a spec file over 1 MiB is refused with HK003 before it is parsed', () => {
    const file = join(dir, 'big.yaml');
    writeFileSync(file, BASE_SPEC + `# ${'x'.repeat(SPEC_FILE_LIMIT)}\n`);
    const r = runCli(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/HK003: the spec file is larger than 1 MiB/);
    expect(r.stderr.length).toBeLessThan(1000);
  });

  it('ssh.publicKeyFile: /dev/zero reads at most 16 KiB and is refused', () => {
    const text = withLine('    allowedCIDRs: [0.0.0.0/0]', '    allowedCIDRs: [0.0.0.0/0]\n  ssh:\n    publicKeyFile: /dev/zero');
    const [issue] = only(issuesOf(text, join(dir, 'spec.yaml')), 'HK252');
    expect(issue.message).toContain('larger than 16 KiB');
  });

  it('1000-deep flow nesting (2 KB) is a clean HK004 with a position, not a stack overflow', () => {
    const text = `a: ${'['.repeat(1000)}${']'.repeat(1000)}\n`;
    expect(() => parseSpecText(text, 'deep.yaml')).toThrow(/not valid YAML/);
    const file = join(dir, 'deep.yaml');
    writeFileSync(file, text);
    expect.assertions(6);
    try {
      loadSpecFile(file);
    } catch (err) {
      const [issue] = (err as { issues: Array<{ code: string; position?: { line: number; column: number } }> }).issues;
      expect(issue.code).toBe('HK004');
      expect(issue.position).toMatchObject({ line: 1, column: 3 + 65 });
    }
    const r = runCli(['validate', file]);
    expect(r.code).toBe(1);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr).toContain('HK004');
  });
});
