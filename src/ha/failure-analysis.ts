import type { ClusterModel, InstanceGroupModel } from '../model/model.js';
import { parseCidr, size } from '../spec/cidr.js';
import { AWS_RESERVED_ADDRESSES } from '../spec/rules.js';

/**
 * survives: nothing the cluster needs is short; degraded: etcd and the API keep working but some
 * worker capacity is missing (until an auto-scaling group refills it, or for good); fails: etcd
 * loses its quorum or the API has no load-balancer target left.
 */
export type Verdict = 'survives' | 'degraded' | 'fails';

export interface EtcdOutcome {
  members: number;
  left: number;
  quorum: number;
  keepsQuorum: boolean;
}

export interface ApiOutcome {
  /** Load-balancer targets before the failure: one per control-plane member. */
  targets: number;
  left: number;
}

export interface GroupOutcome {
  group: string;
  minSize: number;
  /** Machines lost, counting the worst case: a zone may hold ceil(minSize / zones) of them. */
  lost: number;
  /** Machines running right after the failure. */
  left: number;
  /** Zones the auto-scaling group can still launch in. */
  survivingZones: string[];
  /** True when the group gets back to minSize: it spans a surviving zone whose subnet has room. */
  refills: boolean;
  /** The machines lost were Spot: they come back only when Spot capacity does. */
  spot?: true;
}

export interface Scenario {
  /** spot-reclaim: AWS takes back every Spot machine of one group at once (a pool runs dry). */
  kind: 'zone-outage' | 'machine-loss' | 'spot-reclaim';
  /** What is lost, as a reader says it: "zone us-west-2a", "control-plane-1", "a worker of nodes". */
  lost: string;
  /** The lost zone (zone outages only). */
  zone?: string;
  /** The lost control-plane member (machine losses only). */
  member?: string;
  /** The group that lost a worker (machine losses) or its Spot machines (Spot reclaims). */
  group?: string;
  etcd: EtcdOutcome;
  api: ApiOutcome;
  /**
   * One outcome per instance group, in the model's order. Outcomes of groups a scenario leaves alone are shared
   * between scenarios (and so is the whole list where no group is touched): read them, never change them.
   */
  groups: readonly GroupOutcome[];
  verdict: Verdict;
  /** Why the verdict is not `survives`, one sentence per cause; empty when it survives. */
  reasons: string[];
}

export interface OverallVerdict {
  /** The worst verdict over the scenarios of this kind. */
  verdict: Verdict;
  /** True when every scenario of this kind keeps etcd quorum and the API. */
  survives: boolean;
  /** What is lost in each scenario that fails (zone names or machine names). */
  failing: string[];
}

export interface HaReport {
  cluster: string;
  zones: string[];
  etcd: { members: number; quorum: number; tolerates: number };
  instanceGroups: Array<{ name: string; minSize: number; zones: string[] }>;
  scenarios: Scenario[];
  overall: { zoneOutage: OverallVerdict; machineLoss: OverallVerdict; spotReclaim?: OverallVerdict };
}

function etcdQuorum(members: number): number {
  return Math.floor(members / 2) + 1;
}

const VERDICT_RANK: Record<Verdict, number> = { survives: 0, degraded: 1, fails: 2 };

function worst(verdicts: Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((w, v) => (VERDICT_RANK[v] > VERDICT_RANK[w] ? v : w), 'survives');
}

/** Machines of a group in one zone, worst case, with minSize spread evenly over `zones`. */
function shareInZone(minSize: number, zones: number): number {
  return zones === 0 ? 0 : Math.ceil(minSize / zones);
}

/**
 * Whether a surviving zone's subnet can hold its share of every group refilled there after `lostZone` is lost:
 * each group's minSize is spread over its own surviving zones, next to the zone's control-plane members, the
 * load balancer's address and AWS's reserved addresses. The same for every group that asks, so each zone is
 * answered once per outage (every group asks, and the answer sums over every group).
 */
