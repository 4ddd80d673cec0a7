import { join } from 'node:path';
import type { ClusterModel } from '../model/model.js';

/** Where generate writes when --out is not given: generated/<cluster-name>/ under the working directory. */
export function defaultOutDir(model: ClusterModel): string {
  return join('generated', model.name);
}
