import type { Construct } from 'constructs';
import { DataAwsSubnet } from '@cdktf/provider-aws/lib/data-aws-subnet/index.js';
import { DataAwsVpc } from '@cdktf/provider-aws/lib/data-aws-vpc/index.js';
import { Ec2Tag } from '@cdktf/provider-aws/lib/ec2-tag/index.js';
import type { ClusterModel, ZoneModel } from '../../model/model.js';
import { declare } from './declare.js';
import { reserveMemberAddresses, zoneId, type NetworkElement, type NetworkResources } from './network.js';

/** A Terraform string literal inside an expression (spec values here are ids, CIDRs and zone names). */
function literal(value: string): string {
  return JSON.stringify(value);
}

/**
 * An existing subnet, read by id. Its postcondition makes `terraform plan` stop with a clear message when the spec's
 * CIDR or zone is not the subnet's, or the subnet is in another VPC: the member addresses and every rule are
 * computed from the spec's CIDR, so a mismatch would otherwise surface only as machines that cannot boot.
 */
function existingSubnet(scope: Construct, model: ClusterModel, logicalId: string, id: string, zone: ZoneModel, cidr: string, vpcId: string): NetworkElement {
  const subnet = declare(scope, DataAwsSubnet, logicalId, {
    id,
    lifecycle: {
      postcondition: [
        {
          condition: `\${self.cidr_block == ${literal(cidr)} && self.availability_zone == ${literal(zone.name)} && self.vpc_id == ${literal(vpcId)}}`,
          errorMessage: `Subnet ${id} must be ${cidr} in ${zone.name} of ${vpcId}, as the spec of ${model.name} says (network.subnets).`,
        },
      ],
    },
  });
  // The cloud-controller-manager and the load-balancer integrations find a cluster's subnets by this tag; "shared"
  // says other clusters may use the subnet too, so none of them deletes it.
  declare(scope, Ec2Tag, `${logicalId}_cluster`, { resourceId: subnet.id, key: `kubernetes.io/cluster/${model.name}`, value: 'shared' });
  return subnet;
}

/**
 * The network of a cluster built in an existing VPC (network.networkID): the VPC and each zone's subnets are read,
 * never created, changed or destroyed; hakube adds only the cluster tag to the subnets and reserves the
 * control-plane members' addresses in theirs. Gateways, NAT and routes are the VPC owner's.
 */
export function buildExistingNetwork(scope: Construct, model: ClusterModel, vpcId: string): NetworkResources {
  const vpc = declare(scope, DataAwsVpc, 'cluster', {
    id: vpcId,
    lifecycle: {
      postcondition: [
        {
          condition: `\${contains(self.cidr_block_associations[*].cidr_block, ${literal(model.network.vpcCIDR)})}`,
          errorMessage: `VPC ${vpcId} must have the CIDR block ${model.network.vpcCIDR}, as the spec of ${model.name} says (network.vpcCIDR).`,
        },
      ],
    },
  });
  const machineSubnets = new Map<string, NetworkElement>();
  const utilitySubnets = new Map<string, NetworkElement>();
  for (const zone of model.zones) {
    if (!zone.subnetId) throw new Error(`BUG: zone ${zone.name} has no existing subnet id; rules should have rejected the spec`);
    machineSubnets.set(zone.name, existingSubnet(scope, model, zoneId(zone), zone.subnetId, zone, zone.subnetCIDR, vpcId));
    if (zone.utilitySubnetId) {
      if (!zone.utilityCIDR) throw new Error(`BUG: zone ${zone.name} has a utility subnet id without its CIDR`);
      utilitySubnets.set(zone.name, existingSubnet(scope, model, `utility_${zoneId(zone)}`, zone.utilitySubnetId, zone, zone.utilityCIDR, vpcId));
    }
  }
  return {
    vpc,
    machineSubnets,
    utilitySubnets,
    memberAddressReservations: reserveMemberAddresses(scope, model, machineSubnets),
    natAddresses: new Map(),
  };
}
