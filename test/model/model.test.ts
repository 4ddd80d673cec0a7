import { describe, expect, it } from 'vitest';
import { buildModel } from '../../src/model/model.js';
import { contains, formatCidr, overlaps, parseCidr, subdivide } from '../../src/spec/cidr.js';
import { applyDefaults } from '../../src/spec/defaults.js';
import { validateFile, validateText } from '../../src/spec/validate.js';
import { BASE_SPEC, withLine } from '../helpers/spec-text.js';
import { PINNED_UBUNTU_IMAGES } from '../../src/spec/pinned-images.js';

describe('CIDR arithmetic', () => {
  it('parses, formats and rejects host bits', () => {
    expect(formatCidr(parseCidr('10.0.0.0/8')!)).toBe('10.0.0.0/8');
    expect(parseCidr('10.0.0.1/8')).toBeUndefined();
    expect(parseCidr('256.0.0.0/8')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('010.0.0.0/8')).toBeUndefined();
  });
  it('contains, overlaps and subdivides', () => {
    const vpc = parseCidr('172.20.0.0/16')!;
    expect(formatCidr(subdivide(vpc, 19, 1))).toBe('172.20.32.0/19');
    expect(formatCidr(subdivide(vpc, 22, 1))).toBe('172.20.4.0/22');
    expect(contains(vpc, parseCidr('172.20.32.0/19')!)).toBe(true);
    expect(contains(vpc, parseCidr('172.21.0.0/19')!)).toBe(false);
    expect(overlaps(parseCidr('10.0.0.0/16')!, parseCidr('10.0.255.0/24')!)).toBe(true);
    expect(overlaps(parseCidr('10.0.0.0/16')!, parseCidr('10.1.0.0/24')!)).toBe(false);
    expect(() => subdivide(vpc, 15, 0)).toThrow();
  });
});

describe('defaults', () => {
  it('fills every default explicitly and does not change the input', () => {
    const { spec } = validateText(BASE_SPEC, 'spec.yaml');
    expect(spec.network.topology).toBe('public');
    expect(spec.network.podCIDR).toBe('100.96.0.0/11');
    expect(spec.network.serviceCIDR).toBe('100.64.0.0/13');
    expect(spec.controlPlane).toEqual({
      count: 3,
      instanceType: 't3.medium',
      architecture: 'amd64',
      zones: ['us-west-2a', 'us-west-2b', 'us-west-2c'],
      rootVolumeSize: 40,
      etcdVolumeSize: 20,
      etcdBackups: { intervalMinutes: 30, retentionDays: 7 },
      terminationProtection: true,
    });
    expect(spec.ssm).toEqual({ enabled: true });
    expect(spec.instanceGroups[0]).toMatchObject({ instanceType: 't3.medium', architecture: 'amd64', zones: ['us-west-2a', 'us-west-2b', 'us-west-2c'], labels: {}, taints: [], rootVolumeSize: 40 });
    expect(spec.addons).toEqual({
      dashboard: { enabled: false, replicas: 2 },
      adminUser: { enabled: false },
      metricsServer: { enabled: true },
      clusterAutoscaler: { enabled: false, expander: 'least-waste', balanceSimilarNodeGroups: false, scaleDownUtilizationThreshold: 0.5, skipNodesWithLocalStorage: true },
    });
    expect(spec.pki).toEqual({ keyAlgorithm: 'ecdsa-p256', caValidityDays: 3650, certificateValidityDays: 365 });
    expect(spec.terraform.backend).toEqual({ type: 'local', path: 'terraform.tfstate' });
    expect(spec.image).toEqual({ ubuntuRelease: '24.04', name: PINNED_UBUNTU_IMAGES['24.04'] });
  });

  it('gives an S3 backend the cluster region by default', () => {
    const doc = {
      apiVersion: 'hakube/v1alpha1' as const,
      kind: 'Cluster' as const,
      metadata: { name: 'x.k8s.local' },
      spec: {
        kubernetesVersion: '1.34.2',
        region: 'eu-west-1',
        zones: ['eu-west-1a'],
        instanceGroups: [{ name: 'n', minSize: 1, maxSize: 1 }],
        terraform: { backend: { type: 's3' as const, bucket: 'state-bucket', key: 'k' } },
      },
    };
    const frozen = JSON.stringify(doc);
    expect(applyDefaults(doc).terraform.backend).toEqual({ type: 's3', bucket: 'state-bucket', key: 'k', region: 'eu-west-1' });
    expect(JSON.stringify(doc)).toBe(frozen);
  });
});

describe('model', () => {
  it('lays out the tutorial cluster as kops does: one /19 per zone, members at fixed addresses', () => {
    const { model } = validateFile('examples/myfirstcluster.yaml');
    expect(model.slug).toBe('myfirstcluster-k8s-local');
    expect(model.zones.map((z) => [z.name, z.suffix, z.subnetCIDR])).toEqual([
      ['us-west-2a', 'a', '172.20.32.0/19'],
      ['us-west-2b', 'b', '172.20.64.0/19'],
      ['us-west-2c', 'c', '172.20.96.0/19'],
    ]);
    expect(model.controlPlane.members.map((m) => [m.name, m.zone, m.privateIp, m.initializes])).toEqual([
      ['control-plane-1', 'us-west-2a', '172.20.32.10', true],
      ['control-plane-2', 'us-west-2b', '172.20.64.10', false],
      ['control-plane-3', 'us-west-2c', '172.20.96.10', false],
    ]);
    expect(model.network.kubernetesServiceIp).toBe('100.64.0.1');
    expect(model.network.clusterDnsIp).toBe('100.64.0.10');
    expect(model.kubernetesMinor).toBe('1.34');
    expect(model.instanceGroups[0]).toMatchObject({ id: 'nodes', asgName: 'nodes.myfirstcluster.k8s.local', minSize: 2, maxSize: 2 });
  });

  it('spreads five members round-robin and gives second members of a zone the next address', () => {
    const { model } = validateFile('examples/five-members.yaml');
    expect(model.controlPlane.members.map((m) => `${m.zone}=${m.privateIp}`)).toEqual([
      'us-east-1a=10.0.2.10',
      'us-east-1b=10.0.4.10',
      'us-east-1c=10.0.6.10',
      'us-east-1a=10.0.2.11',
      'us-east-1b=10.0.4.11',
    ]);
  });

  it('computes utility subnets for the private topology and keeps explicit ones', () => {
    const text = withLine('    cni: calico', '    cni: calico\n    topology: private');
    const { model } = validateText(text, 'spec.yaml');
    expect(model.zones.map((z) => z.utilityCIDR)).toEqual(['172.20.0.0/22', '172.20.4.0/22', '172.20.8.0/22']);
    const explicit = validateFile('examples/private-multigroup.yaml').model;
    expect(explicit.zones[2]).toMatchObject({ subnetCIDR: '10.40.96.0/19', utilityCIDR: '10.40.8.0/22' });
  });

  it('keeps a member’s zone and address when the count grows (stable identity)', () => {
    const three = validateText(BASE_SPEC, 's').model.controlPlane.members;
    const five = validateText(withLine('    count: 3', '    count: 5'), 's').model.controlPlane.members;
    expect(five.slice(0, 3)).toEqual(three);
  });

  it('is a pure function: the same spec gives an equal model', () => {
    const { spec } = validateText(BASE_SPEC, 's');
    expect(buildModel(spec)).toEqual(buildModel(spec));
  });
});
