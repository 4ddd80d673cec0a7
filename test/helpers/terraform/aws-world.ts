import type { ResolvedSpec } from '../../../src/spec/defaults.js';
import type { AwsWorld } from './aws-stub.js';

export const TEST_ACCOUNT_ID = '123456789012';

/**
 * The AWS account a spec expects to find: the existing VPC and subnets it names (with the CIDRs and zones the
 * spec says, so the plan-time postconditions hold) and its hosted zone (public unless the spec says private, then
 * associated with the existing VPC unless hakube is to associate it).
 */
export function worldForSpec(spec: ResolvedSpec): AwsWorld {
  const network = spec.network;
  const vpcs = network.networkID ? [{ id: network.networkID, cidr: network.vpcCIDR }] : [];
  const subnets = network.networkID
    ? network.subnets.flatMap((s) => [
        ...(s.id ? [{ id: s.id, vpcId: network.networkID!, cidr: s.cidr, zone: s.zone }] : []),
        ...(s.utilityId && s.utilityCIDR ? [{ id: s.utilityId, vpcId: network.networkID!, cidr: s.utilityCIDR, zone: s.zone }] : []),
      ])
    : [];
  const dns = spec.api.dns;
  // A private zone in an existing VPC is associated with it by the VPC's owner, as the spec expects (api.dns.associateVpc).
  const associated = dns?.privateZone && network.networkID && !dns.associateVpc ? [{ id: network.networkID, region: spec.region }] : [];
  const hostedZones = dns?.hostedZoneId ? [{ id: dns.hostedZoneId, name: dns.name.split('.').slice(1).join('.'), private: dns.privateZone === true, vpcs: associated }] : [];
  return { accountId: TEST_ACCOUNT_ID, vpcs, subnets, hostedZones };
}
