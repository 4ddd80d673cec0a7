import { describe, expect, it } from 'vitest';
import { analyzeFailures } from '../../src/ha/failure-analysis.js';
import { haWarnings } from '../../src/ha/ha-warnings.js';
import { validateFile, validateText } from '../../src/spec/validate.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { withLine } from '../helpers/spec-text.js';
import { manyGroups } from './model-fixtures.js';

function warningsOf(text: string) {
  const cluster = validateText(text, 'spec.yaml');
  return haWarnings(cluster.model, cluster.haReport);
}

describe('haWarnings', () => {
  it('has nothing to say about the bundled examples', () => {
    for (const name of ['myfirstcluster.yaml', 'private-multigroup.yaml', 'five-members.yaml']) {
      const cluster = validateFile(`${REPO_ROOT}/examples/${name}`);
      expect(haWarnings(cluster.model, cluster.haReport), name).toEqual([]);
    }
  });

  it('warns (HK301) when the cluster spans fewer than 3 zones', () => {
    const text = withLine('  zones: [us-west-2a, us-west-2b, us-west-2c]', '  zones: [us-west-2a]');
    const oneMember = withLine('    count: 3', '    count: 1', text);
    expect(warningsOf(oneMember)).toEqual([
      {
        code: 'HK301',
        pointer: '/spec/zones',
        message: 'the cluster spans 1 zone(s); spread the control plane and workers over 3 zones so that losing any one leaves a working cluster',
      },
    ]);
  });

  it('warns (HK302) about a group confined to one zone, pointing at its zones', () => {
    const text = withLine('      maxSize: 2\n', '      maxSize: 2\n      zones: [us-west-2c]\n');
    const warnings = warningsOf(text);
    expect(warnings.map((w) => [w.code, w.pointer])).toEqual([['HK302', '/spec/instanceGroups/0/zones']]);
    expect(warnings[0].message).toContain('group nodes runs only in us-west-2c');
  });

  it('warns (HK303) when one machine loss leaves a group without workers, but not for a group that may scale to zero', () => {
    const single = warningsOf(withLine('      minSize: 2', '      minSize: 1'));
    expect(single.map((w) => [w.code, w.pointer])).toEqual([['HK303', '/spec/instanceGroups/0/minSize']]);
    expect(warningsOf(withLine('      minSize: 2', '      minSize: 0'))).toEqual([]);
  });

  it('validate hands over the failure analysis it warned from, so generate and ha-report do not analyze again', () => {
    const cluster = validateFile(`${REPO_ROOT}/examples/private-multigroup.yaml`);
    expect(cluster.haReport).toEqual(analyzeFailures(cluster.model));
  });

  it('points each warning at its own group among many', () => {
    const model = manyGroups(200);
    model.instanceGroups[41] = { ...model.instanceGroups[41], zones: ['us-west-2b'] };
    for (const i of [0, 41, 199]) model.instanceGroups[i] = { ...model.instanceGroups[i], minSize: 2, maxSize: 2 };
    const warnings = haWarnings(model, analyzeFailures(model));
    expect(warnings.filter((w) => w.code === 'HK302').map((w) => w.pointer)).toEqual(['/spec/instanceGroups/41/zones']);
    const hk303 = warnings.filter((w) => w.code === 'HK303').map((w) => w.pointer);
    expect(hk303).toHaveLength(197);
    expect(hk303.filter((p) => /\/(0|41|199)\//.test(p))).toEqual([]);
  });
});
