import { readFileSync } from 'node:fs';
import { addonFileNames } from '../../src/emit/addons/index.js';
import { emitTerraform } from '../../src/emit/terraform/emit-terraform.js';
import { bucketObjects } from '../../src/model/bucket-layout.js';
import type { ClusterModel } from '../../src/model/model.js';
import type { GeneratedFile } from '../../src/output/files.js';
import { validateFile, validateText } from '../../src/spec/validate.js';
import { stableObjectHashes } from '../helpers/object-hashes.js';

export const EXAMPLES = ['examples/myfirstcluster.yaml', 'examples/private-multigroup.yaml', 'examples/five-members.yaml', 'examples/existing-vpc.yaml'];

export type Json = Record<string, unknown>;

export interface Emitted {
  model: ClusterModel;
  files: GeneratedFile[];
  /** Each file parsed. */
  parsed: Map<string, Json>;
}

export function emitModel(model: ClusterModel): Emitted {
  const files = emitTerraform(model, bucketObjects(model, addonFileNames(model)), stableObjectHashes(bucketObjects(model, addonFileNames(model))));
  return { model, files, parsed: new Map(files.map((f) => [f.path, JSON.parse(text(f)) as Json])) };
}

export function emitFile(specFile: string): Emitted {
  return emitModel(validateFile(specFile).model);
}

/** The spec file's text with one exact piece replaced (fails loudly when it is not there), then emitted. */
export function emitEdited(specFile: string, from: string, to: string): Emitted {
  const original = readFileSync(specFile, 'utf8');
  if (!original.includes(from)) throw new Error(`test setup: ${JSON.stringify(from)} is not in ${specFile}`);
  return emitModel(validateText(original.replace(from, to), specFile).model);
}

export function text(file: GeneratedFile): string {
  if (typeof file.content !== 'string') throw new Error(`${file.path} is not text`);
  return file.content;
}

/** Every block of one kind ('resource' or 'data') of one type, by logical name, across all files. */
export function blocksOf(emitted: Emitted, kind: 'resource' | 'data', type: string): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const json of emitted.parsed.values()) {
    const byType = (json[kind] as Record<string, Record<string, Json>> | undefined)?.[type];
    for (const [name, body] of Object.entries(byType ?? {})) out.set(name, body);
  }
  return out;
}

export function resources(emitted: Emitted, type: string): Map<string, Json> {
  return blocksOf(emitted, 'resource', type);
}

/** Every declared address: aws_x.name and data.aws_y.name. */
export function declaredAddresses(emitted: Emitted): Set<string> {
  const out = new Set<string>();
  for (const json of emitted.parsed.values()) {
    for (const [type, byName] of Object.entries((json.resource ?? {}) as Record<string, Json>)) {
      for (const name of Object.keys(byName)) out.add(`${type}.${name}`);
    }
    for (const [type, byName] of Object.entries((json.data ?? {}) as Record<string, Json>)) {
      for (const name of Object.keys(byName)) out.add(`data.${type}.${name}`);
    }
    for (const name of Object.keys((json.locals ?? {}) as Json)) out.add(`local.${name}`);
  }
  return out;
}

/** Every string anywhere in a JSON value, with the path of keys leading to it. */
export function strings(value: unknown, path: string[] = []): Array<{ path: string[]; value: string }> {
  if (typeof value === 'string') return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, [...path, String(i)]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, [...path, k]));
  return [];
}

/** Every leaf of a JSON value as path -> JSON text, for comparing two outputs value by value. */
export function leaves(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (v: unknown, p: string) => {
    if (v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0)) {
      for (const [k, child] of Object.entries(v)) walk(child, `${p}/${k}`);
    } else {
      out.set(p, JSON.stringify(v));
    }
  };
  walk(value, prefix);
  return out;
}

/** The `${...}` expressions in a string (outermost only), handling nested braces and quoted strings. */
export function interpolations(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  while ((i = value.indexOf('${', i)) >= 0) {
    if (i > 0 && value[i - 1] === '$') {
      i += 2;
      continue;
    }
    let depth = 1;
    let j = i + 2;
    let inString = false;
    for (; j < value.length && depth > 0; j++) {
      const c = value[j];
      if (inString) {
        if (c === '\\') j++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    if (depth !== 0) throw new Error(`unbalanced interpolation in ${value}`);
    out.push(value.slice(i + 2, j - 1));
    i = j;
  }
  return out;
}

/** An expression with its string literals blanked, so identifiers can be found without matching text in strings. */
export function withoutStringLiterals(expression: string): string {
  return expression.replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

/** The string literals of an expression, in order. */
export function stringLiterals(expression: string): string[] {
  return [...expression.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? '');
}
