import { describe, expect, test } from 'vitest';
import { certificateRefreshHour, defragmentationHour } from '../../src/model/etcd-backups.js';
import { validateText } from '../../src/spec/validate.js';
import { withLine } from '../helpers/spec-text.js';

describe('defragmentation hours: never two members at once, never during a certificate refresh', () => {
  test.each([1, 3, 5, 7])('%i member(s)', (count) => {
    const { model } = validateText(withLine('    count: 3', `    count: ${count}`), 'spec.yaml');
    const members = model.controlPlane.members;
    expect(members).toHaveLength(count);
    const defrag = members.map((m) => defragmentationHour(model, m));
    const refresh = members.map((m) => certificateRefreshHour(model, m));
    expect(new Set(defrag).size).toBe(count);
    for (const hour of defrag) expect(refresh).not.toContain(hour);
  });
});
