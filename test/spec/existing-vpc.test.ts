import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { issuesOf, lineOf, only } from '../helpers/spec-text.js';
import { blocksOf, emitFile, resources } from '../terraform/synthesized.js';

const EXAMPLE = readFileSync(`${REPO_ROOT}/examples/existing-vpc.yaml`, 'utf8');

function edited(from: string, to: string): string {
  if (!EXAMPLE.includes(from)) throw new Error(`test setup: ${from} is not in the example`);
  return EXAMPLE.replace(from, to);
}

const errors = (text: string) => issuesOf(text).filter((i) => i.severity === 'error');

describe('an existing VPC: rules', () => {
  it('accepts the example with no issue', () => {
    expect(issuesOf(EXAMPLE)).toEqual([]);
  });

  it('HK212: a subnet id without networkID is an error at the id', () => {
    const text = edited('    networkID: vpc-0a1b2c3d4e5f60718   # CHANGE: your VPC\n', '');
    const found = only(issuesOf(text), 'HK212');
    expect(found.map((i) => i.pointer)).toEqual(['/spec/network/subnets/0/id', '/spec/network/subnets/1/id', '/spec/network/subnets/2/id']);
    expect(found[0]!.position?.line).toBe(lineOf(text, 'subnet-0aa1111111111111a'));
  });

  it('HK213: a zone without its subnet id, or without a subnets entry, is an error', () => {
    const noId = edited(', id: subnet-0bb2222222222222b }', ' }');
    expect(only(issuesOf(noId), 'HK213')).toEqual([expect.objectContaining({ pointer: '/spec/network/subnets/1', message: expect.stringContaining('zone us-east-1b needs the id') })]);
    const noEntry = edited('      - { zone: us-east-1c, cidr: 10.20.48.0/20, id: subnet-0cc3333333333333c }\n', '');
    expect(only(issuesOf(noEntry), 'HK213')).toEqual([expect.objectContaining({ pointer: '/spec/network/networkID', message: expect.stringContaining('missing: us-east-1c') })]);
  });

  it('HK214 and HK216: a public API in the private topology needs utility subnets, and warns about the NAT addresses', () => {
    const text = edited('    loadBalancer: internal', '    loadBalancer: public');
    expect(only(issuesOf(text), 'HK214')).toHaveLength(3);
    expect(only(issuesOf(text), 'HK216')).toEqual([expect.objectContaining({ severity: 'warning', pointer: '/spec/api/loadBalancer' })]);
  });

  it('HK215: one subnet for two zones is an error', () => {
    const text = edited('id: subnet-0bb2222222222222b', 'id: subnet-0aa1111111111111a');
    expect(only(issuesOf(text), 'HK215')).toEqual([expect.objectContaining({ pointer: '/spec/network/subnets/1/id' })]);
  });

  it('HK266: associateVpc is an error without an existing VPC or without a private zone', () => {
    const asked = edited('      privateZone: true\n', '      privateZone: true\n      associateVpc: true\n');
    expect(issuesOf(asked)).toEqual([]);
    const newVpc = asked.replace('    networkID: vpc-0a1b2c3d4e5f60718   # CHANGE: your VPC\n', '').replace(/, id: subnet-[0-9a-z]+ \}/g, ' }');
    expect(only(issuesOf(newVpc), 'HK266')).toEqual([
      expect.objectContaining({ pointer: '/spec/api/dns/associateVpc', message: expect.stringContaining('hakube always associates the VPC it creates') }),
    ]);
    expect(only(issuesOf(newVpc), 'HK266')[0]!.position?.line).toBe(lineOf(newVpc, 'associateVpc: true'));
    const publicZone = asked.replace('      privateZone: true\n', '');
    expect(only(issuesOf(publicZone), 'HK266')).toEqual([expect.objectContaining({ message: expect.stringContaining('set api.dns.privateZone: true') })]);
  });

  it('the schema refuses ids that are not VPC or subnet ids', () => {
    expect(errors(edited('vpc-0a1b2c3d4e5f60718', 'vpc-xyz'))[0]).toMatchObject({ pointer: '/spec/network/networkID' });
    expect(errors(edited('subnet-0aa1111111111111a', 'sg-0aa1111111111111a'))[0]).toMatchObject({ pointer: '/spec/network/subnets/0/id' });
  });
});

describe('an existing VPC: Terraform', () => {
  const emitted = emitFile('examples/existing-vpc.yaml');

  it('reads the VPC and the subnets, and stops the plan when they are not what the spec says', () => {
    const vpc = blocksOf(emitted, 'data', 'aws_vpc').get('cluster')!;
    expect(vpc.id).toBe('vpc-0a1b2c3d4e5f60718');
    expect(JSON.stringify(vpc.lifecycle)).toContain('contains(self.cidr_block_associations[*].cidr_block, \\"10.20.0.0/16\\")');
    const subnets = blocksOf(emitted, 'data', 'aws_subnet');
    expect([...subnets.keys()]).toEqual(['us_east_1a', 'us_east_1b', 'us_east_1c']);
    const condition = (subnets.get('us_east_1b')!.lifecycle as { postcondition: Array<{ condition: string }> }).postcondition[0]!.condition;
    expect(condition).toBe('${self.cidr_block == "10.20.32.0/20" && self.availability_zone == "us-east-1b" && self.vpc_id == "vpc-0a1b2c3d4e5f60718"}');
  });

  it('creates nothing of the network but the cluster tag and the member address reservations', () => {
    expect(resources(emitted, 'aws_ec2_subnet_cidr_reservation').size).toBe(3);
    expect(resources(emitted, 'aws_ec2_tag').size).toBe(3);
    const networkFile = emitted.parsed.get('network.tf.json') as { resource: Record<string, unknown> };
    expect(Object.keys(networkFile.resource).sort()).toEqual(['aws_ec2_subnet_cidr_reservation', 'aws_ec2_tag']);
    const groups = resources(emitted, 'aws_security_group');
    for (const group of groups.values()) expect(group.vpc_id).toBe('${data.aws_vpc.cluster.id}');
  });
});
