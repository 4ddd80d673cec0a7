import { describe, expect, it } from 'vitest';
import { addonFileNames } from '../../src/emit/addons/index.js';
import { emitTerraform } from '../../src/emit/terraform/emit-terraform.js';
import { renderRolloutPlan } from '../../src/ha/render-rollout-plan.js';
import { mergeTerraformDocuments, planRollout, type TerraformJson } from '../../src/ha/rollout-plan.js';
import { bucketObjects } from '../../src/model/bucket-layout.js';
import { buildModel } from '../../src/model/model.js';
import type { ResolvedSpec } from '../../src/spec/defaults.js';
import { resolvedExample } from './model-fixtures.js';
import { stableObjectHashes } from '../helpers/object-hashes.js';

interface FixtureOptions {
  members?: number;
  instanceType?: string;
  ami?: string;
  workerInstanceType?: string;
  rootVolumeSize?: number;
  encryptEtcd?: boolean;
  /** Change the Name tag of one member only (not disruptive). */
  renamed?: number;
  /** Change the subnet of one member only. */
  movedMember?: number;
}

/** Control-plane Terraform of the shape hakube's emitter writes: instance, etcd volume and attachments per member. */
function terraform(o: FixtureOptions = {}): TerraformJson {
  const aws_instance: Record<string, unknown> = {};
  const aws_ebs_volume: Record<string, unknown> = {};
  const aws_volume_attachment: Record<string, unknown> = {};
  const aws_lb_target_group_attachment: Record<string, unknown> = {};
  for (let i = 1; i <= (o.members ?? 3); i++) {
    const id = `control_plane_${i}`;
    const zone = ['a', 'b', 'c'][(i - 1) % 3];
    aws_instance[id] = {
      ami: o.ami ?? 'ami-0123456789abcdef0',
      instance_type: o.instanceType ?? 't3.medium',
      subnet_id: `\${aws_subnet.us_west_2${o.movedMember === i ? 'b' : zone}.id}`,
      private_ip: `172.20.${32 * (((i - 1) % 3) + 1)}.${10 + Math.floor((i - 1) / 3)}`,
      root_block_device: { encrypted: true, volume_size: o.rootVolumeSize ?? 40, volume_type: 'gp3' },
      tags: { Name: `control-plane-${i}.test.k8s.local${o.renamed === i ? '-renamed' : ''}` },
      user_data_base64: `\${base64gzip(templatefile(join("/", [path.module, "cloud-init/control-plane-${i}.yaml"]), {"etcd_volume_id" = aws_ebs_volume.etcd_${id}.id}))}`,
      user_data_replace_on_change: true,
    };
    aws_ebs_volume[`etcd_${id}`] = { availability_zone: `us-west-2${zone}`, encrypted: o.encryptEtcd ?? true, size: 20, type: 'gp3' };
    aws_volume_attachment[`etcd_${id}`] = {
      device_name: '/dev/sdf',
      instance_id: `\${aws_instance.${id}.id}`,
      volume_id: `\${aws_ebs_volume.etcd_${id}.id}`,
    };
    aws_lb_target_group_attachment[`api_${id}`] = { target_group_arn: '${aws_lb_target_group.api.arn}', target_id: `\${aws_instance.${id}.id}` };
  }
  const controlPlane = { resource: { aws_instance, aws_ebs_volume, aws_volume_attachment } };
  const loadBalancer = { resource: { aws_lb_target_group_attachment } };
  const workers = {
    resource: {
      aws_launch_template: { nodes: { instance_type: o.workerInstanceType ?? 't3.medium', image_id: 'ami-0123456789abcdef0' } },
      aws_autoscaling_group: { nodes: { min_size: 2, max_size: 2, launch_template: { id: '${aws_launch_template.nodes.id}' } } },
    },
  };
  return mergeTerraformDocuments([controlPlane, loadBalancer, workers]);
}

describe('mergeTerraformDocuments', () => {
  it('merges the resource blocks of several files, as Terraform reads a folder', () => {
    const merged = terraform();
    const resources = merged.resource as Record<string, Record<string, unknown>>;
    expect(Object.keys(resources).sort()).toEqual([
      'aws_autoscaling_group',
      'aws_ebs_volume',
      'aws_instance',
      'aws_launch_template',
      'aws_lb_target_group_attachment',
      'aws_volume_attachment',
    ]);
    expect(Object.keys(resources.aws_instance)).toEqual(['control_plane_1', 'control_plane_2', 'control_plane_3']);
  });
});

