import { describe, expect, test } from 'vitest';
import { workerCloudInit, workerCloudInitWriter } from '../../src/emit/cloudinit/cloud-init.js';
import type { InstanceGroupModel } from '../../src/model/model.js';
import { EXAMPLES, exampleModel } from './examples.js';

describe.each(EXAMPLES)('worker user data of %s, rendered once for all groups', (example) => {
  const model = exampleModel(example);
  const write = workerCloudInitWriter(model);

  test.each(model.instanceGroups.map((g) => [g.name, g] as const))('is that of group %s rendered on its own', (_, group) => {
    expect(write(group)).toBe(workerCloudInit(model, group));
  });

  const group = model.instanceGroups[0]!;
  const awkward: Array<Partial<InstanceGroupModel>> = [
    { name: `a"b'c: #d *e ünï` },
    { name: 'yes', labels: { no: 'yes', '123': '0x1F' } },
    { name: '${x} %{y} $$ @@tf:bucket@@', zones: ['z: 1', '#2'] },
    { labels: { 'a: b': '#c', '*d': 'ünï' }, taints: [{ key: `"q" 'r'`, value: '*v: #w', effect: 'NoSchedule' }, { key: 'no', effect: 'NoExecute' }] },
  ];
  test.each(awkward.map((values) => [JSON.stringify(values), values] as const))('is that of group %s rendered on its own', (_, values) => {
    const changed = { ...group, ...values };
    expect(write(changed)).toBe(workerCloudInit(model, changed));
  });
});
