import { describe, expect, it } from 'vitest';
import { analyzeFailures } from '../../src/ha/failure-analysis.js';
import { renderHaReport, renderHaSummaryMarkdown } from '../../src/ha/render-ha-report.js';
import { validateFile } from '../../src/spec/validate.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { modelOf, resolvedExample } from './model-fixtures.js';

const tutorial = () => analyzeFailures(validateFile(`${REPO_ROOT}/examples/myfirstcluster.yaml`).model);

describe('renderHaReport', () => {
  it('prints one row per scenario with etcd, API, workers and verdict, then the overall verdicts', () => {
    const text = renderHaReport(tutorial(), 'table');
    const lines = text.split('\n');
    expect(lines[0]).toBe('myfirstcluster.k8s.local: 3 etcd member(s), quorum 2 (tolerates 1 lost member(s)); 3 zone(s): us-west-2a, us-west-2b, us-west-2c');
    expect(lines[2]).toMatch(/^SCENARIO +ETCD LEFT\/QUORUM +API TARGETS +WORKERS LEFT\/MIN +VERDICT$/);
    expect(lines[3]).toMatch(/^zone us-west-2a +2\/2 ok +2\/3 +nodes 1\/2 refills +degraded$/);
    expect(text).toMatch(/\ncontrol-plane-1 +2\/2 ok +2\/3 +nodes 2\/2 +survives\n/);
    expect(text).toMatch(/\na worker of nodes +3\/2 ok +3\/3 +nodes 1\/2 refills +degraded\n/);
    expect(text).toContain('  - group nodes: 1 of 2 worker(s) left until its auto-scaling group refills in us-west-2b, us-west-2c');
    expect(text).toContain('Single-zone outage: degraded — etcd quorum and the API survive losing any one zone;');
  });

  it('names the zone whose loss breaks quorum', () => {
    const report = analyzeFailures(modelOf(resolvedExample('myfirstcluster.yaml'), (s) => (s.controlPlane.zones = ['us-west-2a', 'us-west-2b'])));
    const text = renderHaReport(report, 'table');
    expect(text).toMatch(/\nzone us-west-2a +1\/2 LOST +1\/3 +nodes 1\/2 refills +fails\n/);
    expect(text).toContain('Single-zone outage: fails — losing us-west-2a loses etcd quorum or the API');
  });

  it('-o json is the report itself, machine-readable', () => {
    const report = tutorial();
    const parsed = JSON.parse(renderHaReport(report, 'json')) as typeof report;
    expect(parsed).toEqual(report);
    expect(parsed.overall.zoneOutage).toEqual({ verdict: 'degraded', survives: true, failing: [] });
    expect(parsed.scenarios.map((s) => s.verdict)).toEqual(['degraded', 'degraded', 'degraded', 'survives', 'survives', 'survives', 'degraded']);
  });
});

describe('renderHaSummaryMarkdown', () => {
  it('is a deterministic markdown table with the overall verdicts', () => {
    const md = renderHaSummaryMarkdown(tutorial());
    expect(md).toBe(renderHaSummaryMarkdown(tutorial()));
    expect(md.startsWith('# Failure analysis: myfirstcluster.k8s.local\n')).toBe(true);
    expect(md).toContain('| SCENARIO | ETCD LEFT/QUORUM | API TARGETS | WORKERS LEFT/MIN | VERDICT |\n|---|---|---|---|---|\n');
    expect(md).toContain('| zone us-west-2a | 2/2 ok | 2/3 | nodes 1/2 refills | **degraded** |');
    expect(md).toContain('- Single-zone outage: degraded');
    expect(md).not.toMatch(/\d{4}-\d{2}-\d{2}|\/work\//);
  });
});