describe('planRollout', () => {
  it('stages a control-plane instance type change: one member per apply, with its attachments, and etcd health in between', () => {
    const plan = planRollout(terraform(), terraform({ instanceType: 'm6i.large' }));
    expect(plan.changes).toEqual([1, 2, 3].map((i) => ({
      address: `aws_instance.control_plane_${i}`,
      member: `control-plane-${i}`,
      action: 'stop-start',
      attributes: ['instance_type'],
    })));
    expect(plan.disrupted).toEqual(['control-plane-1', 'control-plane-2', 'control-plane-3']);
    expect(plan.staged).toBe(true);
    expect(plan.steps).toHaveLength(3);
    expect(plan.steps[1]).toEqual({
      member: 'control-plane-2',
      targets: ['aws_instance.control_plane_2', 'aws_lb_target_group_attachment.api_control_plane_2', 'aws_volume_attachment.etcd_control_plane_2'],
      apply:
        'terraform apply -target=aws_instance.control_plane_2 -target=aws_lb_target_group_attachment.api_control_plane_2 -target=aws_volume_attachment.etcd_control_plane_2',
    });
    expect(plan.healthCheck).toBe(
      'sudo etcdctl --endpoints=https://172.20.32.10:2379,https://172.20.64.10:2379,https://172.20.96.10:2379 ' +
        '--cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt ' +
        '--key=/etc/kubernetes/pki/etcd/healthcheck-client.key endpoint health --cluster',
    );
    const text = renderRolloutPlan(plan);
    expect(text).toContain('WARNING: one apply would take down 3 control-plane members at once');
    expect(text).toContain(`  until ${plan.healthCheck}; do sleep 10; done`);
    expect(text).toContain(`  1. ${plan.steps[0].apply}\n     then wait until etcd is healthy again, control-plane-1 included\n`);
    expect(text).toContain('  4. terraform apply ');
  });

  it('has no staged plan for a worker-only change, and nothing to print', () => {
    const plan = planRollout(terraform(), terraform({ workerInstanceType: 'm6i.xlarge' }));
    expect(plan).toMatchObject({ changes: [], disrupted: [], staged: false, steps: [] });
    expect(renderRolloutPlan(plan)).toBe('');
  });

  it('has no staged plan on a first generate: every member is created together', () => {
    const plan = planRollout(undefined, terraform());
    expect(plan.changes.map((c) => c.action)).toEqual(['create', 'create', 'create']);
    expect(plan).toMatchObject({ disrupted: [], staged: false, steps: [] });
    expect(renderRolloutPlan(plan)).toBe('');
  });

  it('replaces every member when the AMI changes or an edited cloud-init file changes their user data', () => {
    const ami = planRollout(terraform(), terraform({ ami: 'ami-0fedcba9876543210' }));
    expect(ami.changes.map((c) => [c.action, c.attributes])).toEqual(Array(3).fill(['replace', ['ami']]));
    expect(ami.steps).toHaveLength(3);
    const cloudInit = planRollout(terraform(), terraform(), ['cloud-init/control-plane-1.yaml', 'cloud-init/control-plane-3.yaml']);
    expect(cloudInit.changes.map((c) => [c.member, c.action, c.attributes])).toEqual([
      ['control-plane-1', 'replace', ['user_data_base64']],
      ['control-plane-3', 'replace', ['user_data_base64']],
    ]);
    expect(cloudInit.steps.map((s) => s.member)).toEqual(['control-plane-1', 'control-plane-3']);
  });

  it('does not stage a change that disrupts one member only, nor in-place changes without a restart', () => {
    const one = planRollout(terraform(), terraform({ movedMember: 1 }));
    expect(one.changes).toEqual([{ address: 'aws_instance.control_plane_1', member: 'control-plane-1', action: 'replace', attributes: ['subnet_id'] }]);
    expect(one.staged).toBe(false);
    expect(renderRolloutPlan(one)).toContain('Only control-plane-1 goes down; the other members keep etcd\'s quorum, so one apply is safe.');
    const inPlace = planRollout(terraform(), terraform({ rootVolumeSize: 80 }));
    expect(inPlace.changes.map((c) => [c.action, c.attributes])).toEqual(Array(3).fill(['update', ['root_block_device.volume_size']]));
    expect(inPlace.staged).toBe(false);
  });

  it('counts a new etcd data volume as disruptive: the member loses its data', () => {
    const plan = planRollout(terraform({ encryptEtcd: false }), terraform());
    expect(plan.changes[0]).toEqual({
      address: 'aws_instance.control_plane_1',
      member: 'control-plane-1',
      action: 'replace',
      attributes: ['aws_ebs_volume.etcd_control_plane_1.encrypted'],
    });
    expect(plan.staged).toBe(true);
  });

  it('stages removed members too (remove them from etcd first), ordering control-plane-10 after control-plane-9', () => {
    const plan = planRollout(terraform({ members: 11 }), terraform({ members: 9, instanceType: 'm6i.large' }));
    expect(plan.changes.map((c) => `${c.member}:${c.action}`).slice(-3)).toEqual(['control-plane-9:stop-start', 'control-plane-10:destroy', 'control-plane-11:destroy']);
    expect(plan.steps[9].targets).toEqual([
      'aws_instance.control_plane_10',
      'aws_lb_target_group_attachment.api_control_plane_10',
      'aws_volume_attachment.etcd_control_plane_10',
    ]);
    expect(renderRolloutPlan(plan)).toContain('10. remove control-plane-10 from etcd (etcdctl member remove ID, same certificates), then: terraform apply -target=aws_instance.control_plane_10');
  });

  it('reads the Terraform hakube really emits: a new control-plane instance type gives three staged steps', () => {
    const emitted = (change: (s: ResolvedSpec) => void = () => undefined) => {
      const spec = resolvedExample('myfirstcluster.yaml');
      change(spec);
      const model = buildModel(spec);
      return mergeTerraformDocuments(emitTerraform(model, bucketObjects(model, addonFileNames(model)), stableObjectHashes(bucketObjects(model, addonFileNames(model)))).map((f) => JSON.parse(String(f.content)) as TerraformJson));
    };
    const before = emitted();
    const plan = planRollout(before, emitted((s) => (s.controlPlane.instanceType = 'm6i.large')));
    expect(plan.staged).toBe(true);
    expect(plan.steps.map((s) => s.targets)).toEqual(
      [1, 2, 3].map((i) => [`aws_instance.control_plane_${i}`, `aws_lb_target_group_attachment.api_control_plane_${i}`, `aws_volume_attachment.etcd_control_plane_${i}`]),
    );
    expect(planRollout(before, emitted((s) => (s.instanceGroups[0].maxSize = 5))).changes).toEqual([]);
    expect(planRollout(before, before, ['cloud-init/control-plane-2.yaml']).disrupted).toEqual(['control-plane-2']);
  });
});
