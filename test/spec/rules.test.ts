import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateText } from '../../src/spec/validate.js';
import { BASE_SPEC, fakePrivateKeyFile, issuesOf, lineOf, only, withLine } from '../helpers/spec-text.js';
import { TEST_SSH_PUBLIC_KEY } from '../helpers/ssh-keys.js';

/** Asserts exactly one issue with `code`, at `pointer`, on the line containing `lineNeedle`. */
function expectIssue(text: string, code: string, pointer: string, lineNeedle: string, messagePart?: RegExp) {
  const found = only(issuesOf(text), code);
  expect(found, JSON.stringify(issuesOf(text), null, 1)).toHaveLength(1);
  expect(found[0].pointer).toBe(pointer);
  expect(found[0].position?.file).toBe('spec.yaml');
  expect(found[0].position?.line).toBe(lineOf(text, lineNeedle));
  if (messagePart) expect(found[0].message).toMatch(messagePart);
  return found[0];
}

describe('semantic rules', () => {
  it('accepts the base spec with no issue at all', () => {
    expect(issuesOf(BASE_SPEC)).toEqual([]);
  });

  it('HK200: an even control-plane count is an error that suggests odd counts', () => {
    const text = withLine('    count: 3', '    count: 4');
    const issue = expectIssue(text, 'HK200', '/spec/controlPlane/count', 'count: 4', /use 3 or 5/);
    expect(issue.severity).toBe('error');
  });

  it('HK201: a single control-plane node is allowed with a warning that it is not HA', () => {
    const text = withLine('    count: 3', '    count: 1');
    const issue = expectIssue(text, 'HK201', '/spec/controlPlane/count', 'count: 1', /not highly available/);
    expect(issue.severity).toBe('warning');
  });

  it('HK202: three members in two zones names the zone whose loss breaks quorum', () => {
    const text = withLine('    count: 3', '    count: 3\n    zones: [us-west-2a, us-west-2b]');
    const issue = expectIssue(text, 'HK202', '/spec/controlPlane/zones', 'zones: [us-west-2a, us-west-2b]');
    expect(issue.message).toContain('zone us-west-2a holds 2 of 3 etcd members');
    expect(issue.message).toContain('below the quorum of 2');
  });

  it('HK202: five members over three zones keep quorum after any zone loss', () => {
    expect(only(issuesOf(withLine('    count: 3', '    count: 5')), 'HK202')).toEqual([]);
  });

  it('HK203: control-plane zones must be cluster zones', () => {
    const text = withLine('    count: 3', '    count: 3\n    zones: [us-west-2a, us-west-2b, us-west-2d]');
    expectIssue(text, 'HK203', '/spec/controlPlane/zones/2', 'us-west-2d', /not one of spec.zones/);
  });

  it('HK210: zones must belong to the region', () => {
    const text = withLine('  zones: [us-west-2a, us-west-2b, us-west-2c]', '  zones: [us-west-2a, us-west-2b, us-east-1c]');
    expectIssue(text, 'HK210', '/spec/zones/2', 'us-east-1c', /not in region us-west-2/);
  });

  it('HK211: instance-group zones must be cluster zones', () => {
    const text = withLine('      maxSize: 2', '      maxSize: 2\n      zones: [us-west-2f]');
    expectIssue(text, 'HK211', '/spec/instanceGroups/0/zones/0', 'us-west-2f');
  });

  it('HK220: a CIDR with host bits set is invalid and the message gives the network', () => {
    const text = withLine('    vpcCIDR: 172.20.0.0/16', '    vpcCIDR: 172.20.1.0/16');
    expectIssue(text, 'HK220', '/spec/network/vpcCIDR', 'vpcCIDR', /host bits set; the network is 172.20.0.0\/16/);
  });

  it('HK220: an octet over 255 is invalid', () => {
    const text = withLine('    cni: calico', '    cni: calico\n    podCIDR: 100.300.0.0/11');
    expectIssue(text, 'HK220', '/spec/network/podCIDR', 'podCIDR', /invalid address/);
  });

  it('HK221: a subnet outside the VPC is an error', () => {
    const text = withLine(
      '    cni: calico',
      `    cni: calico
    subnets:
      - { zone: us-west-2a, cidr: 172.20.32.0/19 }
      - { zone: us-west-2b, cidr: 172.20.64.0/19 }
      - { zone: us-west-2c, cidr: 10.1.0.0/19 }`,
    );
    expectIssue(text, 'HK221', '/spec/network/subnets/2/cidr', '10.1.0.0/19', /not inside the VPC CIDR 172.20.0.0\/16/);
  });

  it('HK222: pod and VPC ranges must not overlap', () => {
    const text = withLine('    cni: calico', '    cni: calico\n    podCIDR: 172.20.128.0/17');
    expectIssue(text, 'HK222', '/spec/network/podCIDR', 'podCIDR', /overlaps the VPC CIDR/);
  });

  it('HK222: service and pod ranges must not overlap', () => {
    const text = withLine('    cni: calico', '    cni: calico\n    serviceCIDR: 100.96.0.0/13');
    expectIssue(text, 'HK222', '/spec/network/serviceCIDR', 'serviceCIDR', /overlaps the pod CIDR/);
  });

  it('HK223: subnets must not overlap each other', () => {
    const text = withLine(
      '    cni: calico',
      `    cni: calico
    subnets:
      - { zone: us-west-2a, cidr: 172.20.32.0/19 }
      - { zone: us-west-2b, cidr: 172.20.32.0/20 }
      - { zone: us-west-2c, cidr: 172.20.96.0/19 }`,
    );
    expectIssue(text, 'HK223', '/spec/network/subnets/1/cidr', '172.20.32.0/20', /overlaps the subnet of us-west-2a/);
  });

  it('HK224: explicit subnets must cover every zone', () => {
    const text = withLine('    cni: calico', `    cni: calico\n    subnets:\n      - { zone: us-west-2a, cidr: 172.20.32.0/19 }`);
    expectIssue(text, 'HK224', '/spec/network/subnets', 'subnets:', /no subnet for zone\(s\) us-west-2b, us-west-2c/);
  });

  it('HK224: the private topology needs utility subnets', () => {
    const text = withLine(
      '    cni: calico',
      `    cni: calico
    topology: private
    subnets:
      - { zone: us-west-2a, cidr: 172.20.32.0/19, utilityCIDR: 172.20.0.0/22 }
      - { zone: us-west-2b, cidr: 172.20.64.0/19, utilityCIDR: 172.20.4.0/22 }
      - { zone: us-west-2c, cidr: 172.20.96.0/19 }`,
    );
    expectIssue(text, 'HK224', '/spec/network/subnets/2', 'us-west-2c, cidr: 172.20.96.0/19', /needs a utilityCIDR for zone us-west-2c/);
  });

  it('HK225: a VPC too small to cut into subnets asks for explicit subnets', () => {
    const text = withLine('    vpcCIDR: 172.20.0.0/16', '    vpcCIDR: 172.20.0.0/24');
    expectIssue(text, 'HK225', '/spec/network/vpcCIDR', 'vpcCIDR', /list network.subnets explicitly/);
  });

  it('HK226: a /24 cannot hold 256 workers plus the 5 addresses AWS reserves', () => {
    const text = withLine(
      '    cni: calico',
      `    cni: calico
    subnets:
      - { zone: us-west-2a, cidr: 172.20.1.0/24 }
      - { zone: us-west-2b, cidr: 172.20.2.0/24 }
      - { zone: us-west-2c, cidr: 172.20.3.0/24 }`,
      withLine('      maxSize: 2', '      maxSize: 256'),
    );
    const found = only(issuesOf(text), 'HK226');
    expect(found).toHaveLength(3);
    expect(found[0].pointer).toBe('/spec/network/subnets/0/cidr');
    expect(found[0].position?.line).toBe(lineOf(text, '172.20.1.0/24'));
    expect(found[0].message).toContain('has 256 addresses but needs 263');
    expect(found[0].message).toContain('5 reserved by AWS');
    expect(found[0].message).toMatch(/use a \/23 or larger/);
  });

  it('HK227: the pod CIDR must give every possible node a /24', () => {
    const text = withLine('    cni: calico', '    cni: calico\n    podCIDR: 100.96.0.0/30');
    expectIssue(text, 'HK227', '/spec/network/podCIDR', 'podCIDR', /smaller than one node's \/24/);
  });

  it('HK230: kubenet allows at most 50 nodes (control plane included)', () => {
    const text = withLine('    cni: calico', '    cni: kubenet', withLine('      maxSize: 2', '      maxSize: 48'));
    expectIssue(text, 'HK230', '/spec/network/cni', 'cni: kubenet', /may run 51 nodes/);
    const fits = withLine('    cni: calico', '    cni: kubenet', withLine('      maxSize: 2', '      maxSize: 47'));
    expect(only(issuesOf(fits), 'HK230')).toEqual([]);
  });

  it('HK240: instance-group names must be unique', () => {
    const text = BASE_SPEC + '    - name: nodes\n      minSize: 1\n      maxSize: 1\n';
    const found = only(issuesOf(text), 'HK240');
    expect(found).toHaveLength(1);
    expect(found[0].pointer).toBe('/spec/instanceGroups/1/name');
    expect(found[0].position?.line).toBe(lineOf(text, '    - name: nodes') + 3);
  });

  it('HK241: minSize must not exceed maxSize', () => {
    const text = withLine('      minSize: 2', '      minSize: 3');
    expectIssue(text, 'HK241', '/spec/instanceGroups/0/minSize', 'minSize: 3', /minSize 3 is larger than maxSize 2/);
  });

  it('HK243: warns when the groups alone would take a third of the event bus rule quota, not below', () => {
    const groups = (count: number) =>
      withLine(
        '    - name: nodes\n      minSize: 2\n      maxSize: 2\n',
        Array.from({ length: count }, (_, i) => `    - name: g${i + 1}\n      minSize: 2\n      maxSize: 2\n`).join(''),
      );
    expect(only(issuesOf(groups(97)), 'HK243')).toEqual([]);
    const text = groups(98);
    const found = expectIssue(text, 'HK243', '/spec/instanceGroups', '  instanceGroups:', /98 instance groups need 101 EventBridge rules .* allows 300 rules by default/);
    expect(found.severity).toBe('warning');
    // A warning: the spec still validates.
    expect(() => validateText(text, 'spec.yaml')).not.toThrow();
  });

  it('HK244: two groups whose EventBridge rule names are the same once cut at 64 characters', () => {
    const long = (a: string, b: string) =>
      withLine(
        '    - name: nodes\n      minSize: 2\n      maxSize: 2\n',
        `    - name: ${a}\n      minSize: 2\n      maxSize: 2\n    - name: ${b}\n      minSize: 2\n      maxSize: 2\n`,
        withLine('  name: test.k8s.local', '  name: production-eu-west-1-platform.example.com'),
      );
    // "production-eu-west-1-platform-nth-" leaves 30 characters of a group's rule id.
    const text = long('general-purpose-workers-zone-a-one', 'general-purpose-workers-zone-a-two');
    const found = expectIssue(
      text,
      'HK244',
      '/spec/instanceGroups/1/name',
      'general-purpose-workers-zone-a-two',
      /rule would be named production-eu-west-1-platform-nth-general-purpose-workers-zone-a, like group general-purpose-workers-zone-a-one's .* first 30 characters/,
    );
    expect(found.severity).toBe('error');
    expect(only(issuesOf(long('general-purpose-workers-zone-a', 'general-purpose-workers-zone-b')), 'HK244')).toEqual([]);
    // A short cluster name leaves room for any group name.
    expect(only(issuesOf(withLine('  name: production-eu-west-1-platform.example.com', '  name: test.k8s.local', text)), 'HK244')).toEqual([]);
  });

  it('HK280: terraform.awsProviderVersion must admit a provider hakube supports (6.25 or later, before 7)', () => {
    const spec = (v: string) => `${BASE_SPEC}  terraform:\n    awsProviderVersion: ${JSON.stringify(v)}\n`;
    for (const v of ['~> 5.0', '< 6.25.0', '>= 7.0.0', '= 6.24.0', '~> 6.24.1', '>= 6.30, < 6.30', '= 6.30.0, != 6.30.0']) {
      expectIssue(spec(v), 'HK280', '/spec/terraform/awsProviderVersion', 'awsProviderVersion:', /6\.25\.0, < 7\.0\.0/);
    }
    for (const v of ['>= 6.25.0, < 7.0.0', '~> 6.25', '~> 6', '>= 6.0', '6.30.1', '<= 6.25', '~> 6.25.3', '>= 5.0', '!= 6.26.0']) {
      expect(only(issuesOf(spec(v)), 'HK280'), v).toEqual([]);
    }
  });

  it('HK242: the Kubernetes version must be inside the supported window', () => {
    const text = withLine('  kubernetesVersion: 1.34.2', '  kubernetesVersion: 1.28.4');
    expectIssue(text, 'HK242', '/spec/kubernetesVersion', 'kubernetesVersion', /outside the supported window 1.31 to 1.35/);
  });

  it('HK250: user names must be unique', () => {
    const text = BASE_SPEC.replace('  instanceGroups:', '  users:\n    - name: alice\n    - name: alice\n  instanceGroups:');
    const found = only(issuesOf(text), 'HK250');
    expect(found).toHaveLength(1);
    expect(found[0].pointer).toBe('/spec/users/1/name');
    expect(found[0].position?.line).toBe(lineOf(text, '- name: alice') + 1);
  });

  it('HK260: publicKey and publicKeyFile are exclusive', () => {
    const text = BASE_SPEC.replace(
      '  controlPlane:',
      `  ssh:\n    publicKey: ${TEST_SSH_PUBLIC_KEY}\n    publicKeyFile: id.pub\n  controlPlane:`,
    );
    expectIssue(text, 'HK260', '/spec/ssh/publicKeyFile', 'publicKeyFile');
  });

  it('HK262: a public API with no allowed CIDRs is reachable by nobody outside the VPC (warning)', () => {
    const text = withLine('    allowedCIDRs: [0.0.0.0/0]', '    allowedCIDRs: []');
    expect(expectIssue(text, 'HK262', '/spec/api', 'api:').severity).toBe('warning');
  });

  it('HK231: kubenet cannot be combined with the private topology', () => {
    const text = withLine('    cni: calico', '    cni: kubenet\n    topology: private');
    expectIssue(text, 'HK231', '/spec/network/cni', 'cni: kubenet', /one route table/);
  });

  it('HK263: a public API behind narrow CIDRs cannot be reached by public-topology machines', () => {
    const text = withLine('    allowedCIDRs: [0.0.0.0/0]', '    allowedCIDRs: [203.0.113.0/24]');
    expectIssue(text, 'HK263', '/spec/api/allowedCIDRs', 'allowedCIDRs: [203.0.113.0/24]', /use api.loadBalancer: internal/);
    const internal = withLine('  api:', '  api:\n    loadBalancer: internal', text);
    expect(only(issuesOf(internal), 'HK263')).toEqual([]);
  });

  it('HK270: image.ami and image.name are exclusive; HK271: an image name of another release than ubuntuRelease', () => {
    const both = BASE_SPEC.replace(
      '  instanceGroups:',
      '  image:\n    ami: ami-0123456789abcdef0\n    name: ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251022\n  instanceGroups:',
    );
    expectIssue(both, 'HK270', '/spec/image', 'image:', /keep one/);
    const mismatch = BASE_SPEC.replace(
      '  instanceGroups:',
      '  image:\n    ubuntuRelease: "22.04"\n    name: ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251022\n  instanceGroups:',
    );
    expectIssue(mismatch, 'HK271', '/spec/image/name', 'name: ubuntu/images', /is Ubuntu 24\.04, but image\.ubuntuRelease says 22\.04/);
    const wildcard = BASE_SPEC.replace('  instanceGroups:', '  image:\n    name: ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*\n  instanceGroups:');
    // A wildcard is a lookup of the newest image, not a pin: the schema refuses it.
    expect(issuesOf(wildcard).filter((i) => i.pointer === '/spec/image/name' && i.severity === 'error')).toHaveLength(1);
  });

  it('HK290: an explicit architecture contradicting the instance type is an error naming the field; agreeing or derived is fine', () => {
    const groupArm = withLine('      minSize: 2', '      instanceType: m7i.large\n      architecture: arm64\n      minSize: 2');
    expectIssue(groupArm, 'HK290', '/spec/instanceGroups/0/architecture', 'architecture: arm64', /contradicts instanceType m7i\.large of group nodes, which is amd64/);
    const controlPlaneAmd = withLine('    count: 3', '    count: 3\n    instanceType: c7g.large\n    architecture: amd64');
    expectIssue(controlPlaneAmd, 'HK290', '/spec/controlPlane/architecture', 'architecture: amd64', /contradicts instanceType c7g\.large of the control plane, which is arm64/);
    const agreeing = withLine('      minSize: 2', '      instanceType: t4g.large\n      architecture: arm64\n      minSize: 2');
    expect(issuesOf(agreeing)).toEqual([]);
    const mixedByType = withLine('      minSize: 2', '      instanceType: c8g.large\n      minSize: 2');
    expect(validateText(mixedByType, 'spec.yaml').model.instanceGroups[0].architecture).toBe('arm64');
    expect(validateText(mixedByType, 'spec.yaml').model.controlPlane.architecture).toBe('amd64');
  });

  it('HK291: image.ami with machines of both architectures is an error (one AMI cannot serve both); of one architecture it is fine', () => {
    const ami = '  image:\n    ami: ami-0123456789abcdef0\n  instanceGroups:';
    const mixed = withLine('      minSize: 2', '      instanceType: m7g.large\n      minSize: 2', BASE_SPEC.replace('  instanceGroups:', ami));
    expectIssue(mixed, 'HK291', '/spec/image/ami', 'ami: ami-0123456789abcdef0', /amd64 and arm64 machines \(arm64: group nodes\)/);
    const allArm = withLine('    count: 3', '    count: 3\n    instanceType: m7g.large', mixed);
    expect(only(issuesOf(allArm), 'HK291')).toEqual([]);
    const mixedByName = withLine('      minSize: 2', '      instanceType: m7g.large\n      minSize: 2');
    expect(only(issuesOf(mixedByName), 'HK291')).toEqual([]);
  });

  it('HK292: every type of a mixed-instances group is of the group\'s architecture', () => {
    const mixed = withLine('      minSize: 2', '      mixedInstancesPolicy:\n        instances: [m6i.large, m7g.large, m6a.large]\n      minSize: 2');
    expectIssue(mixed, 'HK292', '/spec/instanceGroups/0/mixedInstancesPolicy/instances/1', 'instances: [m6i.large, m7g.large', /m7g\.large is arm64, but group nodes is amd64/);
    const allArm = withLine('      minSize: 2', '      mixedInstancesPolicy:\n        instances: [m7g.large, c7g.xlarge, t4g.large]\n      minSize: 2');
    expect(only(issuesOf(allArm), 'HK292')).toEqual([]);
    expect(validateText(allArm, 'spec.yaml').model.instanceGroups[0].architecture).toBe('arm64');
  });

  it('HK251: a user in system:masters gets a warning (it bypasses RBAC)', () => {
    const text = BASE_SPEC.replace('  instanceGroups:', '  users:\n    - name: root\n      groups: [system:masters]\n  instanceGroups:');
    expect(expectIssue(text, 'HK251', '/spec/users/0/groups', 'groups: [system:masters]', /bypasses RBAC/).severity).toBe('warning');
  });

  it('HK232: node labels the kubelet refuses (node-role.kubernetes.io/, other kubernetes.io and k8s.io keys) are errors at the label', () => {
    for (const key of ['node-role.kubernetes.io/worker', 'kubernetes.io/role', 'example.k8s.io/x', 'node-restriction.kubernetes.io/pool']) {
      const text = withLine('      maxSize: 2\n', `      maxSize: 2\n      labels:\n        ${key}: "yes"\n`, BASE_SPEC);
      const pointer = `/spec/instanceGroups/0/labels/${key.replace(/\//g, '~1')}`;
      expectIssue(text, 'HK232', pointer, `${key}: "yes"`, /the kubelet may not set on its own node/);
    }
    for (const key of ['node.kubernetes.io/pool', 'team.kubelet.kubernetes.io/x', 'topology.kubernetes.io/zone', 'example.com/role', 'plain']) {
      const text = withLine('      maxSize: 2\n', `      maxSize: 2\n      labels:\n        ${key}: "yes"\n`, BASE_SPEC);
      expect(only(issuesOf(text), 'HK232'), key).toEqual([]);
    }
  });

  it("HK253: a spec user named like one of hakube's own identities is an error at its name", () => {
    const text = withLine('      maxSize: 2\n', '      maxSize: 2\n  users:\n    - name: kubernetes-admin\n', BASE_SPEC);
    expectIssue(text, 'HK253', '/spec/users/0/name', 'name: kubernetes-admin', /the admin kubeconfig/);
  });

  it('HK252: an unreadable or non-public SSH key file is an error at publicKeyFile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hakube-rules-'));
    writeFileSync(join(dir, 'id'), fakePrivateKeyFile());
    writeFileSync(join(dir, 'id.pub'), `${TEST_SSH_PUBLIC_KEY} me@host\n`);
    const spec = (file: string) => BASE_SPEC.replace('  controlPlane:', `  ssh:\n    publicKeyFile: ${file}\n  controlPlane:`);
    const missing = only(issuesOf(spec('nope.pub'), join(dir, 'spec.yaml')), 'HK252');
    expect(missing.map((i) => [i.pointer, i.message])).toEqual([['/spec/ssh/publicKeyFile', 'cannot read SSH public key file "nope.pub": ENOENT']]);
    const privateKey = only(issuesOf(spec('id'), join(dir, 'spec.yaml')), 'HK252');
    expect(privateKey[0].message).toContain('is not one OpenSSH public key');
    expect(privateKey[0].message).not.toContain('abc');
    const ok = validateText(spec('id.pub'), join(dir, 'spec.yaml'));
    expect(ok.model.ssh.publicKey).toBe(`${TEST_SSH_PUBLIC_KEY} me@host`);
    writeFileSync(join(dir, 'short.pub'), `${TEST_SSH_PUBLIC_KEY.slice(0, 60)} me@host\n`);
    const short = only(issuesOf(spec('short.pub'), join(dir, 'spec.yaml')), 'HK264');
    expect(short.map((i) => i.pointer)).toEqual(['/spec/ssh/publicKeyFile']);
    expect(short[0].message).toContain('"short.pub" is not a usable OpenSSH public key');
  });

  it('HK265: a private zone for a public API is a warning (outside clients cannot resolve the name)', () => {
    const dns = '  api:\n    dns:\n      name: api.test.example.com\n      hostedZoneId: Z0123456789ABCDEFGHIJ\n      privateZone: true\n';
    const text = withLine('  api:\n', dns);
    expect(expectIssue(text, 'HK265', '/spec/api/dns/privateZone', 'privateZone: true', /answers only inside associated VPCs/).severity).toBe('warning');
    expect(only(issuesOf(withLine('  api:\n', `${dns}    loadBalancer: internal\n`)), 'HK265')).toEqual([]);
  });

  it('HK261: SSH opened without a key is a warning', () => {
    const text = BASE_SPEC.replace('  controlPlane:', '  ssh:\n    allowedCIDRs: [10.0.0.0/8]\n  controlPlane:');
    expect(expectIssue(text, 'HK261', '/spec/ssh/allowedCIDRs', 'allowedCIDRs: [10.0.0.0/8]', /no public key/).severity).toBe('warning');
  });

  it('HK106: duplicate list entries point at the repeated item', () => {
    const text = withLine('  zones: [us-west-2a, us-west-2b, us-west-2c]', '  zones: [us-west-2a, us-west-2b, us-west-2a]');
    const found = only(issuesOf(text), 'HK106');
    expect(found.map((i) => i.pointer)).toEqual(['/spec/zones/0']);
    expect(found[0].message).toContain('duplicate entry "us-west-2a"');
  });

  it('HK301 (from the failure analysis): validate warns, with the line, when fewer than 3 zones are used', () => {
    const text = withLine('  zones: [us-west-2a, us-west-2b, us-west-2c]', '  zones: [us-west-2a, us-west-2b]', withLine('    count: 3', '    count: 1'));
    const issue = expectIssue(text, 'HK301', '/spec/zones', 'zones: [us-west-2a, us-west-2b]');
    expect(issue.severity).toBe('warning');
  });
});

