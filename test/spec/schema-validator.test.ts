import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ErrorObject } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readClusterSchema, schemaValidator, standaloneSchemaValidatorModule, type SchemaValidator } from '../../src/spec/schema-validator.js';
import { BASE_SPEC, withLine } from '../helpers/spec-text.js';

const REPO_ROOT = new URL('../..', import.meta.url);
const scratch = mkdtempSync(join(tmpdir(), 'hakube-standalone-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The module the bundle carries in schema-validator's place, written out and imported; ajv's helpers from here. */
async function standaloneValidator(): Promise<SchemaValidator> {
  const file = join(scratch, 'schema-validator.mjs');
  const requireFromHere = `import { createRequire } from 'node:module';\nconst require = createRequire(${JSON.stringify(import.meta.url)});\n`;
  writeFileSync(file, requireFromHere + standaloneSchemaValidatorModule(readClusterSchema()));
  const module = (await import(pathToFileURL(file).href)) as { schemaValidator(): SchemaValidator };
  return module.schemaValidator();
}

/** What checkSchema reads of an error, schema objects compared by content. */
function comparable(errors: ErrorObject[] | null | undefined): unknown {
  return (errors ?? []).map((e) => ({ ...e, schema: JSON.stringify(e.schema), parentSchema: JSON.stringify(e.parentSchema) }));
}

const examples = readdirSync(new URL('examples/', REPO_ROOT))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => [`examples/${f}`, readFileSync(new URL(`examples/${f}`, REPO_ROOT), 'utf8')] as const);

/** One document per kind of error checkSchema turns into an issue, and some with several at once. */
const invalid: Array<readonly [string, string]> = [
  ['unknown field', withLine('    count: 3', '    count: 3\n    cuont: 3')],
  ['missing required field', withLine('      minSize: 2\n', '')],
  ['enum', withLine('    cni: calico', '    cni: flannel')],
  ['type and pattern', withLine('      maxSize: 2', '      maxSize: two', withLine('  region: us-west-2', '  region: US West'))],
  ['discriminator', BASE_SPEC + '  terraform:\n    backend:\n      type: gcs\n'],
  ['pattern in a discriminated branch', BASE_SPEC + '  terraform:\n    backend:\n      type: local\n      path: /var/state.tfstate\n'],
  ['duplicate items', withLine('  zones: [us-west-2a, us-west-2b, us-west-2c]', '  zones: [us-west-2a, us-west-2a, us-west-2c]')],
  ['minimum', withLine('      minSize: 2', '      minSize: -1')],
  ['not an object', 'just text\n'],
  ['empty', '{}\n'],
];

describe('the precompiled (ajv standalone) schema validator the bundle carries', () => {
  const compiled = schemaValidator();
  const precompiled = standaloneValidator();

  it('holds the same schema', async () => {
    expect((await precompiled).schema).toEqual(compiled.schema);
  });

  it.each([...examples, ...invalid])('accepts or rejects %s exactly as the schema compiled at run time does', async (_, text) => {
    const data = parse(text) as unknown;
    const { validate } = await precompiled;
    const expected = compiled.validate(data);
    expect(validate(data)).toBe(expected);
    expect(comparable(validate.errors)).toEqual(comparable(compiled.validate.errors));
  });

  it('rejects every invalid document and accepts every example (the comparison above covers both outcomes)', () => {
    for (const [, text] of examples) expect(compiled.validate(parse(text))).toBe(true);
    for (const [, text] of invalid) expect(compiled.validate(parse(text))).toBe(false);
  });
});
