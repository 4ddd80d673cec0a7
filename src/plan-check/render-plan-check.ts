import { renderTable } from '../render/tables.js';
import { escapeControl } from '../show-value.js';
import type { PlanAssessment, Severity } from './assess-plan.js';

export type PlanCheckFormat = 'table' | 'json' | 'markdown';

const ICON: Record<Severity, string> = { error: '❌', warning: '⚠️', info: 'ℹ️' };

function etcdLine(a: PlanAssessment, text: (s: string) => string): string {
  const { etcd } = a;
  if (etcd.membersBefore === 0) return `a new cluster: ${etcd.created.length} control-plane members are created`;
  const disrupted = etcd.disrupted.length === 0 ? 'none disrupted' : `${etcd.disrupted.length} disrupted (${etcd.disrupted.map((d) => `${text(d.member)}: ${text(d.effect)}`).join('; ')})`;
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
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
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
    if (a.findings.length > 0) {
      lines.push('| | resource | what applying this plan does |', '|---|---|---|');
      for (const f of a.findings) lines.push(`| ${ICON[f.severity]} | ${markdownCode(f.address)} | ${markdownText(f.message)} |`);
    } else {
      lines.push('Nothing in this plan touches the control plane, etcd data or the cluster\'s trust.');
    }
    return `${lines.join('\n')}\n`;
  }
  const summary = `${a.verdict === 'unsafe' ? 'UNSAFE' : 'safe'}: ${errors} error(s), ${warnings} warning(s)\netcd: ${etcdLine(a, terminalText)}\n`;
  if (a.findings.length === 0) return summary;
  return `${summary}\n${renderTable(['SEVERITY', 'ADDRESS', 'MESSAGE'], a.findings.map((f) => [f.severity, terminalText(f.address), terminalText(f.message)]))}`;
}