function zoneRoomAfterOutage(model: ClusterModel, lostZone: string): (zoneName: string) => boolean {
  const lbPerZone = model.network.topology === 'public' || model.api.loadBalancer === 'internal' ? 1 : 0;
  const answers = new Map<string, boolean>();
  const hasRoom = (zoneName: string): boolean => {
    const zone = model.zones.find((z) => z.name === zoneName);
    const cidr = zone ? parseCidr(zone.subnetCIDR) : undefined;
    if (!cidr) return false;
    const members = model.controlPlane.members.filter((m) => m.zone === zoneName).length;
    const workers = model.instanceGroups
      .filter((g) => g.zones.includes(zoneName))
      .reduce((sum, g) => sum + shareInZone(g.minSize, g.zones.filter((z) => z !== lostZone).length), 0);
    return members + workers + lbPerZone + AWS_RESERVED_ADDRESSES <= size(cidr);
  };
  return (zoneName) => {
    let answer = answers.get(zoneName);
    if (answer === undefined) {
      answer = hasRoom(zoneName);
      answers.set(zoneName, answer);
    }
    return answer;
  };
}

/** `hasRoom`: zoneRoomAfterOutage() of the same zone. */
function groupAfterZoneOutage(group: InstanceGroupModel, zone: string, hasRoom: (zoneName: string) => boolean): GroupOutcome {
  const lost = group.zones.includes(zone) ? shareInZone(group.minSize, group.zones.length) : 0;
  const survivingZones = group.zones.filter((z) => z !== zone);
  return {
    group: group.name,
    minSize: group.minSize,
    lost,
    left: group.minSize - lost,
    survivingZones,
    refills: survivingZones.length > 0 && survivingZones.every(hasRoom),
  };
}

/**
 * On-Demand machines among a group's minSize: onDemandBase, then onDemandAboveBase percent of the rest, rounded
 * down, so the report never counts more machines safe from a Spot reclaim than AWS may run.
 */
export function onDemandMachines(group: Pick<InstanceGroupModel, 'minSize' | 'mixedInstancesPolicy'>): number {
  const m = group.mixedInstancesPolicy;
  if (!m) return group.minSize;
  const base = Math.min(m.onDemandBase, group.minSize);
  return base + Math.floor(((group.minSize - base) * m.onDemandAboveBase) / 100);
}

/** `unaffected`: groupUnaffected() of the same group. */
function groupAfterSpotReclaim(group: InstanceGroupModel, unaffected: GroupOutcome): GroupOutcome {
  const left = onDemandMachines(group);
  return { ...unaffected, lost: group.minSize - left, left, refills: false, spot: true };
}

function groupUnaffected(group: InstanceGroupModel): GroupOutcome {
  return { group: group.name, minSize: group.minSize, lost: 0, left: group.minSize, survivingZones: [...group.zones], refills: true };
}

/** A lost machine frees its own address, so the group refills wherever it runs. `unaffected`: groupUnaffected() of the same group. */
function groupAfterMachineLoss(group: InstanceGroupModel, unaffected: GroupOutcome): GroupOutcome {
  return { ...unaffected, lost: 1, left: group.minSize - 1 };
}

/** `unaffected` with the outcome at `index` replaced: one new outcome per scenario, not one per group. */
function withOutcome(unaffected: readonly GroupOutcome[], index: number, outcome: GroupOutcome): GroupOutcome[] {
  const groups = unaffected.slice();
  groups[index] = outcome;
  return groups;
}

type Subject = Pick<Scenario, 'kind' | 'lost' | 'zone' | 'member' | 'group'>;

/** `affected`: the outcomes of `groups` that lost machines, named by the caller, which knows them without a scan. */
function judge(subject: Subject, etcd: EtcdOutcome, api: ApiOutcome, groups: readonly GroupOutcome[], affected: GroupOutcome[]): Scenario {
  const { lost } = subject;
  const reasons: string[] = [];
  if (!etcd.keepsQuorum) {
    reasons.push(`losing ${lost} leaves ${etcd.left} of ${etcd.members} etcd member(s), below the quorum of ${etcd.quorum}`);
  }
  if (api.left === 0) reasons.push(`losing ${lost} leaves no API load-balancer target`);
  const fails = reasons.length > 0;
  for (const g of affected) {
    const until = g.spot
      ? 'until Spot capacity returns (the group asks for Spot again; On-Demand does not stand in)'
      : g.refills
      ? `until its auto-scaling group refills in ${g.survivingZones.join(', ')}`
      : g.survivingZones.length === 0
        ? `and it spans no other zone, so capacity does not come back while ${lost} is down`
        : `and the subnets of ${g.survivingZones.join(', ')} have no room to refill it`;
    reasons.push(`group ${g.group}: ${g.left} of ${g.minSize} worker(s) left ${until}`);
  }
  const verdict: Verdict = fails ? 'fails' : reasons.length > 0 ? 'degraded' : 'survives';
  return { ...subject, etcd, api, groups, verdict, reasons };
}

