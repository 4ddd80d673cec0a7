import { stringify } from 'yaml';

/** How a command prints a list or report: a table for people, JSON or YAML for programs. */
export type OutputFormat = 'table' | 'json' | 'yaml';

/** A plain aligned text table: column widths from the widest cell. */
export function renderTable(header: string[], rows: string[][]): string {
  // A loop, not Math.max(...rows): spreading 150,000 rows into one call's arguments overflows the stack.
  const widths = header.map((h) => h.length);
  for (const row of rows) header.forEach((_, i) => (widths[i] = Math.max(widths[i]!, (row[i] ?? '').length)));
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
