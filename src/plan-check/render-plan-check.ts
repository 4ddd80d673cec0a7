import { renderTable } from '../render/tables.js';
import type { PlanAssessment, Severity } from './assess-plan.js';

export type PlanCheckFormat = 'table' | 'json' | 'markdown';

const ICON: Record<Severity, string> = { error: '❌', warning: '⚠️', info: 'ℹ️' };

function etcdLine(a: PlanAssessment): string {
  const { etcd } = a;
  if (etcd.membersBefore === 0) return `a new cluster: ${etcd.created.length} control-plane members are created`;
  const disrupted = etcd.disrupted.length === 0 ? 'none disrupted' : `${etcd.disrupted.length} disrupted (${etcd.disrupted.map((d) => `${d.member}: ${d.effect}`).join('; ')})`;
  return `${etcd.membersBefore} members, quorum ${etcd.quorum}: ${disrupted}; ${etcd.undisrupted} stay up`;
}

/** Markdown table cells must not break the table. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
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
    const lines = [head, '', `**etcd / control plane:** ${etcdLine(a)}`, ''];
    if (a.findings.length > 0) {
      lines.push('| | resource | what applying this plan does |', '|---|---|---|');
      for (const f of a.findings) lines.push(`| ${ICON[f.severity]} | \`${cell(f.address)}\` | ${cell(f.message)} |`);
    } else {
      lines.push('Nothing in this plan touches the control plane, etcd data or the cluster\'s trust.');
    }
    return `${lines.join('\n')}\n`;
  }
  const summary = `${a.verdict === 'unsafe' ? 'UNSAFE' : 'safe'}: ${errors} error(s), ${warnings} warning(s)\netcd: ${etcdLine(a)}\n`;
  if (a.findings.length === 0) return summary;
  return `${summary}\n${renderTable(['SEVERITY', 'ADDRESS', 'MESSAGE'], a.findings.map((f) => [f.severity, f.address, f.message]))}`;
}
