import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
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

/** Reads a file given on the command line; a missing or unreadable file is a user error. */
export function readUserFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? err);
    throw new UserError(`cannot read ${what} ${file}: ${reason}`, [
      { code: 'HK001', severity: 'error', pointer: '', message: `cannot read ${what}: ${reason}`, position: { file, line: 1, column: 1 } },
    ]);
  }
}

export function loadSpecFile(file: string): LoadedSpec {
  return parseSpecText(readUserFile(file, 'spec'), file);
}

/** Parses YAML (or JSON, which is YAML) keeping positions; syntax errors are reported all at once. */
export function parseSpecText(text: string, file: string): LoadedSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number): FilePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const problems = [...doc.errors];
  if (problems.length > 0) {
    const issues: Issue[] = problems.map((e) => ({
      code: 'HK002',
      severity: 'error',
      pointer: '',
      message: `YAML syntax error: ${e.message.split('\n')[0]}`,
      position: position(e.pos[0]),
    }));
    throw new UserError(`${file} is not valid YAML`, issues);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // yaml throws a ReferenceError from toJS when aliases expand beyond maxAliasCount (an "alias bomb").
    if (!(err instanceof ReferenceError)) throw err;
    const message = err.message.startsWith('Excessive alias count')
      ? 'the document uses too many aliases (more than 100 alias expansions); write the repeated values out instead'
      : `YAML alias error: ${err.message}`;
    throw new UserError(`${file} is not valid YAML`, [
      { code: 'HK002', severity: 'error', pointer: '', message, position: { file, line: 1, column: 1 } },
    ]);
  }
  return {
    file,
    data,
    locate(pointer, opts = {}) {
      return position(offsetOf(doc, pointerSegments(pointer), opts.key ?? false));
    },
  };
}

function offsetOf(doc: Document, segments: string[], wantKey: boolean): number {
  let node: Node | null = (doc.contents as Node | null) ?? null;
  let best = node?.range?.[0] ?? 0;
  for (let i = 0; i < segments.length && node; i++) {
    const seg = segments[i];
    const last = i === segments.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
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
