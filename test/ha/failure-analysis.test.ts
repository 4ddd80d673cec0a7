import { describe, expect, it } from 'vitest';
import { analyzeFailures, type HaReport, type Scenario } from '../../src/ha/failure-analysis.js';
import { validateFile } from '../../src/spec/validate.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { BASE_SPEC, issuesOf, only, withLine } from '../helpers/spec-text.js';
import { manyGroups, modelOf, resolvedExample } from './model-fixtures.js';

function example(name: string): HaReport {
  return analyzeFailures(validateFile(`${REPO_ROOT}/examples/${name}`).model);
}

function scenario(report: HaReport, lost: string): Scenario {
  const found = report.scenarios.find((s) => s.lost === lost);
  if (!found) throw new Error(`no scenario "${lost}" in ${report.scenarios.map((s) => s.lost).join(', ')}`);
  return found;
}

describe('analyzeFailures', () => {
  it('the tutorial cluster (3 members in 3 zones) keeps etcd quorum and the API after losing any one zone', () => {
    const report = example('myfirstcluster.yaml');
    expect(report.etcd).toEqual({ members: 3, quorum: 2, tolerates: 1 });
    const zones = report.scenarios.filter((s) => s.kind === 'zone-outage');
    expect(zones.map((s) => s.zone)).toEqual(['us-west-2a', 'us-west-2b', 'us-west-2c']);
    for (const s of zones) {
      expect(s.etcd).toEqual({ members: 3, left: 2, quorum: 2, keepsQuorum: true });
      expect(s.api).toEqual({ targets: 3, left: 2 });
      // 2 workers over 3 zones: the lost zone may hold one; the group refills in the other two.
      expect(s.groups).toEqual([
        { group: 'nodes', minSize: 2, lost: 1, left: 1, survivingZones: report.zones.filter((z) => z !== s.zone), refills: true },
      ]);
      expect(s.verdict).toBe('degraded');
    }
    expect(report.overall.zoneOutage).toEqual({ verdict: 'degraded', survives: true, failing: [] });
  });

  it('3 members in 2 zones fail when the zone holding two of them is lost, and the report names it', () => {
    const report = analyzeFailures(modelOf(resolvedExample('myfirstcluster.yaml'), (s) => (s.controlPlane.zones = ['us-west-2a', 'us-west-2b'])));
    const a = scenario(report, 'zone us-west-2a');
    expect(a.etcd).toEqual({ members: 3, left: 1, quorum: 2, keepsQuorum: false });
    expect(a.verdict).toBe('fails');
    expect(a.reasons[0]).toBe('losing zone us-west-2a leaves 1 of 3 etcd member(s), below the quorum of 2');
    expect(scenario(report, 'zone us-west-2b').etcd.keepsQuorum).toBe(true);
    expect(scenario(report, 'zone us-west-2c').etcd.left).toBe(3);
    expect(report.overall.zoneOutage).toEqual({ verdict: 'fails', survives: false, failing: ['us-west-2a'] });
    // Any single machine is still survivable.
    expect(report.overall.machineLoss.survives).toBe(true);
  });

  it('5 members in 3 zones (2 + 2 + 1) keep a quorum of 3 after losing any one zone', () => {
    const report = example('five-members.yaml');
    expect(report.etcd).toEqual({ members: 5, quorum: 3, tolerates: 2 });
    const lefts = report.scenarios.filter((s) => s.kind === 'zone-outage').map((s) => s.etcd.left);
    expect(lefts).toEqual([3, 3, 4]);
    expect(report.overall.zoneOutage.survives).toBe(true);
    expect(report.overall.machineLoss.survives).toBe(true);
  });

  it('a single member fails on its own loss and on the loss of its zone', () => {
    const report = analyzeFailures(modelOf(resolvedExample('myfirstcluster.yaml'), (s) => (s.controlPlane.count = 1)));
    const member = scenario(report, 'control-plane-1');
    expect(member.etcd).toEqual({ members: 1, left: 0, quorum: 1, keepsQuorum: false });
    expect(member.api).toEqual({ targets: 1, left: 0 });
    expect(member.reasons).toEqual([
      'losing control-plane-1 leaves 0 of 1 etcd member(s), below the quorum of 1',
      'losing control-plane-1 leaves no API load-balancer target',
    ]);
    expect(report.overall.machineLoss).toEqual({ verdict: 'fails', survives: false, failing: ['control-plane-1'] });
    expect(report.overall.zoneOutage.failing).toEqual(['us-west-2a']);
  });

  it('losing one control-plane machine of three keeps quorum and leaves workers alone', () => {
    const s = scenario(example('myfirstcluster.yaml'), 'control-plane-2');
    expect(s.etcd.left).toBe(2);
    expect(s.api.left).toBe(2);
    expect(s.groups[0]).toMatchObject({ lost: 0, left: 2 });
    expect(s.verdict).toBe('survives');
    expect(s.reasons).toEqual([]);
  });

  it('losing a worker leaves the group below minSize until it is refilled; groups with minSize 0 have no such scenario', () => {
    const report = example('private-multigroup.yaml');
    const worker = scenario(report, 'a worker of general');
    expect(worker.groups.find((g) => g.group === 'general')).toMatchObject({ minSize: 3, lost: 1, left: 2, refills: true });
    expect(worker.groups.find((g) => g.group === 'ingress')).toMatchObject({ lost: 0, left: 3 });
    expect(worker.verdict).toBe('degraded');
    expect(report.scenarios.some((s) => s.group === 'memory')).toBe(false);
    // memory (minSize 0, zones a and b) loses nothing when zone c goes.
    expect(scenario(report, 'zone eu-central-1c').groups.find((g) => g.group === 'memory')).toMatchObject({ lost: 0, left: 0 });
  });

  it('a group confined to the lost zone loses every worker and does not come back', () => {
    const report = analyzeFailures(
      modelOf(resolvedExample('myfirstcluster.yaml'), (s) => {
        s.instanceGroups[0].zones = ['us-west-2b'];
      }),
    );
    const b = scenario(report, 'zone us-west-2b');
    expect(b.groups[0]).toEqual({ group: 'nodes', minSize: 2, lost: 2, left: 0, survivingZones: [], refills: false });
    expect(b.verdict).toBe('degraded');
    expect(b.reasons).toContain('group nodes: 0 of 2 worker(s) left and it spans no other zone, so capacity does not come back while zone us-west-2b is down');
    expect(scenario(report, 'zone us-west-2a').groups[0].lost).toBe(0);
  });

  it('capacity does not come back when the surviving subnets are too small to hold the refilled group', () => {
    const tiny = (minSize: number) =>
      analyzeFailures(
        modelOf(resolvedExample('myfirstcluster.yaml'), (s) => {
          s.network.vpcCIDR = '10.0.0.0/24';
          s.network.subnets = ['a', 'b', 'c'].map((z, i) => ({ zone: `us-west-2${z}`, cidr: `10.0.0.${16 * (i + 1)}/28` }));
          s.instanceGroups[0].minSize = minSize;
          s.instanceGroups[0].maxSize = minSize;
        }),
      );
    // A /28 holds 16: 5 reserved by AWS, 1 member, 1 load balancer, so 9 workers; 18 over two zones fit, 20 do not.
    expect(scenario(tiny(18), 'zone us-west-2a').groups[0]).toMatchObject({ lost: 6, left: 12, refills: true });
    const tooMany = scenario(tiny(20), 'zone us-west-2a');
    expect(tooMany.groups[0]).toMatchObject({ lost: 7, left: 13, refills: false });
    expect(tooMany.reasons).toContain('group nodes: 13 of 20 worker(s) left and the subnets of us-west-2b, us-west-2c have no room to refill it');
  });

  it('agrees with the rules: every valid layout of 3 or 5 members survives a zone, every layout HK202 rejects fails one', () => {
    const layouts = [['us-west-2a'], ['us-west-2a', 'us-west-2b'], ['us-west-2a', 'us-west-2b', 'us-west-2c']];
    for (const count of [3, 5]) {
      for (const zones of layouts) {
        const text = withLine('    count: 3', `    count: ${count}\n    zones: [${zones.join(', ')}]`, BASE_SPEC);
        const rejected = only(issuesOf(text), 'HK202').length > 0;
        const report = analyzeFailures(
          modelOf(resolvedExample('myfirstcluster.yaml'), (s) => {
            s.controlPlane.count = count;
            s.controlPlane.zones = zones;
          }),
        );
        expect(report.overall.zoneOutage.survives, `${count} members over ${zones.join(',')}`).toBe(!rejected);
      }
    }
  });
});

