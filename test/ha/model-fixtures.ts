import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { buildModel, type ClusterModel } from '../../src/model/model.js';
import type { ClusterSpec } from '../../src/spec/cluster-spec.generated.js';
import { applyDefaults, type ResolvedSpec } from '../../src/spec/defaults.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

/** The resolved spec of a bundled example, to vary in ways the rules would reject. */
export function resolvedExample(name: string): ResolvedSpec {
  return applyDefaults(parse(readFileSync(`${REPO_ROOT}/examples/${name}`, 'utf8')) as ClusterSpec);
}

/** A model built straight from a resolved spec, without the semantic rules in between. */
export function modelOf(spec: ResolvedSpec, change: (s: ResolvedSpec) => void = () => undefined): ClusterModel {
  change(spec);
  return buildModel(spec);
}

/** The tutorial cluster with `count` worker groups g1..gN (t3.medium, minSize = maxSize = 1), as `npm run bench` makes them. */
export function manyGroups(count: number): ClusterModel {
  return modelOf(resolvedExample('myfirstcluster.yaml'), (s) => {
    const [nodes] = s.instanceGroups;
    s.instanceGroups = Array.from({ length: count }, (_, i) => ({ ...nodes, name: `g${i + 1}`, minSize: 1, maxSize: 1, zones: [...nodes.zones] }));
  });
}
