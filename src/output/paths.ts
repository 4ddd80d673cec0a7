import { dirname, join } from 'node:path';
import type { ClusterModel } from '../model/model.js';

/**
 * Where every command finds the output folder when --out is not given: generated/<cluster-name>/ beside the spec
 * file. It follows the spec, not the working directory, so `hakube generate ../cluster.yaml` from a subfolder, a
 * pipeline started at the repository root and a teammate's shell all name the same folder.
 */
export function defaultOutDir(model: ClusterModel, specFile: string): string {
  return join(dirname(specFile), 'generated', model.name);
}

/** defaultOutDir in words, for help texts. */
export const DEFAULT_OUT_DIR_SHOWN = 'generated/<cluster-name> beside the spec';
