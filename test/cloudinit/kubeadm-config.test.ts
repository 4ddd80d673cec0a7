import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { kubeadmWorkerJoinConfig, kubeadmWorkerJoinConfigWriter, type WorkerJoinValues } from '../../src/emit/cloudinit/kubeadm-config.js';

/** Texts YAML reads as something else unless quoted, or that need quoting or escaping in some style. */
const AWKWARD = [
  'yes', 'no', 'on', 'off', 'true', 'False', 'null', '~', '', '123', '007', '1e3', '0x1F', '0o7', '.5', '+1', '-1', '.inf', 'NaN',
  '2001-01-01', 'a: b', 'a:b', 'http://x', '#x', 'a #b', '*x', '&x', '!x', '%x', '@x', '`x', '|x', '>x', '-', '- x', '? x',
  '[x]', '{x}', 'x,y', '"q"', "'q'", `a'b"c`, ' lead', 'trail ', 'a\tb', '--- x', '...', 'ünï', '日本', '\u00a0x', 'a\\b',
  '${x}', '%{x}', '@@tf:bucket@@',
];

const groups: Array<[string, WorkerJoinValues]> = [
  ['no labels, no taints', { labels: {}, taints: [] }],
  ['labels only', { labels: { 'node.kubernetes.io/role': 'gpu', team: 'a' }, taints: [] }],
  ['taints only', { labels: {}, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'spot', effect: 'NoExecute' }] }],
  ['an empty taint value', { labels: { a: '' }, taints: [{ key: 'k', value: '', effect: 'PreferNoSchedule' }] }],
  ...AWKWARD.map((text): [string, WorkerJoinValues] => [
    `awkward ${JSON.stringify(text)}`,
    {
      labels: { [text]: text },
      taints: [
        { key: text, value: text, effect: 'NoSchedule' },
        { key: 'k', effect: text as 'NoSchedule' },
      ],
    },
  ]),
  ['one label whose value alone is awkward', { labels: { yes: '' }, taints: [] }],
];

describe('the worker JoinConfiguration written into a prepared text', () => {
  const write = kubeadmWorkerJoinConfigWriter();

  test.each(groups)('is the one stringified for the group: %s', (_, group) => {
    expect(write(group)).toBe(kubeadmWorkerJoinConfig(group));
  });

  test('reads back with the group labels and taints', () => {
    const group = groups.find(([name]) => name === 'taints only')![1];
    const config = parse(write(group));
    expect(config.nodeRegistration.taints).toEqual(group.taints);
    expect(parse(write(groups[1]![1])).nodeRegistration.kubeletExtraArgs).toContainEqual({ name: 'node-labels', value: 'node.kubernetes.io/role=gpu,team=a' });
  });

  test('refuses a value with a line break, which yaml would write as a block indented for its depth', () => {
    expect(() => write({ labels: {}, taints: [{ key: 'a\nb', effect: 'NoSchedule' }] })).toThrow(/not a one-line YAML value/);
  });
});
