import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { addonFileNames } from '../../src/emit/addons/index.js';
import { emitCloudInit } from '../../src/emit/cloudinit/index.js';
import { CONTROL_PLANE_TEMPLATE_VARS, NODE_TEMPLATE_VARS } from '../../src/model/bootstrap-contract.js';
import { emitTerraform } from '../../src/emit/terraform/emit-terraform.js';
import { bucketObjects } from '../../src/model/bucket-layout.js';
import { UserError } from '../../src/errors.js';
import { validateText } from '../../src/spec/validate.js';
import { renderTemplatefile, realisticValues } from '../cloudinit/templatefile.js';
import { stableObjectHashes } from '../helpers/object-hashes.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

/**
 * Property: whatever string field of the spec holds a template sequence, Terraform and templatefile() read it as the
 * text the user wrote. Every string the schema allows (values, array items, map keys and values) is found by walking
 * schemas/cluster.schema.json, so a field added tomorrow is covered without a change here.
 */

/** Template openers of Terraform (`${`, `%{`), cdktf's token markers, and the cloud-init placeholder syntax. Quote-free,
 * so they fit inside a JSON string of an inline policy. Each sequence alone, and all of them with and without spaces. */
const SEQUENCES = ['${upper(path.module)}', '%{if true}x%{endif}', '${TfToken[TOKEN.1]}', '#{TfToken[TOKEN.2]}', '&{TfToken[TOKEN.3]}', '@@tf:bucket@@'];
const HOSTILE = [SEQUENCES.join(' '), SEQUENCES.join(''), ...SEQUENCES];
/** What would show that spec text became an expression, a directive, a cdktf reference or a templatefile variable. */
const FRAGMENTS = ['upper(path.module)', 'if true', 'TfToken', 'tf:bucket'];

const BASE_SPEC = 'examples/private-multigroup.yaml';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAFl8ikhFcpSx+IspyLArlqnUVcW3kGmg3i+KMLwRamc tutorial@example';

type Json = Record<string, unknown>;
type Schema = Json & { $ref?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean; propertyNames?: Schema; oneOf?: Schema[] };

const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas/cluster.schema.json'), 'utf8')) as Schema;
const definitions = schema.$defs as Record<string, Schema>;

function resolved(node: Schema): Schema {
  return node.$ref ? resolved(definitions[node.$ref.replace('#/$defs/', '')]!) : node;
}

/**
 * A base spec with every optional part that holds strings present: the private example plus an SSH key, a user, and
 * the first service account's inline policy (the second's), which the first item of every list is where text goes.
 */
function baseSpec(): Json {
  const spec = parse(readFileSync(join(REPO_ROOT, BASE_SPEC), 'utf8')) as Json;
  const body = spec.spec as Json & { ssh: Json; iam: { serviceAccountExternalPermissions: Array<{ aws: Json }> } };
  body.ssh.publicKey = SSH_KEY;
  body.users = [{ name: 'alice', groups: ['developers'] }];
  const [first, second] = body.iam.serviceAccountExternalPermissions;
  first!.aws.inlinePolicy = second!.aws.inlinePolicy;
  return spec;
}

/** One place a string may be written: how to put `text` there in a copy of the base spec. */
interface StringField {
  pointer: string;
  schema: Schema;
  /** The base spec with `text` at this place, or undefined when the base spec has no value to vary there. */
  write: (spec: Json, text: string) => void;
  base: string | undefined;
}

/** Every string place of the schema, with the base spec's value there (arrays: the first item; maps: a new entry). */
function stringFields(node: Schema, pointer: string, get: (spec: Json) => unknown, set: (spec: Json, value: unknown) => void): StringField[] {
  const s = resolved(node);
  if (s.const !== undefined || s.enum !== undefined) return [];
  const fields: StringField[] = [];
  if (s.type === 'string') {
    const current = get(baseSpec());
    fields.push({ pointer, schema: s, base: typeof current === 'string' ? current : undefined, write: (spec, text) => set(spec, text) });
  }
  const object = (spec: Json): Json => {
    const value = get(spec);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Json;
    const created: Json = {};
    set(spec, created);
    return created;
  };
  for (const [name, property] of Object.entries(s.properties ?? {})) {
    fields.push(...stringFields(property, `${pointer}/${name}`, (spec) => (get(spec) as Json | undefined)?.[name], (spec, value) => (object(spec)[name] = value)));
  }
  if (s.items) {
    fields.push(
      ...stringFields(s.items, `${pointer}/0`, (spec) => (get(spec) as unknown[] | undefined)?.[0], (spec, value) => {
        const list = get(spec);
        if (Array.isArray(list)) list[0] = value;
        else set(spec, [value]);
      }),
    );
  }
  if (typeof s.additionalProperties === 'object') {
    const key = 'hakube-test';
    fields.push(...stringFields(s.additionalProperties, `${pointer}/*`, () => undefined, (spec, value) => (object(spec)[key] = value)));
  }
  if (s.propertyNames) {
    const names = { ...s.propertyNames, type: 'string' } as Schema;
    fields.push({ pointer: `${pointer}/<key>`, schema: names, base: undefined, write: (spec, text) => (object(spec)[text] = valueFor(s.additionalProperties)) });
  }
  for (const [i, branch] of (s.oneOf ?? []).entries()) {
    // A branch of a discriminated union: its own constants set, so a field of another branch than the base's is reached.
    const constants = Object.fromEntries(Object.entries(resolved(branch).properties ?? {}).filter(([, p]) => p.const !== undefined).map(([n, p]) => [n, p.const]));
    const branchObject = (spec: Json): Json => {
      const current = object(spec);
      if (Object.entries(constants).every(([n, v]) => current[n] === v)) return current;
      const fresh: Json = { ...constants };
      set(spec, fresh);
      return fresh;
    };
    fields.push(...stringFields({ ...resolved(branch), oneOf: undefined } as Schema, `${pointer}(oneOf ${i})`, (spec) => branchObject(spec), (spec, value) => set(spec, value)).map((f) => ({ ...f, write: (spec: Json, text: string) => (branchObject(spec), f.write(spec, text)) })));
  }
  return fields;
}

