import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ISSUE_CODE_SECTIONS, ISSUE_CODES } from '../../src/issue-codes.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('issue codes', () => {
  it('docs/issue-codes.md is generated from src/issue-codes.ts (npm run gen:docs)', async () => {
    // @ts-expect-error: plain .mjs build script without type declarations
    const { renderIssueCodes } = await import('../../scripts/gen-code-docs.mjs');
    const committed = readFileSync(join(REPO_ROOT, 'docs/issue-codes.md'), 'utf8');
    expect(renderIssueCodes(ISSUE_CODES, ISSUE_CODE_SECTIONS)).toBe(committed);
  });

  it('every code in the registry is reported somewhere in src, so the docs list no code hakube never shows', () => {
    // The type makes every reported code a registered one; this is the other direction.
    const registry = join(REPO_ROOT, 'src/issue-codes.ts');
    const reported = new Set<string>();
    for (const file of sourceFiles(join(REPO_ROOT, 'src')).filter((f) => f !== registry)) {
      for (const [, code] of readFileSync(file, 'utf8').matchAll(/'(HK\d{3})'/g)) reported.add(code!);
    }
    const unreported = Object.keys(ISSUE_CODES).filter((code) => !reported.has(code));
    expect(unreported, `registered in ${relative(REPO_ROOT, registry)} but never reported`).toEqual([]);
  });

  it('the README sends readers to the generated list', () => {
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).toContain('](docs/issue-codes.md)');
  });
});
