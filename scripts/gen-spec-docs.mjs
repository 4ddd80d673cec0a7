// Writes docs/spec-reference.md from schemas/cluster.schema.json (npm run gen:docs); a test checks
// that the committed file matches, so the reference cannot drift from the schema.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'docs/spec-reference.md');

function typeOf(node, defs) {
  if (node.$ref) {
    const name = node.$ref.replace('#/$defs/', '');
    const def = defs[name];
    return def.type === 'object' ? 'object' : typeOf(def, defs);
  }
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.enum) return node.enum.map((v) => `\`${v}\``).join(' \\| ');
  if (node.oneOf) return 'object (one of: ' + node.oneOf.map((o) => o.title).join(', ') + ')';
  if (node.type === 'array') return `list of ${typeOf(node.items, defs)}`;
  if (node.type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object') return 'map of string';
  return node.type ?? 'any';
}

function resolve(node, defs) {
  return node.$ref ? { ...defs[node.$ref.replace('#/$defs/', '')], description: node.description ?? defs[node.$ref.replace('#/$defs/', '')].description } : node;
}

export function renderSpecReference() {
  const schema = JSON.parse(readFileSync(join(root, 'schemas/cluster.schema.json'), 'utf8'));
  const defs = schema.$defs;
  const rows = [];
  const walk = (node, path, required) => {
    const n = resolve(node, defs);
    if (path) {
      const desc = (n.description ?? '').replace(/\|/g, '\\|');
      rows.push(`| \`${path}\` | ${typeOf(node, defs)} | ${required ? 'yes' : ''} | ${desc} |`);
    }
    if (n.type === 'object' && n.properties) {
      for (const [key, child] of Object.entries(n.properties)) walk(child, path ? `${path}.${key}` : key, (n.required ?? []).includes(key));
    }
    if (n.oneOf) {
      for (const option of n.oneOf) {
        for (const [key, child] of Object.entries(option.properties)) {
          walk(child, `${path}.${key} (${option.title})`, (option.required ?? []).includes(key));
        }
      }
    }
    if (n.type === 'array' && n.items) {
      const item = resolve(n.items, defs);
      if (item.type === 'object' && item.properties) walk(n.items, `${path}[]`, false);
    }
  };
  walk(schema, '', false);
  return [
    '# Cluster spec reference',
    '',
    'Generated from `schemas/cluster.schema.json` by `npm run gen:docs`; do not edit by hand.',
    'Every field, its type, whether it is required, and what it means. Defaults are given in the descriptions.',
    '',
    '| field | type | required | description |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(target, renderSpecReference());
  console.log(`wrote ${target}`);
}
