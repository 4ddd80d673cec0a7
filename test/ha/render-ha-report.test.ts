import { describe, expect, it } from 'vitest';
import { analyzeFailures, type HaReport } from '../../src/ha/failure-analysis.js';
import { LISTED_GROUPS, renderHaReport, renderHaSummaryMarkdown } from '../../src/ha/render-ha-report.js';
import { validateFile } from '../../src/spec/validate.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { manyGroups, modelOf, resolvedExample } from './model-fixtures.js';

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

describe('rows of a cluster with many groups', () => {
  const workersOf = (md: string, scenarioName: string) => {
    const row = md.split('\n').find((l) => l.startsWith(`| ${scenarioName} |`));
    if (!row) throw new Error(`no row for ${scenarioName}`);
    return row.split(' | ')[3];
  };

  it(`lists every group while there are at most ${LISTED_GROUPS}`, () => {
    const md = renderHaSummaryMarkdown(analyzeFailures(manyGroups(LISTED_GROUPS)));
    expect(workersOf(md, 'a worker of g2')).toBe('g1 1/1, g2 0/1 refills, g3 1/1, g4 1/1, g5 1/1');
    expect(workersOf(md, 'control-plane-1')).toBe('g1 1/1, g2 1/1, g3 1/1, g4 1/1, g5 1/1');
  });

  it('names only the groups that lose machines beyond that, and counts the others', () => {
    const md = renderHaSummaryMarkdown(analyzeFailures(manyGroups(200)));
    expect(md).toContain('| a worker of g57 | 3/2 ok | 3/3 | g57 0/1 refills, other 199 group(s) at minSize | **degraded** |');
    expect(workersOf(md, 'control-plane-1')).toBe('all 200 group(s) at minSize');
    const zone = workersOf(md, 'zone us-west-2a');
    expect(zone.split(', ')).toEqual(Array.from({ length: 200 }, (_, i) => `g${i + 1} 0/1 refills`));
  });

  it('grows linearly with the groups, in HA-REPORT.md and in the terminal table', () => {
    for (const render of [renderHaSummaryMarkdown, (r: HaReport) => renderHaReport(r, 'table')]) {
      const [small, large] = [100, 200].map((n) => render(analyzeFailures(manyGroups(n))).length);
      // Twice the groups: about twice the rows and the zone rows twice as long, so at most a little over twice the size.
      expect(large / small).toBeLessThan(2.2);
    }
  });

  it('puts WORKERS LEFT/MIN last in the terminal table, so a long zone row does not pad every other row', () => {
    const lines = renderHaReport(analyzeFailures(manyGroups(200)), 'table').split('\n');
    expect(lines[2]).toMatch(/^SCENARIO +ETCD LEFT\/QUORUM +API TARGETS +VERDICT +WORKERS LEFT\/MIN$/);
    expect(lines.filter((l) => /^a worker of g57 +3\/2 ok +3\/3 +degraded +g57 0\/1 refills, other 199 group\(s\) at minSize$/.test(l))).toHaveLength(1);
    expect(lines).toContain('  - group g57: 0 of 1 worker(s) left until its auto-scaling group refills in us-west-2a, us-west-2b, us-west-2c');
  });
});
