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
