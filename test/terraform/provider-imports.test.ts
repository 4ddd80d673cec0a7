import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const IMPORT = /(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g;

describe('imports of cdktf and the AWS provider bindings', () => {
  const files = sourceFiles('src').map((path) => ({ path, specifiers: [...readFileSync(path, 'utf8').matchAll(IMPORT)].map((m) => m[1] ?? '') }));

  it('never loads the provider package index (about 4 s and 580 MB), only deep paths', () => {
    const providerImports = files.flatMap((f) => f.specifiers.filter((s) => s.startsWith('@cdktf/provider-aws')).map((s) => ({ path: f.path, s })));
    expect(providerImports.length).toBeGreaterThan(10);
    for (const { path, s } of providerImports) expect(s, path).toMatch(/^@cdktf\/provider-aws\/lib\/[a-z0-9-]+\/index\.js$/);
  });

  it('keeps cdktf inside the Terraform emitter', () => {
    for (const f of files) {
      const cdk = f.specifiers.filter((s) => s === 'cdktf' || s.startsWith('@cdktf/') || s === 'constructs');
      if (cdk.length > 0) expect(f.path.startsWith(join('src', 'emit', 'terraform'))).toBe(true);
    }
  });
});
