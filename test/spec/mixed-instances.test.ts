import { describe, expect, it } from 'vitest';
import { analyzeFailures, onDemandMachines } from '../../src/ha/failure-analysis.js';
import { haWarnings } from '../../src/ha/ha-warnings.js';
import { renderHaSummaryMarkdown } from '../../src/ha/render-ha-report.js';
import { validateFile, validateText } from '../../src/spec/validate.js';
import { emitFile, emitModel, resources } from '../terraform/synthesized.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { BASE_SPEC, issuesOf, lineOf, only, withLine } from '../helpers/spec-text.js';

const GROUP = '    - name: nodes\n      minSize: 2\n      maxSize: 2\n';

/** The base spec with its one group replaced by `group` (YAML lines under instanceGroups). */
function withGroup(group: string): string {
  if (!BASE_SPEC.includes(GROUP)) throw new Error('test setup: the base spec changed');
  return BASE_SPEC.replace(GROUP, group);
}

const SPOT_GROUP = withGroup(
  [
    '    - name: nodes',
    '      minSize: 4',
    '      maxSize: 8',
    '      mixedInstancesPolicy:',
    '        instances: [m6i.large, m6a.large, m5.large]',
    '        onDemandBase: 1',
    '        onDemandAboveBase: 50',
    '',
  ].join('\n'),
);

describe('mixed instances and Spot: rules', () => {
  it('accepts a group with several types and a Spot share, and fills in the defaults', () => {
    expect(issuesOf(SPOT_GROUP)).toEqual([]);
    const [group] = validateText(SPOT_GROUP, 'spec.yaml').model.instanceGroups;
    expect(group!.instanceType).toBe('m6i.large');
    expect(group!.capacityRebalance).toBe(true);
    expect(group!.mixedInstancesPolicy).toEqual({
      instances: ['m6i.large', 'm6a.large', 'm5.large'],
      onDemandBase: 1,
      onDemandAboveBase: 50,
      onDemandAllocationStrategy: 'prioritized',
      spotAllocationStrategy: 'price-capacity-optimized',
    });
  });

  it('HK246: an instanceType the policy does not list is an error at the instanceType', () => {
    const text = withLine('      minSize: 4', '      instanceType: c6i.large\n      minSize: 4', SPOT_GROUP);
    const [issue] = only(issuesOf(text), 'HK246');
    expect(issue).toMatchObject({ severity: 'error', pointer: '/spec/instanceGroups/0/instanceType', position: { line: lineOf(text, 'instanceType: c6i.large') } });
    expect(issue!.message).toContain('not one of mixedInstancesPolicy.instances (m6i.large, m6a.large, m5.large)');
  });

  it('HK247: onDemandBase above maxSize, HK248: spotInstancePools without lowest-price', () => {
    const base = withLine('        onDemandBase: 1', '        onDemandBase: 9', SPOT_GROUP);
    expect(only(issuesOf(base), 'HK247')).toEqual([expect.objectContaining({ pointer: '/spec/instanceGroups/0/mixedInstancesPolicy/onDemandBase', position: expect.objectContaining({ line: lineOf(base, 'onDemandBase: 9') }) })]);
    const pools = withLine('        onDemandAboveBase: 50', '        onDemandAboveBase: 50\n        spotInstancePools: 3', SPOT_GROUP);
    expect(only(issuesOf(pools), 'HK248')).toEqual([expect.objectContaining({ pointer: '/spec/instanceGroups/0/mixedInstancesPolicy/spotInstancePools' })]);
    const lowest = withLine('        onDemandAboveBase: 50', '        onDemandAboveBase: 50\n        spotAllocationStrategy: lowest-price\n        spotInstancePools: 3', SPOT_GROUP);
    expect(issuesOf(lowest)).toEqual([]);
  });

  it('HK245: capacityRebalance on a group without Spot is a warning', () => {
    const text = withLine('      maxSize: 2', '      maxSize: 2\n      capacityRebalance: true');
    const [issue] = only(issuesOf(text), 'HK245');
    expect(issue).toMatchObject({ severity: 'warning', pointer: '/spec/instanceGroups/0/capacityRebalance' });
  });

  it('the schema refuses an empty instance list, a percentage over 100 and an unknown strategy', () => {
    for (const [from, to] of [
      ['        instances: [m6i.large, m6a.large, m5.large]', '        instances: []'],
      ['        onDemandAboveBase: 50', '        onDemandAboveBase: 101'],
      ['        onDemandAboveBase: 50', '        onDemandAboveBase: 50\n        spotAllocationStrategy: cheapest'],
    ] as const) {
      const errors = issuesOf(withLine(from, to, SPOT_GROUP)).filter((i) => i.severity === 'error');
      expect(errors.length, to).toBeGreaterThan(0);
      expect(errors[0]!.pointer, to).toMatch(/^\/spec\/instanceGroups\/0\/mixedInstancesPolicy/);
    }
  });
});

