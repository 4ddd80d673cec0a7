import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mergeTerraformDocuments, planRollout, type TerraformJson } from '../../src/ha/rollout-plan.js';
import { EXAMPLES, blocksOf, emitEdited, emitFile, leaves, resources, text, type Emitted } from './synthesized.js';

function allLeaves(emitted: Emitted): Map<string, string> {
  const out = new Map<string, string>();
  for (const [file, json] of emitted.parsed) for (const [path, value] of leaves(json, file)) out.set(path, value);
  return out;
}

function changes(before: Emitted, after: Emitted): { changed: string[]; removed: string[]; added: string[] } {
  const a = allLeaves(before);
  const b = allLeaves(after);
  return {
    changed: [...a].filter(([k, v]) => b.has(k) && b.get(k) !== v).map(([k]) => k),
    removed: [...a.keys()].filter((k) => !b.has(k)),
    added: [...b.keys()].filter((k) => !a.has(k)),
  };
}

describe.each(EXAMPLES)('stability of %s', (example) => {
  it('gives byte-identical output on every run', () => {
    const first = emitFile(example);
    const second = emitFile(example);
    expect(second.files.map((f) => [f.path, text(f)])).toEqual(first.files.map((f) => [f.path, text(f)]));
  });
});

describe('diff locality', () => {
  it("changes exactly one value when one group's maxSize changes", () => {
    const before = emitFile('examples/private-multigroup.yaml');
    const after = emitEdited('examples/private-multigroup.yaml', 'minSize: 0\n      maxSize: 6', 'minSize: 0\n      maxSize: 7');
    expect(changes(before, after)).toEqual({
      changed: ['workers.tf.json/resource/aws_autoscaling_group/memory/max_size'],
      removed: [],
      added: [],
    });
  });

  it('only adds resources (and the new group output) when a group is added', () => {
    const before = emitFile('examples/myfirstcluster.yaml');
    const after = emitEdited(
      'examples/myfirstcluster.yaml',
      '      maxSize: 2\n',
      '      maxSize: 2\n    - name: batch\n      instanceType: c6i.large\n      minSize: 0\n      maxSize: 4\n',
    );
    const diff = changes(before, after);
    expect(diff.changed).toEqual([]);
    expect(diff.removed).toEqual([]);
    const addedBlocks = new Set(diff.added.map((p) => p.split('/').slice(0, 4).join('/')));
    expect([...addedBlocks].sort()).toEqual([
      // Drain before termination: the group's lifecycle hook and the rule sending its events to the queue.
      'node-termination.tf.json/resource/aws_autoscaling_lifecycle_hook/batch_drain',
      'node-termination.tf.json/resource/aws_cloudwatch_event_rule/node_termination_batch_termination',
      'node-termination.tf.json/resource/aws_cloudwatch_event_target/node_termination_batch_termination',
      'outputs.tf.json/output/autoscaling_group_batch/description',
      'outputs.tf.json/output/autoscaling_group_batch/value',
      'workers.tf.json/resource/aws_autoscaling_group/batch',
      'workers.tf.json/resource/aws_launch_template/batch',
    ]);
  });

  it('keeps every other member untouched when a member is added to the control plane', () => {
    const before = emitFile('examples/myfirstcluster.yaml');
    const after = emitEdited('examples/myfirstcluster.yaml', 'count: 3', 'count: 5');
    const diff = changes(before, after);
    expect(diff.removed).toEqual([]);
    // Two members join existing zones: only the new members' resources, the bucket objects of their certificates and
    // their entries in the instance-id output appear.
    expect(diff.changed).toEqual([]);
    expect(diff.added.every((p) => /control_plane_[45]|members_control_plane_[45]|members\/control-plane-[45]\/|control_plane_instance_ids\/value\/control-plane-[45]$/.test(p)), diff.added.join('\n')).toBe(true);
  });
});

describe('changes that must not touch running control-plane members', () => {
  const merged = (emitted: Emitted) => mergeTerraformDocuments([...emitted.parsed.values()] as TerraformJson[]);

  it('a new SSH key replaces the key pair only: no control-plane member is replaced or staged', () => {
    const example = 'examples/myfirstcluster.yaml';
    const keyLine = /publicKey: .*/.exec(readFileSync(example, 'utf8'))![0];
    const before = emitFile(example);
    const after = emitEdited(example, keyLine, 'publicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAJGGDKlUhdxEb9ag4mgweQ/MhzXDYQcmdjNYFyU/N+f rotated@example');
    for (const instance of resources(after, 'aws_instance').values()) {
      expect(instance.lifecycle).toEqual({ ignore_changes: ['key_name'] });
    }
    const rollout = planRollout(merged(before), merged(after));
    expect(rollout.disrupted).toEqual([]);
    expect(rollout.staged).toBe(false);
  });

  it('finds the pinned image after Canonical deprecates it', () => {
    const images = [...blocksOf(emitFile('examples/myfirstcluster.yaml'), 'data', 'aws_ami').values()];
    expect(images.length).toBe(1);
    expect(images[0]!.include_deprecated).toBe(true);
  });
});
