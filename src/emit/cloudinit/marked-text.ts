import { indent } from './templates.js';

type Hole<K> = { key: K; kind: 'inline' } | { key: K; kind: 'block'; spaces: number };

/**
 * A text rendered once with a mark in place of each value that differs between its uses, filled in for each use.
 * A mark alone on its line (after spaces) stands for a block: its value replaces the line, indented like the mark
 * (as the templates' `indent` helper indents it). A mark within a line stands for a one-line value, written as it
 * is: what a template writes for `{{value}}`.
 */
export class MarkedText<K extends string> {
  private readonly parts: string[] = [];
  private readonly holes: Array<Hole<K>> = [];

  /** `marks` must each occur in `text` and nowhere in the values filled in; a NUL byte in a mark ensures that. */
  constructor(text: string, marks: Record<K, string>) {
    const keyOf = new Map<string, K>(Object.entries<string>(marks).map(([key, mark]) => [mark, key as K]));
    const pattern = new RegExp([...keyOf.keys()].map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    let from = 0;
    for (const match of text.matchAll(pattern)) {
      const key = keyOf.get(match[0])!;
      const lineStart = text.lastIndexOf('\n', match.index) + 1;
      const end = match.index + match[0].length;
      const alone = /^ *$/.test(text.slice(lineStart, match.index)) && (end === text.length || text[end] === '\n');
      this.parts.push(text.slice(from, alone ? lineStart : match.index));
      this.holes.push(alone ? { key, kind: 'block', spaces: match.index - lineStart } : { key, kind: 'inline' });
      from = end;
    }
    this.parts.push(text.slice(from));
    for (const [key, mark] of Object.entries<string>(marks)) {
      if (!this.holes.some((h) => h.key === key)) throw new Error(`BUG: the text has no mark ${JSON.stringify(mark)} for ${key}`);
    }
  }

  fill(values: Record<K, string>): string {
    let text = this.parts[0]!;
    this.holes.forEach((hole, i) => {
      const value = values[hole.key];
      if (hole.kind === 'block') {
        text += indent(value, hole.spaces);
      } else {
        if (value.includes('\n')) throw new Error(`BUG: ${hole.key} goes within a line, but ${JSON.stringify(value)} has a line break`);
        text += value;
      }
      text += this.parts[i + 1]!;
    });
    return text;
  }
}
