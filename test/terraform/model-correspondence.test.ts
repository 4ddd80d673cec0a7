import { describe, expect, it } from 'vitest';
import { addonFileNames } from '../../src/emit/addons/index.js';
import { keyPairAddress, resourceName } from '../../src/emit/terraform/addresses.js';
import { memberReservationBlock, zoneId } from '../../src/emit/terraform/network.js';
import { bucketObjects } from '../../src/model/bucket-layout.js';
import { terraformId } from '../../src/model/model.js';
import { clusterFlows } from '../../src/model/ports.js';
import { contains, formatCidr, parseCidr } from '../../src/spec/cidr.js';
import { EXAMPLES, blocksOf, emitEdited, emitFile, resources, type Json } from './synthesized.js';
import { imageDataSourceName } from '../../src/emit/terraform/image-and-ssh-key.js';
import type { Architecture } from '../../src/spec/instance-architecture.js';
import { imageNameFor } from '../../src/spec/pinned-images.js';

const GROUP_REF: Record<string, string> = {
  'control-plane': '${aws_security_group.control_plane.id}',
  nodes: '${aws_security_group.nodes.id}',
  'api-load-balancer': '${aws_security_group.api_load_balancer.id}',
};

describe.each(EXAMPLES)('%s matches its model', (example) => {
  const emitted = emitFile(example);
  const { model } = emitted;

  /** A zone's machine (or utility) subnet: created by hakube, or read from an existing VPC. */
  const subnetRef = (zone: string, utility = false) =>
    `\${${model.network.networkID ? 'data.' : ''}aws_subnet.${utility ? 'utility_' : ''}${zoneId(zone)}.id}`;

  it('uploads exactly the bucket objects from their local files, each tracked by the hash hakube recorded', () => {
    // The discovery bucket's two public documents are checked in service-account-issuer.test.ts.
    const objects = [...resources(emitted, 'aws_s3_object').values()].filter((o) => o.bucket === '${aws_s3_bucket.secrets.id}');
    const expected = bucketObjects(model, addonFileNames(model));
    expect(expected.some((o) => o.key.startsWith('control-plane/addons/'))).toBe(true);
    expect(objects.map((o) => o.key).sort()).toEqual(expected.map((o) => o.key).sort());
    for (const object of expected) {
      const declared = objects.find((o) => o.key === object.key);
      expect(declared).toMatchObject({
        bucket: '${aws_s3_bucket.secrets.id}',
        source: `\${path.module}/${object.source}`,
        source_hash: `\${local.bucket_object_hashes["${object.key}"]}`,
        kms_key_id: '${aws_kms_key.secrets.arn}',
      });
    }
  });

  it('gives each member its fixed address, in a reserved block of its zone subnet, with its own etcd volume', () => {
    const instances = resources(emitted, 'aws_instance');
    const reservations = resources(emitted, 'aws_ec2_subnet_cidr_reservation');
    const attachments = resources(emitted, 'aws_volume_attachment');
    expect(instances.size).toBe(model.controlPlane.members.length);
    for (const member of model.controlPlane.members) {
      const id = terraformId(member.name);
      const instance = instances.get(id) as Json;
      expect(instance.private_ip).toBe(member.privateIp);
      expect(instance.subnet_id).toBe(subnetRef(member.zone));
      expect(instance.disable_api_termination).toBe(model.controlPlane.terminationProtection);
      // AWS provider 6.x refuses to terminate a protected instance unless force_destroy is set, after it has already
      // detached the member's etcd volume: every replacement and `terraform destroy` would fail half-way.
      expect(instance.force_destroy).toBe(true);
      expect(instance.maintenance_options).toEqual({ auto_recovery: 'default' });
      const reservation = reservations.get(`control_plane_${zoneId(member.zone)}`) as Json;
      expect(reservation).toMatchObject({ reservation_type: 'explicit', subnet_id: subnetRef(member.zone) });
      const block = parseCidr(reservation.cidr_block as string);
      const address = parseCidr(`${member.privateIp}/32`);
      expect(block && address && contains(block, address)).toBe(true);
      expect(attachments.get(`etcd_${id}`)).toMatchObject({
        volume_id: `\${aws_ebs_volume.etcd_${id}.id}`,
        instance_id: `\${aws_instance.${id}.id}`,
        stop_instance_before_detaching: true,
      });
      expect(resources(emitted, 'aws_ebs_volume').get(`etcd_${id}`)).toMatchObject({
        availability_zone: member.zone,
        size: model.controlPlane.etcdVolumeSize,
        type: 'gp3',
      });
    }
    const memberZones = new Set(model.controlPlane.members.map((m) => m.zone));
    expect(reservations.size).toBe(memberZones.size);
    for (const zone of model.zones.filter((z) => memberZones.has(z.name))) {
      const reserved = parseCidr(reservations.get(`control_plane_${zoneId(zone)}`)?.cidr_block as string);
      const subnet = parseCidr(zone.subnetCIDR);
      expect(reserved && subnet && contains(subnet, reserved)).toBe(true);
      expect(formatCidr(memberReservationBlock(zone))).toBe(reservations.get(`control_plane_${zoneId(zone)}`)?.cidr_block);
    }
  });

  it('makes workers and the load balancer wait for the member address reservations', () => {
    const reservations = [...resources(emitted, 'aws_ec2_subnet_cidr_reservation').keys()].map((n) => `aws_ec2_subnet_cidr_reservation.${n}`);
    for (const asg of resources(emitted, 'aws_autoscaling_group').values()) expect(asg.depends_on).toEqual(reservations);
    expect(resources(emitted, 'aws_lb').get('api')?.depends_on).toEqual(reservations);
  });

  it('opens one described ingress rule per flow, source and target, and no other', () => {
    const rules = [...resources(emitted, 'aws_vpc_security_group_ingress_rule').values()];
    const expected: Array<Record<string, unknown>> = [];
    for (const flow of clusterFlows(model)) {
      for (const target of flow.targets) {
        for (const source of flow.sources) {
          const peers =
            source === 'api-clients'
              ? model.api.allowedCIDRs.map((c) => ({ cidr_ipv4: c }))
              : source === 'ssh-clients'
                ? model.ssh.allowedCIDRs.map((c) => ({ cidr_ipv4: c }))
                : source === 'nat-gateways'
                  ? model.zones.map((z) => ({ cidr_ipv4: `\${aws_eip.nat_${zoneId(z)}.public_ip}/32` }))
                  : [{ referenced_security_group_id: GROUP_REF[source] }];
          for (const peer of peers) {
            expected.push({
              security_group_id: GROUP_REF[target],
              description: flow.description,
              ip_protocol: flow.protocol,
              ...(flow.protocol === 'tcp' || flow.protocol === 'udp' ? { from_port: flow.fromPort, to_port: flow.toPort } : {}),
              ...peer,
            });
          }
        }
      }
    }
    const strip = (r: Json) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'tags'));
    const key = (r: Record<string, unknown>) => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(rules.map(strip).map(key).sort()).toEqual(expected.map(key).sort());
  });

  it('puts the load balancer in every control-plane zone, forwarding 6443 to every member', () => {
    const lb = resources(emitted, 'aws_lb').get('api') as Json;
    expect(lb).toMatchObject({ load_balancer_type: 'network', internal: model.api.loadBalancer === 'internal', security_groups: [GROUP_REF['api-load-balancer']] });
    const zones = [...new Set(model.controlPlane.members.map((m) => m.zone))];
    const utility = model.api.loadBalancer === 'public' && model.network.topology === 'private';
    expect(lb.subnets).toEqual(zones.map((z) => subnetRef(z, utility)));
    expect(resources(emitted, 'aws_lb_listener').get('api')).toMatchObject({ port: 6443, protocol: 'TCP' });
    expect(resources(emitted, 'aws_lb_target_group').get('api')).toMatchObject({
      port: 6443,
      protocol: 'TCP',
      // Ready API servers only; a deregistered member drains for 30 s, then its connections are closed.
      health_check: { protocol: 'HTTPS', path: '/readyz', matcher: '200', port: 'traffic-port' },
      deregistration_delay: '30',
      connection_termination: true,
    });
    const attachments = resources(emitted, 'aws_lb_target_group_attachment');
    expect([...attachments.values()].map((a) => a.target_id).sort()).toEqual(
      model.controlPlane.members.map((m) => `\${aws_instance.${terraformId(m.name)}.id}`).sort(),
    );
    expect(resources(emitted, 'aws_route53_record').size).toBe(model.api.dns ? 1 : 0);
  });

  it('gives each instance group an auto-scaling group over its zones with its sizes and no desired capacity', () => {
    const asgs = resources(emitted, 'aws_autoscaling_group');
    expect(asgs.size).toBe(model.instanceGroups.length);
    for (const group of model.instanceGroups) {
      const asg = asgs.get(group.id) as Json;
      expect(asg).toMatchObject({
        name: group.asgName,
        min_size: group.minSize,
        max_size: group.maxSize,
        vpc_zone_identifier: group.zones.map((z) => subnetRef(z)),
        instance_refresh: { strategy: 'Rolling' },
      });
      const template = { id: `\${aws_launch_template.${group.id}.id}`, version: `\${aws_launch_template.${group.id}.latest_version}` };
      if (group.mixedInstancesPolicy) {
        const policy = asg.mixed_instances_policy as { launch_template: { launch_template_specification: unknown; override: unknown } };
        expect(policy.launch_template.launch_template_specification).toEqual({ launch_template_id: template.id, version: template.version });
        expect(policy.launch_template.override).toEqual(group.mixedInstancesPolicy.instances.map((t) => ({ instance_type: t })));
        expect(asg.launch_template).toBeUndefined();
      } else {
        expect(asg.launch_template).toEqual(template);
      }
      expect(asg.desired_capacity).toBeUndefined();
      const tags = new Map((asg.tag as Array<{ key: string; value: string }>).map((t) => [t.key, t.value]));
      expect(tags.get('k8s.io/cluster-autoscaler/enabled')).toBe('true');
      expect(tags.get(`k8s.io/cluster-autoscaler/${model.name}`)).toBe('owned');
      expect(tags.get(`kubernetes.io/cluster/${model.name}`)).toBe('owned');
      for (const [label, value] of Object.entries(group.labels)) expect(tags.get(`k8s.io/cluster-autoscaler/node-template/label/${label}`)).toBe(value);
    }
  });

  it('tags subnets for the AWS load-balancer integration', () => {
    if (model.network.networkID) {
      // Existing subnets: only the cluster tag, as shared; role tags are the VPC owner's (docs/terraform.md).
      const tags = resources(emitted, 'aws_ec2_tag');
      expect([...tags.values()].map((t) => [t.key, t.value])).toEqual(model.zones.map(() => [`kubernetes.io/cluster/${model.name}`, 'shared']));
      for (const name of ['aws_vpc', 'aws_subnet', 'aws_internet_gateway', 'aws_nat_gateway', 'aws_route_table', 'aws_route', 'aws_route_table_association', 'aws_eip']) {
        expect(resources(emitted, name).size, name).toBe(0);
      }
      return;
    }
    const subnets = resources(emitted, 'aws_subnet');
    for (const zone of model.zones) {
      const tags = subnets.get(zoneId(zone))?.tags as Record<string, string>;
      if (model.network.topology === 'private') {
        expect(tags['kubernetes.io/role/internal-elb']).toBe('1');
        expect((subnets.get(`utility_${zoneId(zone)}`)?.tags as Record<string, string>)['kubernetes.io/role/elb']).toBe('1');
      } else {
        expect(tags['kubernetes.io/role/elb']).toBe('1');
      }
    }
    expect(resources(emitted, 'aws_nat_gateway').size).toBe(model.network.topology === 'private' ? model.zones.length : 0);
  });

  it('turns the source/destination check off and allows route changes exactly when the CNI is kubenet', () => {
    const kubenet = model.network.cni === 'kubenet';
    for (const instance of resources(emitted, 'aws_instance').values()) expect(instance.source_dest_check).toBe(kubenet ? false : undefined);
    const controllers = blocksOf(emitted, 'data', 'aws_iam_policy_document').get('control_plane_controllers')?.statement as Array<{ actions: string[]; condition?: unknown }>;
    const routeStatements = controllers.filter((s) => s.actions.includes('ec2:CreateRoute'));
    expect(routeStatements.length).toBe(kubenet ? 1 : 0);
    for (const s of routeStatements) expect(s.condition).toEqual([{ test: 'StringEquals', variable: `aws:ResourceTag/kubernetes.io/cluster/${model.name}`, values: ['owned'] }]);
  });

  it('declares the key pair from the spec and pinned images: the spec\'s AMI, or one exact Canonical image name per architecture', () => {
    // Named for the key, so a new key is a new key pair beside the old one (see docs/ha.md).
    if (model.ssh.publicKey) expect(resources(emitted, 'aws_key_pair').get(resourceName(keyPairAddress(model.ssh.publicKey)))?.public_key).toBe(model.ssh.publicKey);
    else expect(resources(emitted, 'aws_key_pair').size).toBe(0);
    const images = blocksOf(emitted, 'data', 'aws_ami');
    // Each machine with the architecture of its instance type: members share the control plane's, a group's launch template its own.
    const machines: Array<[Json, string, Architecture]> = [
      ...[...resources(emitted, 'aws_instance').values()].map((m): [Json, string, Architecture] => [m, 'ami', model.controlPlane.architecture]),
      ...model.instanceGroups.map((g): [Json, string, Architecture] => [resources(emitted, 'aws_launch_template').get(g.id)!, 'image_id', g.architecture]),
    ];
    if (model.image.ami) {
      expect(images.size).toBe(0);
      for (const [machine, key] of machines) expect(machine[key]).toBe(model.image.ami);
      return;
    }
    const architectures = new Set(machines.map(([, , a]) => a));
    expect(images.size).toBe(architectures.size);
    for (const architecture of architectures) {
      const name = imageNameFor(model.image.name!, architecture);
      expect(name).toContain(`-${architecture}-server-`);
      const ami = images.get(imageDataSourceName(name));
      expect(ami?.owners).toEqual(['099720109477']);
      // No "newest image" lookup: a newly published image must not change the plan.
      expect(ami?.most_recent).toBeUndefined();
      const filters = ami?.filter as Array<{ name: string; values: string[] }>;
      expect(filters.find((f) => f.name === 'name')?.values).toEqual([name]);
      expect(filters.find((f) => f.name === 'architecture')?.values).toEqual([architecture === 'arm64' ? 'arm64' : 'x86_64']);
      expect(JSON.stringify(filters)).not.toContain('*');
    }
    for (const [machine, key, architecture] of machines) {
      expect(machine[key]).toBe(`\${data.aws_ami.${imageDataSourceName(imageNameFor(model.image.name!, architecture))}.id}`);
      // Nothing hides an image change from the plan (and from the one-member-per-apply rollout): members ignore
      // only the key pair name, since a new SSH key must not replace every member.
      if (key === 'ami') expect(machine.lifecycle).toEqual({ ignore_changes: ['key_name'] });
    }
  });
});

describe('a public API load balancer in front of the private topology', () => {
  const emitted = emitEdited('examples/private-multigroup.yaml', '    loadBalancer: internal', '    loadBalancer: public');

  it('admits each NAT gateway address, since machines reach an internet-facing load balancer through it', () => {
    const rules = [...resources(emitted, 'aws_vpc_security_group_ingress_rule').values()].filter((r) =>
      String(r.description).includes('through their NAT gateways'),
    );
    expect(rules.map((r) => [r.security_group_id, r.cidr_ipv4, r.from_port])).toEqual(
      emitted.model.zones.map((z) => [GROUP_REF['api-load-balancer'], `\${aws_eip.nat_${zoneId(z)}.public_ip}/32`, 6443]),
    );
  });
});
