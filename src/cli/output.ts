import { stringify } from 'yaml';
import { formatIssue, type Issue } from '../errors.js';

/** Where commands print; injectable so tests capture output without spawning a process. */
export interface Console {
  out(text: string): void;
  err(text: string): void;
}

export const processConsole: Console = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
};

export function printIssues(con: Console, issues: Issue[]): void {
  for (const issue of issues) con.err(formatIssue(issue));
}

export type OutputFormat = 'table' | 'json' | 'yaml';

/** A plain aligned text table: column widths from the widest cell. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function renderStructured(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(value, null, 2) + '\n' : stringify(value);
}