/** A value the schema allows for a map entry whose key is varied. */
function valueFor(values: Schema | boolean | undefined): unknown {
  return typeof values === 'object' && resolved(values).type === 'string' ? 'v' : {};
}

/** The texts to try at a place: the hostile text alone, then around or inside the base value (an SSH key's comment, a
 * string of a JSON document). The first that the schema's pattern and length admit and the rules accept is the case. */
function candidates(field: StringField, hostile: string): string[] {
  const b = field.base;
  if (b === undefined) return [hostile];
  const inJsonString = b.replace(/": "/, `": "${hostile}`);
  return [hostile, `${b} ${hostile}`, `${b}${hostile}`, `${hostile}${b}`, ...(inJsonString !== b ? [inJsonString] : [])];
}

function schemaAdmits(field: StringField, text: string): boolean {
  const s = field.schema;
  if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(text)) return false;
  if (typeof s.maxLength === 'number' && [...text].length > s.maxLength) return false;
  return !(typeof s.minLength === 'number' && [...text].length < s.minLength);
}

/**
 * The code of every live interpolation and directive of a Terraform template (HCL's rules: `$${` and `%%{` are literal,
 * quoted strings inside an expression are templates again), and its literal text with escapes undone.
 */
function scanTemplate(text: string): { code: string; literal: string } {
  let code = '';
  let literal = '';
  let i = 0;
  const expression = (): void => {
    let depth = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i += 1;
        template('"');
        i += 1;
        continue;
      }
      if (c === '{' || c === '(' || c === '[') depth += 1;
      if (c === '}' || c === ')' || c === ']') {
        if (depth === 0) return;
        depth -= 1;
      }
      code += c;
      i += 1;
    }
  };
  const template = (end: string | undefined): void => {
    while (i < text.length && text[i] !== end) {
      if (end && text[i] === '\\') {
        i += 2;
        continue;
      }
      if (text.startsWith('$${', i) || text.startsWith('%%{', i)) {
        literal += text.slice(i + 1, i + 3);
        i += 3;
      } else if (text.startsWith('${', i) || text.startsWith('%{', i)) {
        i += 2;
        expression();
        code += ' ; ';
        i += 1;
      } else {
        literal += text[i];
        i += 1;
      }
    }
  };
  template(undefined);
  return { code, literal };
}

/** Every string and key of a JSON document with whether Terraform reads it as a template (the terraform block and
 * output descriptions it takes verbatim). */
function terraformStrings(value: unknown, template: boolean, out: Array<{ text: string; template: boolean }>, path: string[] = []): void {
  if (typeof value === 'string') out.push({ text: value, template });
  else if (Array.isArray(value)) value.forEach((v) => terraformStrings(v, template, out, path));
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const innerPath = [...path, key];
      const verbatim = innerPath[0] === 'terraform' || (innerPath[0] === 'output' && innerPath.length === 3 && key === 'description');
      out.push({ text: key, template: template && !verbatim && path.length > 2 });
      terraformStrings(inner, template && !verbatim, out, innerPath);
    }
  }
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** What Terraform and templatefile() read from the output generated for `spec`: per file, the literal text of each
 * string and key and the code of its interpolations; per cloud-init file, the rendered text or why rendering fails. */
function outputsOf(spec: Json): Array<{ file: string; code: string; literal: string }> {
  const { model } = validateText(stringify(spec), 'property.yaml');
  const objects = bucketObjects(model, addonFileNames(model));
  const out: Array<{ file: string; code: string; literal: string }> = [];
  for (const file of emitTerraform(model, objects, stableObjectHashes(objects))) {
    const found: Array<{ text: string; template: boolean }> = [];
    terraformStrings(JSON.parse(file.content as string), true, found);
    for (const { text, template } of found) out.push({ file: file.path, ...(template ? scanTemplate(text) : { code: '', literal: text }) });
  }
  const variables: string[] = [...new Set<string>([...Object.values(CONTROL_PLANE_TEMPLATE_VARS), ...Object.values(NODE_TEMPLATE_VARS)])];
  for (const file of emitCloudInit(model)) {
    try {
      out.push({ file: file.path, code: '', literal: renderTemplatefile(file.content as string, realisticValues(variables)) });
    } catch (error) {
      out.push({ file: file.path, code: `templatefile() fails: ${String(error)}`, literal: '' });
    }
  }
  return out;
}

