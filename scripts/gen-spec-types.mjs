// Writes src/spec/cluster-spec.generated.ts from schemas/cluster.schema.json so the
// TypeScript types cannot drift from the schema (test/spec-types.test.ts checks it).
import { compile } from 'json-schema-to-typescript';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'src/spec/cluster-spec.generated.ts');

export async function renderSpecTypes() {
  const schema = JSON.parse(readFileSync(join(root, 'schemas/cluster.schema.json'), 'utf8'));
  return compile(schema, 'ClusterSpec', {
    additionalProperties: false,
    bannerComment:
      '/* Generated from schemas/cluster.schema.json by `npm run gen:types`. Do not edit. */',
    style: { singleQuote: true },
    unreachableDefinitions: false,
    ignoreMinAndMaxItems: true,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(target, await renderSpecTypes());
  console.log(`wrote ${target}`);
}