function etcdWith(members: number, left: number): EtcdOutcome {
  const quorum = etcdQuorum(members);
  return { members, left, quorum, keepsQuorum: left >= quorum };
}

function overall(scenarios: Scenario[]): OverallVerdict {
  const failing = scenarios.filter((s) => s.verdict === 'fails');
  return {
    verdict: worst(scenarios.map((s) => s.verdict)),
    survives: failing.length === 0,
    failing: failing.map((s) => s.zone ?? s.member ?? s.group ?? s.lost),
  };
}

/**
 * What is left after each single-zone outage and each single-machine loss, for the spec as
 * written: etcd members against the quorum, API load-balancer targets (one per member; the load
 * balancer spans every control-plane zone), and per instance group the workers left right after
 * the failure against minSize. Groups are assumed to run minSize machines spread evenly over
 * their zones; an auto-scaling group refills only in zones that survive. A group that may run Spot
 * machines at minSize also gets a scenario where all of them are reclaimed together: Spot
 * interruptions follow capacity in a pool, not single machines.
 */
export function analyzeFailures(model: ClusterModel): HaReport {
  const members = model.controlPlane.members;
  const n = members.length;
  const zoneOutages = model.zones.map((zone) => {
    const left = members.filter((m) => m.zone !== zone.name).length;
    const hasRoom = zoneRoomAfterOutage(model, zone.name);
    const groups = model.instanceGroups.map((g) => groupAfterZoneOutage(g, zone.name, hasRoom));
    return judge(
      { kind: 'zone-outage', lost: `zone ${zone.name}`, zone: zone.name },
      etcdWith(n, left),
      { targets: n, left },
      groups,
      groups.filter((o) => o.lost > 0),
    );
  });
  // Every other scenario touches one group at most, so they share the outcomes of the groups they leave alone:
  // allocation stays linear in the number of groups, not quadratic.
  const unaffected = model.instanceGroups.map(groupUnaffected);
  const memberLosses = members.map((member) =>
    judge({ kind: 'machine-loss', lost: member.name, member: member.name }, etcdWith(n, n - 1), { targets: n, left: n - 1 }, unaffected, []),
  );
  const workerLosses: Scenario[] = [];
  const spotReclaims: Scenario[] = [];
  model.instanceGroups.forEach((g, i) => {
    // A group with minSize 0 need not run any machine, so there is none whose loss to analyze.
    if (g.minSize > 0) {
      const outcome = groupAfterMachineLoss(g, unaffected[i]);
      workerLosses.push(
        judge(
          { kind: 'machine-loss', lost: `a worker of ${g.name}`, group: g.name },
          etcdWith(n, n),
          { targets: n, left: n },
          withOutcome(unaffected, i, outcome),
          [outcome],
        ),
      );
    }
    if (onDemandMachines(g) < g.minSize) {
      const outcome = groupAfterSpotReclaim(g, unaffected[i]);
      spotReclaims.push(
        judge(
          { kind: 'spot-reclaim', lost: `the Spot machines of ${g.name}`, group: g.name },
          etcdWith(n, n),
          { targets: n, left: n },
          withOutcome(unaffected, i, outcome),
          [outcome],
        ),
      );
    }
  });
  const machineLosses = [...memberLosses, ...workerLosses];
  return {
    cluster: model.name,
    zones: model.zones.map((z) => z.name),
    etcd: { members: n, quorum: etcdQuorum(n), tolerates: n - etcdQuorum(n) },
    instanceGroups: model.instanceGroups.map((g) => ({ name: g.name, minSize: g.minSize, zones: [...g.zones] })),
    scenarios: [...zoneOutages, ...machineLosses, ...spotReclaims],
    overall: {
      zoneOutage: overall(zoneOutages),
      machineLoss: overall(machineLosses),
      ...(spotReclaims.length > 0 ? { spotReclaim: overall(spotReclaims) } : {}),
    },
  };
}
