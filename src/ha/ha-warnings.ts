import type { ClusterModel } from '../model/model.js';
import type { IssueCode } from '../issue-codes.js';
import { onDemandMachines, type HaReport } from './failure-analysis.js';

export interface HaWarning {
  code: IssueCode;
  /** JSON pointer into the spec; validate turns it into FILE:LINE:COL. */
  pointer: string;
  message: string;
}

/** Zones kops spreads a highly-available cluster over; fewer leave no layout where losing one zone is harmless. */
const RECOMMENDED_ZONES = 3;

/**
 * Warnings `validate` shows from the failure analysis (`report`: analyzeFailures() of `model`). A zone
 * outage that breaks etcd quorum has no warning here: the rules already reject it (HK202 for 3 or more
 * members, HK200 for an even count) or warn about it (HK201 for a single member), with the same arithmetic.
 */
export function haWarnings(model: ClusterModel, report: HaReport): HaWarning[] {
  const warnings: HaWarning[] = [];
  if (model.zones.length < RECOMMENDED_ZONES) {
    warnings.push({
      code: 'HK301',
      pointer: '/spec/zones',
      message: `the cluster spans ${model.zones.length} zone(s); spread the control plane and workers over ${RECOMMENDED_ZONES} zones so that losing any one leaves a working cluster`,
    });
  }
  // Each scenario lists its outcomes in the model's group order, so group i's outcome is groups[i]: no scan per group.
  const zoneOutages = report.scenarios.filter((s) => s.kind === 'zone-outage');
  const workerLossOf = new Map(report.scenarios.filter((s) => s.kind === 'machine-loss' && s.group !== undefined).map((s) => [s.group, s]));
  model.instanceGroups.forEach((group, i) => {
    const confined = zoneOutages.some((s) => s.groups[i].lost > 0 && s.groups[i].survivingZones.length === 0);
    // With a single cluster zone HK301 already says it; a group that never runs a machine loses nothing.
    if (confined && model.zones.length > 1) {
      warnings.push({
        code: 'HK302',
        pointer: `/spec/instanceGroups/${i}/zones`,
        message: `group ${group.name} runs only in ${group.zones.join(', ')}: losing that zone loses all its workers and the auto-scaling group cannot refill them elsewhere; list more zones`,
      });
    }
    const emptied = workerLossOf.get(group.name)?.groups[i].left === 0;
    if (emptied) {
      warnings.push({
        code: 'HK303',
        pointer: `/spec/instanceGroups/${i}/minSize`,
        message: `group ${group.name} has minSize ${group.minSize}: losing one machine leaves it no workers until a replacement boots; use a minSize of 2 or more`,
      });
    }
    if (group.minSize > 0 && onDemandMachines(group) === 0) {
      warnings.push({
        code: 'HK304',
        pointer: `/spec/instanceGroups/${i}/mixedInstancesPolicy`,
        message: `group ${group.name} may run only Spot machines: one Spot reclaim leaves it no workers until Spot capacity returns; set onDemandBase to 1 or more if its workloads must keep running`,
      });
    }
  });
  return warnings;
}
