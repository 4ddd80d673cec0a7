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
