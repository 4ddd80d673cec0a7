import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ajv2020 from 'ajv/dist/2020.js';
import standalone from 'ajv/dist/standalone/index.js';
import type { Options, ValidateFunction } from 'ajv';

// ajv is CommonJS; its class and the standalone generator are the modules' default exports.
const Ajv2020 = ajv2020.default;
const standaloneCode = standalone.default;

export interface RootSchema {
  $defs: Record<string, unknown>;
}

/** The parsed schema and its validator; the schema is kept because error messages read descriptions from it. */
export interface SchemaValidator {
  schema: RootSchema;
  validate: ValidateFunction;
}

const AJV_OPTIONS: Options = { allErrors: true, verbose: true, strict: true, strictRequired: false, discriminator: true };

/** schemas/cluster.schema.json, found from this module's own location (src/), never from the cwd. */
export function readClusterSchema(): RootSchema {
  return JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas', 'cluster.schema.json'), 'utf8')) as RootSchema;
}

/** Compiles the schema now: what the sources and tests use; the bundle carries the precompiled one instead. */
export function schemaValidator(): SchemaValidator {
  const schema = readClusterSchema();
  return { schema, validate: new Ajv2020(AJV_OPTIONS).compile(schema) };
}

/**
 * The source of an ES module that exports `schemaValidator()` like this one, with the validator compiled ahead
 * of time (ajv standalone) and the schema inline: scripts/build.mjs puts it in the bundle in this module's
 * place, so no run compiles the schema. The code require()s ajv's runtime helpers (ajv/dist/runtime/...),
 * which the bundler bundles.
 */
export function standaloneSchemaValidatorModule(schema: RootSchema): string {
  const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true, esm: true } });
  return [
    standaloneCode(ajv, ajv.compile(schema)).replace(/^"use strict";/, ''),
    `const clusterSchema = ${JSON.stringify(schema)};`,
    'export function schemaValidator() { return { schema: clusterSchema, validate }; }',
    '',
  ].join('\n');
}
