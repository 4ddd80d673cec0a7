import { validateFile } from '../../src/spec/validate.js';
import type { ClusterModel } from '../../src/model/model.js';

export const EXAMPLES = ['examples/myfirstcluster.yaml', 'examples/private-multigroup.yaml', 'examples/five-members.yaml'] as const;

export function exampleModel(file: string): ClusterModel {
  return validateFile(file).model;
}
