import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { describeSize, FileTooLargeError, readBounded, SPEC_FILE_LIMIT } from '../bounded-read.js';
import { UserError, type FilePosition, type Issue } from '../errors.js';

/** A parsed spec file that can say where any JSON pointer lives in it. */
export interface LoadedSpec {
  file: string;
  data: unknown;
  /** Position of the value at `pointer` (or its key), or of its nearest ancestor present in the file. */
  locate(pointer: string, opts?: { key?: boolean }): FilePosition;
}

export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Reads a file given on the command line, at most `limit` bytes; a missing, unreadable or too large file is a user error. */
export function readUserFile(file: string, what: string, limit: number): string {
  try {
    return readBounded(file, limit).toString('utf8');
  } catch (err) {
    if (err instanceof FileTooLargeError) {
      throw new UserError(`cannot read ${what} ${file}: larger than ${describeSize(limit)}`, [
        { code: 'HK003', severity: 'error', pointer: '', message: `the ${what} file is larger than ${describeSize(limit)}, more than any ${what} needs; is this the right file?`, position: { file, line: 1, column: 1 } },
      ]);
    }
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? err);
    throw new UserError(`cannot read ${what} ${file}: ${reason}`, [
      { code: 'HK001', severity: 'error', pointer: '', message: `cannot read ${what}: ${reason}`, position: { file, line: 1, column: 1 } },
    ]);
  }
}

export function loadSpecFile(file: string): LoadedSpec {
  return parseSpecText(readUserFile(file, 'spec', SPEC_FILE_LIMIT), file);
}

/** Parses YAML (or JSON, which is YAML) keeping positions; syntax errors are reported all at once. */
export function parseSpecText(text: string, file: string): LoadedSpec {
  const lineCounter = new LineCounter();
  const position = (offset: number): FilePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  let doc: Document;
  try {
    // yaml's own duplicate-key check compares each key with every earlier one; duplicateKeys does it in linear time.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  } catch (err) {
    throw tooDeep(err, text, file, position);
  }
  const problems = [...doc.errors.map((e) => ({ message: e.message.split('\n')[0], offset: e.pos[0] })), ...duplicateKeys(doc)];
  if (problems.length > 0) {
    const issues: Issue[] = problems.map((e) => ({
      code: 'HK002',
      severity: 'error',
      pointer: '',
      message: `YAML syntax error: ${e.message}`,
      position: position(e.offset),
    }));
    throw new UserError(`${file} is not valid YAML`, issues);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    if (err instanceof RangeError) throw tooDeep(err, text, file, position);
    // yaml throws a ReferenceError from toJS when aliases expand beyond maxAliasCount (an "alias bomb").
    if (!(err instanceof ReferenceError)) throw err;
    const message = err.message.startsWith('Excessive alias count')
      ? 'the document uses too many aliases (more than 100 alias expansions); write the repeated values out instead'
      : `YAML alias error: ${err.message}`;
    throw new UserError(`${file} is not valid YAML`, [
      { code: 'HK002', severity: 'error', pointer: '', message, position: { file, line: 1, column: 1 } },
    ]);
  }
  const pairsByKey = new WeakMap<YAMLMap, Map<string, Pair>>();
  return {
    file,
    data,
    locate(pointer, opts = {}) {
      return position(offsetOf(doc, pointerSegments(pointer), opts.key ?? false, pairsByKey));
    },
  };
}

/** Keys repeated within one mapping, found with one set per mapping (and no recursion, however deep the document). */
function duplicateKeys(doc: Document): Array<{ message: string; offset: number }> {
  const found: Array<{ message: string; offset: number }> = [];
  const pending: unknown[] = [doc.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          const key = String(pair.key.value);
          if (seen.has(key)) found.push({ message: 'Map keys must be unique', offset: pair.key.range?.[0] ?? 0 });
          seen.add(key);
        }
        pending.push(pair.value);
      }
    } else if (isSeq(node)) {
      pending.push(...node.items);
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/** Deeper than this, flow nesting is reported where it starts; a spec is about five levels deep. */
const REPORTED_FLOW_DEPTH = 64;

/**
 * The yaml library recurses once per nesting level, so a few KiB of "[[[[..." overflow the stack with a RangeError.
 * That is the user's input, not a bug: it becomes an HK004 at the first bracket past REPORTED_FLOW_DEPTH (found by a
 * plain scan, which is enough to point at the spot), or at the start of the file.
 */
function tooDeep(err: unknown, text: string, file: string, position: (offset: number) => FilePosition): unknown {
  if (!(err instanceof RangeError)) return err;
  let depth = 0;
  let offset = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    if (depth > REPORTED_FLOW_DEPTH) {
      offset = i;
      break;
    }
  }
  return new UserError(`${file} is not valid YAML`, [
    { code: 'HK004', severity: 'error', pointer: '', message: 'the document is nested too deeply to read; a cluster spec needs a few levels, not hundreds', position: position(offset) },
  ]);
}

/** The pairs of a mapping by key, built once per mapping so locating every one of many problems stays linear. */
function pairOf(map: YAMLMap, key: string, cache: WeakMap<YAMLMap, Map<string, Pair>>): Pair | undefined {
  let byKey = cache.get(map);
  if (!byKey) {
    byKey = new Map();
    for (const p of map.items) if (isPair(p) && isScalar(p.key) && !byKey.has(String(p.key.value))) byKey.set(String(p.key.value), p);
    cache.set(map, byKey);
  }
  return byKey.get(key);
}

function offsetOf(doc: Document, segments: string[], wantKey: boolean, cache: WeakMap<YAMLMap, Map<string, Pair>>): number {
  let node: Node | null = (doc.contents as Node | null) ?? null;
  let best = node?.range?.[0] ?? 0;
  for (let i = 0; i < segments.length && node; i++) {
    const seg = segments[i];
    const last = i === segments.length - 1;
    if (isMap(node)) {
      const pair = pairOf(node, seg, cache);
      if (!pair) return best;
      const keyNode = pair.key as Node;
      const value = pair.value as Node | null;
      // A block map or list starts on the line after its key; the key is where a reader looks.
      const collection = isMap(value) || isSeq(value);
      if (last && (wantKey || collection) && keyNode.range) return keyNode.range[0];
      if (!value?.range) return keyNode.range?.[0] ?? best;
      node = value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as Node | undefined;
      if (!item?.range) return best;
      node = item;
    } else {
      return best;
    }
    best = node.range?.[0] ?? best;
  }
  return best;
}
