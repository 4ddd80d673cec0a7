import { describe, expect, it } from 'vitest';
import { architectureOfInstanceType, GRAVITON_FAMILIES } from '../../src/spec/instance-architecture.js';
import { imageNameFor, PINNED_UBUNTU_IMAGES } from '../../src/spec/pinned-images.js';

describe('the architecture of an instance type', () => {
  it('is arm64 for every Graviton family, a1 included', () => {
    for (const family of GRAVITON_FAMILIES) expect(architectureOfInstanceType(`${family}.large`), family).toBe('arm64');
    expect(architectureOfInstanceType('a1.medium')).toBe('arm64');
  });

  it('is amd64 for Intel, AMD and the older default-processor families, whatever letters follow the generation', () => {
    for (const type of ['t3.medium', 't3a.large', 'm5.large', 'm6i.xlarge', 'm7i-flex.large', 'c6in.large', 'r7iz.large', 'g4dn.xlarge', 'g6e.xlarge', 'p5.48xlarge', 'inf2.xlarge', 'x2iedn.xlarge', 'i4i.large', 'z1d.large']) {
      expect(architectureOfInstanceType(type), type).toBe('amd64');
    }
  });

  it('follows the Graviton letter after the generation for a family the table does not know yet', () => {
    expect(GRAVITON_FAMILIES.has('m9g')).toBe(false);
    expect(architectureOfInstanceType('m9g.large')).toBe('arm64');
    expect(architectureOfInstanceType('c9gd.large')).toBe('arm64');
    expect(architectureOfInstanceType('m9i.large')).toBe('amd64');
  });
});

describe('the image name of an architecture', () => {
  it('is the amd64 name with -arm64- for arm64, and the name itself for amd64', () => {
    expect(imageNameFor(PINNED_UBUNTU_IMAGES['24.04'], 'arm64')).toBe('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20251022');
    expect(imageNameFor(PINNED_UBUNTU_IMAGES['22.04'], 'arm64')).toBe('ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-20251015');
    expect(imageNameFor(PINNED_UBUNTU_IMAGES['24.04'], 'amd64')).toBe(PINNED_UBUNTU_IMAGES['24.04']);
  });
});
