import type { IssueCode } from './issue-codes.js';
import { escapeControl, showPointer } from './show-value.js';

/**
 * One problem found in a spec or in the cluster's state on disk. Every check in
 * the pipeline reports these; only the CLI decides how they end the process.
 */
export interface Issue {
  /** Stable code, for example HK101, so docs and tests can refer to a rule; every one is in src/issue-codes.ts. */
  code: IssueCode;
  severity: 'error' | 'warning';
  /** JSON pointer into the spec ('' for the whole document). */
  pointer: string;
  /** What is wrong and what would be valid. */
  message: string;
  /** Where in which file; absent only when the problem has no file. */
  position?: FilePosition;
}

export interface FilePosition {
  file: string;
  line: number;
  column: number;
}

/** A problem the user can fix (bad spec, bad flag value, unreadable file). Exit code 1. */
export class UserError extends Error {
  readonly issues: Issue[];
  constructor(message: string, issues: Issue[] = []) {
    super(message);
    this.name = 'UserError';
    this.issues = issues;
  }
}

/** Bad command-line usage. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One line per problem, whatever a message, pointer or file name holds: line breaks and control characters are escaped. */
export function formatIssue(issue: Issue): string {
  const where = issue.position
    ? `${issue.position.file}:${issue.position.line}:${issue.position.column}`
    : '-';
  const label = issue.severity === 'warning' ? 'warning' : 'error';
  return escapeControl(`${where}  ${showPointer(issue.pointer) || '/'}  ${label} ${issue.code}: ${issue.message}`);
}

export function errorsOf(issues: Issue[]): Issue[] {
  return issues.filter((i) => i.severity === 'error');
}