describe('analyzeFailures with many groups', () => {
  it('allocates outcomes linearly: a scenario that touches one group shares the outcomes of the others', () => {
    const report = analyzeFailures(manyGroups(200));
    // 3 zone outages, 3 member losses, 200 worker losses.
    expect(report.scenarios).toHaveLength(206);
    const distinct = new Set(report.scenarios.flatMap((s) => s.groups));
    // One outcome per group per zone outage, one unaffected outcome per group, one per worker loss: 5 x 200, not 206 x 200.
    expect(distinct.size).toBe(1000);
  });

  it('keeps every outcome of every scenario, in the groups order', () => {
    const report = analyzeFailures(manyGroups(200));
    const worker = scenario(report, 'a worker of g57');
    expect(worker.groups.map((g) => g.group)).toEqual(report.instanceGroups.map((g) => g.name));
    const all = ['us-west-2a', 'us-west-2b', 'us-west-2c'];
    worker.groups.forEach((g, i) => {
      const lost = i === 56 ? 1 : 0;
      expect(g).toEqual({ group: `g${i + 1}`, minSize: 1, lost, left: 1 - lost, survivingZones: all, refills: true });
    });
    expect(worker.reasons).toEqual(['group g57: 0 of 1 worker(s) left until its auto-scaling group refills in us-west-2a, us-west-2b, us-west-2c']);
    const member = scenario(report, 'control-plane-2');
    expect(member.groups.every((g) => g.lost === 0 && g.left === 1)).toBe(true);
    expect(scenario(report, 'zone us-west-2b').groups.every((g) => g.lost === 1 && g.refills)).toBe(true);
  });
});