function total(outputs: Array<{ literal: string }>, part: string): number {
  return outputs.reduce((n, o) => n + count(o.literal, part), 0);
}

/** A text of no special meaning anywhere, put where the hostile text was: where it lands, the hostile text must. */
const PROBE = 'hakubeprobetext';

/**
 * Problems of `spec`, which holds `hostile` (in `text`): spec text that is Terraform code (an interpolation or
 * directive), or that does not come out whole, as often as a harmless text at the same place does.
 */
function problemsOf(spec: Json, probes: () => number, hostile: string): string[] {
  const outputs = outputsOf(spec);
  const problems: string[] = [];
  for (const { file, code } of outputs) {
    for (const fragment of FRAGMENTS) if (code.includes(fragment)) problems.push(`${file}: ${fragment} is code: ${code.slice(0, 160)}`);
    if (code.startsWith('templatefile() fails')) problems.push(`${file}: ${code.slice(0, 160)}`);
  }
  const whole = total(outputs, hostile);
  const expected = probes();
  if (whole !== expected) problems.push(`the text comes out whole ${whole} times, a harmless text at its place ${expected} times`);
  return problems;
}

const fields = stringFields(schema, '', (spec) => spec, () => {
  throw new Error('the document root is not a string');
});

describe('spec text reaches Terraform and templatefile() as the text the user wrote', () => {
  it('an SSH key comment that spells a cloud-init placeholder stays text (it became ${bucket}, or crashed hakube)', () => {
    const spec = baseSpec();
    (spec.spec as Json & { ssh: Json }).ssh.publicKey = `${SSH_KEY} @@tf:bucket@@ @@tf:no_such_variable@@`;
    const { model } = validateText(stringify(spec), 'forged.yaml');
    const [first] = emitCloudInit(model);
    expect(first!.content).toContain(`tutorial@example @@tf:bucket@@ @@tf:no_such_variable@@`);
    expect(renderTemplatefile(first!.content as string, realisticValues(Object.values(CONTROL_PLANE_TEMPLATE_VARS)))).toContain('@@tf:bucket@@');
  });

  it('holds for every string field of the schema the schema and the rules let hold a template sequence', { timeout: 600_000 }, () => {
    let cases = 0;
    const covered: string[] = [];
    const refused: string[] = [];
    const problems: string[] = [];
    const probeCounts = new Map<string, number>();
    for (const field of fields) {
      let fieldCases = 0;
      for (const hostile of HOSTILE) {
        for (const text of candidates(field, hostile).filter((t) => schemaAdmits(field, t))) {
          const spec = baseSpec();
          field.write(spec, text);
          // The harmless text's count depends on the shape only: one generation per field and shape.
          const probeText = text.replace(hostile, PROBE);
          const probes = () => {
            const known = probeCounts.get(`${field.pointer}\0${probeText}`);
            if (known !== undefined) return known;
            const probeSpec = baseSpec();
            field.write(probeSpec, probeText);
            const found = total(outputsOf(probeSpec), PROBE);
            probeCounts.set(`${field.pointer}\0${probeText}`, found);
            return found;
          };
          try {
            problems.push(...problemsOf(spec, probes, hostile).map((p) => `${field.pointer} = ${JSON.stringify(text)}: ${p}`));
          } catch (error) {
            if (error instanceof UserError) continue; // the rules refuse it there: try the next shape
            problems.push(`${field.pointer} = ${JSON.stringify(text)}: hakube crashed: ${String(error).split('\n')[0]}`);
          }
          fieldCases += 1;
          break;
        }
      }
      cases += fieldCases;
      (fieldCases > 0 ? covered : refused).push(`${field.pointer}${fieldCases > 0 ? ` (${fieldCases})` : ''}`);
    }
    console.log(`spec-text property: ${cases} hostile cases over ${covered.length} string fields: ${covered.join(', ')}`);
    console.log(`refused by the schema or the rules: ${refused.join(', ')}`);
    expect(problems).toEqual([]);
    // Tags (keys and values), the SSH key, the inline policy and the backend's key and path take every sequence.
    expect(covered).toEqual(
      expect.arrayContaining([
        '/spec/ssh/publicKey (8)',
        '/spec/iam/serviceAccountExternalPermissions/0/aws/inlinePolicy (8)',
        '/spec/terraform/tags/* (8)',
        '/spec/terraform/tags/<key> (8)',
        '/spec/terraform/backend(oneOf 0)/path (8)',
      ]),
    );
    expect(cases).toBeGreaterThanOrEqual(45);
  });
});
