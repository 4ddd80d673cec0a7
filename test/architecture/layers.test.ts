import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/run-cli.js';

const SRC = join(REPO_ROOT, 'src');
const CLI = join(SRC, 'cli');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const RELATIVE_IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

describe('layers', () => {
  it('keeps the CLI at the top: nothing outside src/cli imports from it', () => {
    const upward: string[] = [];
    const files = sourceFiles(SRC).filter((f) => !f.startsWith(CLI + '/'));
    expect(files.length).toBeGreaterThan(30);
    for (const file of files) {
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
        const target = resolve(dirname(file), specifier ?? '');
        if (target === CLI || target.startsWith(CLI + '/')) upward.push(`${relative(REPO_ROOT, file)} imports ${specifier}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
