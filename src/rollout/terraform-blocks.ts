import type { TerraformJson } from '../ha/rollout-plan.js';

/**
 * Blocks of Terraform JSON as the staging reads and rewrites them, and the references between them. A block is
 * found by its kind and name (and type, for resources and data sources); its address is what other blocks write to
 * refer to it.
 */
export interface BlockPath {
  kind: string;
  type?: string;
  name: string;
}

/** Top-level keys whose entries are keyed by type, then by name. */
const TYPED_KINDS = new Set(['resource', 'data']);
/** Top-level keys whose entries are keyed by name. */
const NAMED_KINDS = new Set(['output', 'locals', 'module', 'variable']);
/** How an expression names a block of each kind (outputs are not referenced inside their module). */
const ADDRESS_PREFIX: Record<string, string> = { data: 'data.', locals: 'local.', module: 'module.', variable: 'var.', output: 'output.' };

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function blockAddress(path: BlockPath): string {
  return `${ADDRESS_PREFIX[path.kind] ?? ''}${path.type ? `${path.type}.` : ''}${path.name}`;
}

/** The block an address names (`aws_lb.api`, `data.aws_ami.x`, `local.y`, `module.z`, `var.v`). */
export function pathOf(address: string): BlockPath {
  const parts = address.split('.');
  if (parts[0] === 'data') return { kind: 'data', type: parts[1]!, name: parts[2]! };
  if (parts[0] === 'local') return { kind: 'locals', name: localKey(address).name };
  if (parts[0] === 'module') return { kind: 'module', name: parts[1]! };
  if (parts[0] === 'var') return { kind: 'variable', name: parts[1]! };
  return { kind: 'resource', type: parts[0]!, name: parts[1]! };
}

export function blockAt(doc: TerraformJson, path: BlockPath): unknown {
  const kind = doc[path.kind];
  if (!isObject(kind)) return undefined;
  const byName = path.type === undefined ? kind : kind[path.type];
  return isObject(byName) ? byName[path.name] : undefined;
}

/** Sets (or, with undefined, removes) a block, dropping the type and kind maps it empties. */
export function setBlockAt(doc: TerraformJson, path: BlockPath, block: unknown): void {
  const kind = (isObject(doc[path.kind]) ? doc[path.kind] : (doc[path.kind] = {})) as Record<string, unknown>;
  const byName = (path.type === undefined ? kind : isObject(kind[path.type]) ? kind[path.type] : (kind[path.type] = {})) as Record<string, unknown>;
  if (block === undefined) delete byName[path.name];
  else byName[path.name] = block;
  if (path.type !== undefined && Object.keys(byName).length === 0) delete kind[path.type];
  if (Object.keys(kind).length === 0) delete doc[path.kind];
}

/** Every block a document declares that other blocks may refer to or that refers to others. */
export function blocksOf(doc: TerraformJson): Array<[BlockPath, unknown]> {
  const found: Array<[BlockPath, unknown]> = [];
  for (const [kind, entries] of Object.entries(doc)) {
    if (!isObject(entries)) continue;
    if (TYPED_KINDS.has(kind)) {
      for (const [type, byName] of Object.entries(entries)) {
        if (isObject(byName)) for (const [name, block] of Object.entries(byName)) found.push([{ kind, type, name }, block]);
      }
    } else if (NAMED_KINDS.has(kind)) {
      for (const [name, block] of Object.entries(entries)) found.push([{ kind, name }, block]);
    }
  }
  return found;
}

/** Keys whose string entries are bare addresses rather than `${...}` templates. */
const ADDRESS_LISTS = new Set(['depends_on', 'replace_triggered_by']);

/**
 * Every block a value refers to, as addresses: `aws_lb.api`, `data.aws_ami.ubuntu`, `var.x`, `module.m`, and
 * `local.name`, or `local.name["key"]` when the expression indexes a local with a literal key (a map entry is then
 * what must exist). Reads the `${...}` interpolations of every string (and the bare addresses of depends_on),
 * without what their string literals say (file names, map keys), and skips `$${` escapes. Names of one word
 * (`path.module`, `self.x`, `count.index`, `each.value`) are no blocks; attributes after an address are not part
 * of it. Leaves out the `moved` blocks' from/to, which name addresses rather than refer to them.
 */
export function references(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      for (const expression of ADDRESS_LISTS.has(key ?? '') ? [v] : interpolations(v)) addressesIn(expression, found);
    } else if (Array.isArray(v)) {
      for (const item of v) visit(item, key);
    } else if (isObject(v)) {
      for (const [k, item] of Object.entries(v)) visit(item, k);
    }
  };
  visit(value);
  return [...found].sort();
}

/** The bodies of the `${...}` interpolations of a template string, braces and quotes inside them matched. */
function interpolations(template: string): string[] {
  const bodies: string[] = [];
  for (let i = template.indexOf('${'); i >= 0; i = template.indexOf('${', i)) {
    if (template[i - 1] === '$') {
      i += 2;
      continue;
    }
    let depth = 0;
    let end = i + 2;
    for (let quoted = false; end < template.length; end++) {
      const c = template[end];
      if (quoted) {
        if (c === '\\') end++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === '{') depth++;
      else if (c === '}' && depth-- === 0) break;
    }
    const body = template.slice(i + 2, end);
    bodies.push(body);
    // A template inside a string literal of the expression refers to blocks too.
    for (const literal of body.match(/"(?:[^"\\]|\\.)*"/g) ?? []) bodies.push(...interpolations(literal));
    i = end + 1;
  }
  return bodies;
}

const ADDRESS = /(?<![\w.-])(?:(data)\.([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)|(local)\.([A-Za-z_][\w-]*)(\["(?:[^"\\]|\\.)*"\])?|(var|module)\.([A-Za-z_][\w-]*)|([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][\w-]*))/g;

function addressesIn(expression: string, found: Set<string>): void {
  // String literals hold file names and map keys, not references; a literal index of a local is kept whole.
  const code = expression.replace(/(\[)?("(?:[^"\\]|\\.)*")/g, (m, bracket: string | undefined) => (bracket ? m : '""'));
  for (const m of code.matchAll(ADDRESS)) {
    if (m[1]) found.add(`data.${m[2]}.${m[3]}`);
    else if (m[4]) found.add(`local.${m[5]}${m[6] ?? ''}`);
    else if (m[7]) found.add(`${m[7]}.${m[8]}`);
    else found.add(`${m[9]}.${m[10]}`);
  }
}

/** The literal key of `local.name["key"]`, if the reference indexes the local. */
export function localKey(reference: string): { name: string; key?: string } {
  const m = /^local\.([^[]+)(?:\[("(?:[^"\\]|\\.)*")\])?$/.exec(reference);
  if (!m) throw new Error(`BUG: ${reference} is not a reference to a local`);
  return m[2] === undefined ? { name: m[1]! } : { name: m[1]!, key: JSON.parse(m[2]) as string };
}

/** Whether a (merged) configuration declares what a reference names: the block, and the map entry it indexes. */
export function resolves(merged: TerraformJson, reference: string): boolean {
  if (!reference.startsWith('local.')) return blockAt(merged, pathOf(reference)) !== undefined;
  const { name, key } = localKey(reference);
  const value = blockAt(merged, { kind: 'locals', name });
  if (value === undefined) return false;
  // Only a literal map can be checked; any other expression is taken to have the key.
  return key === undefined || !isObject(value) || key in value;
}
