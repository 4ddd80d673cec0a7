import { renderTable } from '../render/tables.js';
import { escapeControl, showList } from '../show-value.js';
import type { PlanAssessment, Severity } from './assess-plan.js';

export type PlanCheckFormat = 'table' | 'json' | 'markdown';

const ICON: Record<Severity, string> = { error: '❌', warning: '⚠️', info: 'ℹ️' };

/** Findings the table lists; the rest are counted (a terminal, or a CI log, has no use for 150,000 rows). */
const TABLE_FINDINGS_MAX = 1000;
/**
 * GitHub refuses a pull-request comment longer than 65,536 characters (its API answers 422 "Body is too long
 * (maximum is 65536 characters)"; confirmed in google/go-github#440 and telia-oss/github-pr-resource#259): the
 * markdown lists as many findings as fit, then counts the rest. JavaScript counts UTF-16 units, never fewer than
 * the characters GitHub counts.
 */
const COMMENT_CHARS_MAX = 65_536;

function etcdLine(a: PlanAssessment, text: (s: string) => string): string {
  const { etcd } = a;
  if (etcd.membersBefore === 0) return `a new cluster: ${etcd.created.length} control-plane members are created`;
  const disrupted = etcd.disrupted.length === 0 ? 'none disrupted' : `${etcd.disrupted.length} disrupted (${text(showList(etcd.disrupted.map((d) => `${d.member}: ${d.effect}`), 'member(s)', '; '))})`;
  return `${etcd.membersBefore} members, quorum ${etcd.quorum}: ${disrupted}; ${etcd.undisrupted} stay up`;
}

// Addresses, member names, argument names and deposed keys come from the plan, a file anyone who can open a pull
// request shapes: every string printed goes through the one escaping function of its output format.

/** For a terminal: control characters (escape sequences, BEL, line breaks) shown escaped, never sent raw. */
const terminalText = escapeControl;

/**
 * Markdown text in a table cell: no line breaks, pipes escaped so the table holds, and the characters that open
 * links, images, emphasis, code or HTML backslash-escaped so the text renders as written.
 */
function markdownText(text: string): string {
  return escapeControl(text).replace(/[\\`*_[\]<>!|~&]/g, (c) => `\\${c}`);
}

/**
 * A CommonMark code span in a table cell: the fence is one backtick longer than the longest run of backticks in the
 * text, so none closes it early, and padded with a space each side (one is stripped when rendered) when it starts or
 * ends with a backtick or space, so that backtick is not read as part of the fence nor the space lost. Pipes stay escaped: GitHub splits table cells before reading code spans.
 */
function markdownCode(text: string): string {
  const content = escapeControl(text).replace(/\|/g, '\\|');
  // A loop, not Math.max(...runs): an address of a million backtick runs would overflow the call's arguments.
  let longest = 0;
  for (const run of content.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(content) ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}

/**
 * The assessment for people (a table), for machines (stable JSON: verdict, etcd, findings with severity, address
 * and message) or as a pull-request comment a reviewer reads in ten seconds (markdown).
 */
export function renderPlanCheck(a: PlanAssessment, format: PlanCheckFormat): string {
  if (format === 'json') return `${JSON.stringify({ verdict: a.verdict, etcd: a.etcd, findings: a.findings }, null, 2)}\n`;
  const errors = a.findings.filter((f) => f.severity === 'error').length;
  const warnings = a.findings.filter((f) => f.severity === 'warning').length;
  if (format === 'markdown') {
    const head =
      a.verdict === 'unsafe'
        ? `### ❌ hakube plan-check: unsafe to apply (${errors} problem${errors === 1 ? '' : 's'})`
        : `### ✅ hakube plan-check: safe to apply${warnings > 0 ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`;
    const lines = [head, '', `**etcd / control plane:** ${etcdLine(a, markdownText)}`, ''];
    if (a.findings.length === 0) {
      lines.push('Nothing in this plan touches the control plane, etcd data or the cluster\'s trust.');
      return `${lines.join('\n')}\n`;
    }
    lines.push('| | resource | what applying this plan does |', '|---|---|---|');
    // Findings are sorted errors first: the ones cut are the least severe. Room is kept for the closing count.
    const rest = (n: number) => `\n... and ${n.toLocaleString('en-US')} more finding(s) (hakube plan-check -o json lists every one)`;
    const budget = COMMENT_CHARS_MAX - rest(a.findings.length).length - 1;
    let length = lines.reduce((sum, line) => sum + line.length + 1, 0);
    let shown = 0;
    for (const f of a.findings) {
      const row = `| ${ICON[f.severity]} | ${markdownCode(f.address)} | ${markdownText(f.message)} |`;
      if (length + row.length + 1 > budget) break;
      lines.push(row);
      length += row.length + 1;
      shown += 1;
    }
    return `${lines.join('\n')}${shown < a.findings.length ? rest(a.findings.length - shown) : ''}\n`;
  }
  const summary = `${a.verdict === 'unsafe' ? 'UNSAFE' : 'safe'}: ${errors} error(s), ${warnings} warning(s)\netcd: ${etcdLine(a, terminalText)}\n`;
  if (a.findings.length === 0) return summary;
  const listed = a.findings.slice(0, TABLE_FINDINGS_MAX);
  const table = renderTable(['SEVERITY', 'ADDRESS', 'MESSAGE'], listed.map((f) => [f.severity, terminalText(f.address), terminalText(f.message)]));
  const more = a.findings.length - listed.length;
  return `${summary}\n${table}${more > 0 ? `... and ${more.toLocaleString('en-US')} more finding(s); -o json lists every one\n` : ''}`;
}
