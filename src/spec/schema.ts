import type { ErrorObject } from 'ajv';
import type { Issue } from '../errors.js';
import { showValue as show } from '../show-value.js';
import type { LoadedSpec } from './load.js';
import type { ClusterSpec } from './cluster-spec.generated.js';
import { schemaValidator, type SchemaValidator } from './schema-validator.js';

/** The schema and its validator, made once; `resolveRef` reads `$defs` from the same object. */
let compiled: SchemaValidator | undefined;

function loadSchema(): SchemaValidator {
  compiled ??= schemaValidator();
  return compiled;
}

/**
 * The most groups one user may have: the schema's bound on a spec user's groups, so that add-user issues nothing
 * a spec could not list (and nothing too large to read back).
 */
export function maxUserGroups(): number {
  const user = loadSchema().schema.$defs['User'] as { properties: { groups: { maxItems: number } } };
  return user.properties.groups.maxItems;
}

/** Checks the document against schemas/cluster.schema.json and reports every violation. */
export function checkSchema(loaded: LoadedSpec): { spec?: ClusterSpec; issues: Issue[] } {
  const { validate } = loadSchema();
  if (validate(loaded.data)) return { spec: loaded.data as ClusterSpec, issues: [] };
  const seen = new Set<string>();
  const issues: Issue[] = [];
  for (const err of validate.errors ?? []) {
    const issue = toIssue(err, loaded);
    if (!issue) continue;
    const key = `${issue.pointer}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return { issues };
}

function describe(schema: unknown): string {
  const d = (schema as { description?: string } | undefined)?.description;
  return d ? ` (${d})` : '';
}


function toIssue(err: ErrorObject, loaded: LoadedSpec): Issue | undefined {
  const at = err.instancePath;
  const base: Pick<Issue, 'code' | 'severity'> = { code: 'HK100', severity: 'error' };
  switch (err.keyword) {
    case 'additionalProperties': {
      const field = (err.params as { additionalProperty: string }).additionalProperty;
      const pointer = `${at}/${field.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const allowed = Object.keys((err.parentSchema as { properties?: object })?.properties ?? {});
      return {
        ...base,
        code: 'HK101',
        pointer,
        message: `unknown field ${show(field)}; allowed here: ${allowed.join(', ') || 'none'}`,
        position: loaded.locate(pointer, { key: true }),
      };
    }
    case 'required': {
      const field = (err.params as { missingProperty: string }).missingProperty;
      const fieldSchema = (err.parentSchema as { properties?: Record<string, unknown> })?.properties?.[field];
      return {
        ...base,
        code: 'HK102',
        pointer: `${at}/${field}`,
        message: `missing required field "${field}"${describe(resolveRef(fieldSchema))}`,
        position: loaded.locate(at),
      };
    }
    case 'enum':
      return {
        ...base,
        code: 'HK103',
        pointer: at,
        message: `${show(err.data)} is not allowed; use one of ${(err.params as { allowedValues: unknown[] }).allowedValues.map(show).join(', ')}`,
        position: loaded.locate(at),
      };
    case 'const':
      return {
        ...base,
        code: 'HK103',
        pointer: at,
        message: `${show(err.data)} is not allowed; the only valid value is ${show((err.params as { allowedValue: unknown }).allowedValue)}`,
        position: loaded.locate(at),
      };
    case 'type':
      return {
        ...base,
        code: 'HK104',
        pointer: at,
        message: `expected ${(err.params as { type: string }).type}, got ${show(err.data)}${describe(err.parentSchema)}`,
        position: loaded.locate(at),
      };
    case 'pattern':
    case 'format':
      return {
        ...base,
        code: 'HK105',
        pointer: at,
        message: `${show(err.data)} is not valid${describe(err.parentSchema) || ` (must match ${(err.params as { pattern?: string }).pattern})`}`,
        position: loaded.locate(at),
      };
    case 'propertyNames':
      // Ajv reports the offending name through a nested 'pattern' error as well; that one carries the position.
      return undefined;
    case 'discriminator': {
      const params = err.params as { error: string; tag: string; tagValue?: unknown };
      const options = ((err.parentSchema as { oneOf?: Array<{ properties: { type: { const: string } } }> })?.oneOf ?? []).map(
        (o) => show(o.properties.type.const),
      );
      return {
        ...base,
        code: 'HK103',
        pointer: `${at}/${params.tag}`,
        message: `${show(params.tagValue)} is not a known ${params.tag}; use one of ${options.join(', ')}`,
        position: loaded.locate(`${at}/${params.tag}`),
      };
    }
    case 'uniqueItems': {
      const { i, j } = err.params as { i: number; j: number };
      return {
        ...base,
        code: 'HK106',
        pointer: `${at}/${i}`,
        message: `duplicate entry ${show((err.data as unknown[])[i])} (also at index ${j}); entries must be unique`,
        position: loaded.locate(`${at}/${i}`),
      };
    }
    default: {
      const p = err.params as Record<string, unknown>;
      const limit = p.limit !== undefined ? String(p.limit) : '';
      const messages: Record<string, string> = {
        minimum: `${show(err.data)} is too small; the minimum is ${limit}`,
        maximum: `${show(err.data)} is too large; the maximum is ${limit}`,
        minItems: `needs at least ${limit} item(s)`,
        maxItems: `allows at most ${limit} item(s)`,
        minLength: `${show(err.data)} is too short; at least ${limit} character(s)`,
        maxLength: `${show(err.data)} is too long; at most ${limit} character(s)`,
      };
      return {
        ...base,
        pointer: at,
        message: (messages[err.keyword] ?? `${err.message ?? 'is invalid'}`) + describe(err.parentSchema),
        position: loaded.locate(at),
      };
    }
  }
}

function resolveRef(schema: unknown): unknown {
  const ref = (schema as { $ref?: string } | undefined)?.$ref;
  if (!ref) return schema;
  return loadSchema().schema.$defs[ref.replace('#/$defs/', '')];
}