describe('mixed instances and Spot: Terraform', () => {
  it('writes the policy into the auto-scaling group: overrides in order, the On-Demand/Spot split, capacity rebalance', () => {
    const asg = resources(emitModel(validateText(SPOT_GROUP, 'spec.yaml').model), 'aws_autoscaling_group').get('nodes')!;
    expect(asg.launch_template).toBeUndefined();
    expect(asg.capacity_rebalance).toBe(true);
    expect(asg.mixed_instances_policy).toEqual({
      instances_distribution: {
        on_demand_allocation_strategy: 'prioritized',
        on_demand_base_capacity: 1,
        on_demand_percentage_above_base_capacity: 50,
        spot_allocation_strategy: 'price-capacity-optimized',
      },
      launch_template: {
        launch_template_specification: { launch_template_id: '${aws_launch_template.nodes.id}', version: '${aws_launch_template.nodes.latest_version}' },
        override: [{ instance_type: 'm6i.large' }, { instance_type: 'm6a.large' }, { instance_type: 'm5.large' }],
      },
    });
  });

  it('leaves a group without the policy as it was: its launch template directly, no capacity rebalance', () => {
    const asg = resources(emitFile('examples/myfirstcluster.yaml'), 'aws_autoscaling_group').get('nodes')!;
    expect(asg.mixed_instances_policy).toBeUndefined();
    expect(asg.capacity_rebalance).toBeUndefined();
    expect(asg.launch_template).toEqual({ id: '${aws_launch_template.nodes.id}', version: '${aws_launch_template.nodes.latest_version}' });
  });
});

describe('mixed instances and Spot: failure analysis', () => {
  it('counts On-Demand machines as AWS may run them at minSize, rounding the percentage down', () => {
    const group = (minSize: number, onDemandBase: number, onDemandAboveBase: number) =>
      onDemandMachines({ minSize, mixedInstancesPolicy: { instances: ['m6i.large'], onDemandBase, onDemandAboveBase, onDemandAllocationStrategy: 'prioritized', spotAllocationStrategy: 'price-capacity-optimized' } });
    expect(group(4, 1, 50)).toBe(2);
    expect(group(4, 0, 0)).toBe(0);
    expect(group(3, 5, 0)).toBe(3);
    expect(group(5, 0, 30)).toBe(1);
    expect(onDemandMachines({ minSize: 3 })).toBe(3);
  });

  it('adds a Spot reclaim scenario per group with Spot at minSize: degraded, never a refill until Spot returns', () => {
    const report = analyzeFailures(validateText(SPOT_GROUP, 'spec.yaml').model);
    const reclaim = report.scenarios.filter((s) => s.kind === 'spot-reclaim');
    expect(reclaim).toHaveLength(1);
    expect(reclaim[0]!.verdict).toBe('degraded');
    expect(reclaim[0]!.groups[0]).toMatchObject({ group: 'nodes', minSize: 4, lost: 2, left: 2, refills: false, spot: true });
    expect(reclaim[0]!.reasons[0]).toContain('until Spot capacity returns');
    expect(report.overall.spotReclaim).toEqual({ verdict: 'degraded', survives: true, failing: [] });
    expect(renderHaSummaryMarkdown(report)).toContain("Spot reclaim: degraded — etcd quorum and the API survive losing one group's Spot machines");
    const onDemandOnly = analyzeFailures(validateFile(`${REPO_ROOT}/examples/myfirstcluster.yaml`).model);
    expect(onDemandOnly.overall.spotReclaim).toBeUndefined();
    expect(onDemandOnly.scenarios.some((s) => s.kind === 'spot-reclaim')).toBe(false);
  });

  it('warns (HK304) when a group may run only Spot machines', () => {
    const allSpot = withLine('        onDemandBase: 1', '        onDemandBase: 0', withLine('        onDemandAboveBase: 50', '        onDemandAboveBase: 0', SPOT_GROUP));
    const cluster = validateText(allSpot, 'spec.yaml');
    expect(haWarnings(cluster.model, cluster.haReport)).toEqual([
      expect.objectContaining({ code: 'HK304', pointer: '/spec/instanceGroups/0/mixedInstancesPolicy' }),
    ]);
  });

  it('the example with Spot validates and says so in its report', () => {
    const report = analyzeFailures(validateFile(`${REPO_ROOT}/examples/private-multigroup.yaml`).model);
    expect(report.scenarios.find((s) => s.kind === 'spot-reclaim')?.lost).toBe('the Spot machines of general');
  });
});
