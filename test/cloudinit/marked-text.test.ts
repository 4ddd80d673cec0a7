import { describe, expect, test } from 'vitest';
import { MarkedText } from '../../src/emit/cloudinit/marked-text.js';

const MARKS = { name: '\0name\0', body: '\0body\0' };

describe('MarkedText', () => {
  test('writes a value within a line as it is, and a block indented like its mark', () => {
    const marked = new MarkedText(`# for \0name\0:\nfiles:\n  - content: |\n      \0body\0\n  - of: \0name\0\n`, MARKS);
    expect(marked.fill({ name: 'g1', body: 'line 1\n\n  line 2\n' })).toBe('# for g1:\nfiles:\n  - content: |\n      line 1\n\n        line 2\n  - of: g1\n');
  });

  test('a mark at the end of the text, alone on its line, is a block', () => {
    expect(new MarkedText('a \0name\0:\n  \0body\0', MARKS).fill({ name: 'b', body: 'x\ny\n' })).toBe('a b:\n  x\n  y');
  });

  test('refuses a text without one of the marks', () => {
    expect(() => new MarkedText('only \0name\0', MARKS)).toThrow(/no mark .* for body/);
  });

  test('refuses a line break in a value within a line', () => {
    expect(() => new MarkedText('x \0name\0\n\0body\0', MARKS).fill({ name: 'a\nb', body: '' })).toThrow(/line break/);
  });
});
