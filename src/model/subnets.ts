import { formatCidr, parseCidr, subdivide } from '../spec/cidr.js';
import type { ResolvedSpec } from '../spec/defaults.js';

export interface ZoneSubnets {
  zone: string;
  /** Subnet the zone's machines live in. */
  cidr: string;
  /** Public subnet for NAT gateway and public load balancer (private topology only). */
  utilityCIDR?: string;
  /** Existing subnets (with network.networkID): their ids. */
  id?: string;
  utilityId?: string;
  /** True when computed from the VPC CIDR rather than written in the spec. */
  computed: boolean;
}

/**
 * The subnets of every zone: as written in the spec, or computed by cutting the VPC
 * into eighths (zone N takes eighth N+1; utility subnets are 1/64ths of the first eighth),
 * which for 172.20.0.0/16 gives kops' layout (172.20.32.0/19, 172.20.64.0/19, ...).
 * Returns undefined for a zone whose subnet cannot be computed; the rules report why.
 */
export function planSubnets(spec: ResolvedSpec): Array<ZoneSubnets | undefined> {
  const vpc = parseCidr(spec.network.vpcCIDR);
  const privateTopology = spec.network.topology === 'private';
  return spec.zones.map((zone, index) => {
    const written = spec.network.subnets.find((s) => s.zone === zone);
    if (written) {
      return {
        zone,
        cidr: written.cidr,
        ...(written.utilityCIDR ? { utilityCIDR: written.utilityCIDR } : {}),
        ...(written.id ? { id: written.id } : {}),
        ...(written.utilityId ? { utilityId: written.utilityId } : {}),
        computed: false,
      };
    }
    if (spec.network.subnets.length > 0 || !vpc || !canComputeSubnets(vpc.prefix) || index >= 7) return undefined;
    return {
      zone,
      cidr: formatCidr(subdivide(vpc, vpc.prefix + 3, index + 1)),
      ...(privateTopology ? { utilityCIDR: formatCidr(subdivide(vpc, vpc.prefix + 6, index)) } : {}),
      computed: true,
    };
  });
}

/** Utility subnets are /(p+6); AWS subnets are at most /28. */
export function canComputeSubnets(vpcPrefix: number): boolean {
  return vpcPrefix + 6 <= 28;
}
