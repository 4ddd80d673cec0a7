import type { Construct } from 'constructs';
import { Ec2SubnetCidrReservation } from '@cdktf/provider-aws/lib/ec2-subnet-cidr-reservation/index.js';
import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { terraformId, type ClusterModel, type ZoneModel } from '../../model/model.js';
import { contains, formatCidr, hostAddress, parseCidr, type Cidr } from '../../spec/cidr.js';
import { nameTag } from './cluster-tags.js';
import { declare } from './declare.js';
import { buildExistingNetwork } from './existing-network.js';

/** A VPC or subnet, created here or read from an existing network: all the rest of the Terraform needs is its id. */
export interface NetworkElement {
  readonly id: string;
}

export interface NetworkResources {
  vpc: NetworkElement;
  /** The subnet machines of each zone live in, by zone name. */
  machineSubnets: Map<string, NetworkElement>;
  /** Public subnets of the private topology (NAT gateways, internet-facing load balancer), by zone name. */
  utilitySubnets: Map<string, NetworkElement>;
  /** Reservations that keep control-plane addresses free; whatever takes addresses automatically must come after them. */
  memberAddressReservations: Ec2SubnetCidrReservation[];
  /** Public addresses of the NAT gateways (private topology), by zone name. */
  natAddresses: Map<string, Eip>;
}

const MEMBER_RESERVATION_PREFIX = 29;
const MEMBER_RESERVATION_FIRST_HOST = 8;
const ANYWHERE = '0.0.0.0/0';

export function zoneId(zone: ZoneModel | string): string {
  return terraformId(typeof zone === 'string' ? zone : zone.name);
}

/**
 * VPC, subnets per zone, internet access and routing. Routes are separate `aws_route` resources, never inline
 * blocks: with kubenet the cloud-controller-manager adds pod routes to these tables, and inline routes would make
 * every plan remove them. In an existing VPC (network.networkID) nothing of this is created: see existing-network.ts.
 */
export function buildNetwork(scope: Construct, model: ClusterModel): NetworkResources {
  if (model.network.networkID) return buildExistingNetwork(scope, model, model.network.networkID);
  const vpc = declare(scope, Vpc, 'cluster', {
    cidrBlock: model.network.vpcCIDR,
    enableDnsSupport: true,
    enableDnsHostnames: true,
    tags: { Name: model.name },
  });
  const gateway = declare(scope, InternetGateway, 'cluster', { vpcId: vpc.id, tags: { Name: model.name } });
  const publicRoutes = declare(scope, RouteTable, 'public', { vpcId: vpc.id, tags: nameTag(model, 'public') });
  declare(scope, Route, 'public_internet', {
    routeTableId: publicRoutes.id,
    destinationCidrBlock: ANYWHERE,
    gatewayId: gateway.id,
  });

  const privateTopology = model.network.topology === 'private';
  const machineSubnets = new Map<string, NetworkElement>();
  const utilitySubnets = new Map<string, NetworkElement>();
  const natAddresses = new Map<string, Eip>();
  for (const zone of model.zones) {
    const id = zoneId(zone);
    const machines = declare(scope, Subnet, id, {
      vpcId: vpc.id,
      availabilityZone: zone.name,
      cidrBlock: zone.subnetCIDR,
      // Public topology: machines reach the internet through the gateway, so they need public addresses.
      mapPublicIpOnLaunch: !privateTopology,
      tags: {
        ...nameTag(model, zone.name),
        ...(privateTopology ? { 'kubernetes.io/role/internal-elb': '1' } : { 'kubernetes.io/role/elb': '1' }),
      },
    });
    machineSubnets.set(zone.name, machines);
    if (!privateTopology) {
      declare(scope, RouteTableAssociation, id, { subnetId: machines.id, routeTableId: publicRoutes.id });
      continue;
    }
    if (!zone.utilityCIDR) throw new Error(`BUG: private topology zone ${zone.name} has no utility subnet; rules should have rejected the spec`);
    const utility = declare(scope, Subnet, `utility_${id}`, {
      vpcId: vpc.id,
      availabilityZone: zone.name,
      cidrBlock: zone.utilityCIDR,
      mapPublicIpOnLaunch: true,
      tags: { ...nameTag(model, `utility-${zone.name}`), 'kubernetes.io/role/elb': '1' },
    });
    utilitySubnets.set(zone.name, utility);
    declare(scope, RouteTableAssociation, `utility_${id}`, { subnetId: utility.id, routeTableId: publicRoutes.id });
    // One NAT gateway per zone, so losing a zone does not cut the other zones off the internet.
    const natAddress = declare(scope, Eip, `nat_${id}`, { domain: 'vpc', tags: nameTag(model, `nat-${zone.name}`) });
    natAddresses.set(zone.name, natAddress);
    const nat = declare(scope, NatGateway, id, {
      allocationId: natAddress.id,
      subnetId: utility.id,
      tags: nameTag(model, zone.name),
      dependsOn: [gateway],
    });
    const privateRoutes = declare(scope, RouteTable, `private_${id}`, { vpcId: vpc.id, tags: nameTag(model, `private-${zone.name}`) });
    declare(scope, Route, `private_${id}_internet`, {
      routeTableId: privateRoutes.id,
      destinationCidrBlock: ANYWHERE,
      natGatewayId: nat.id,
    });
    declare(scope, RouteTableAssociation, id, { subnetId: machines.id, routeTableId: privateRoutes.id });
  }

  return { vpc, machineSubnets, utilitySubnets, memberAddressReservations: reserveMemberAddresses(scope, model, machineSubnets), natAddresses };
}

/**
 * In each zone's machine subnet, the block the zone's control-plane members take their fixed addresses from,
 * reserved so that nothing else (a worker, a load balancer) is given one of them first.
 */
export function reserveMemberAddresses(scope: Construct, model: ClusterModel, machineSubnets: Map<string, NetworkElement>): Ec2SubnetCidrReservation[] {
  const memberAddressReservations: Ec2SubnetCidrReservation[] = [];
  for (const zone of model.zones) {
    const members = model.controlPlane.members.filter((m) => m.zone === zone.name);
    if (members.length === 0) continue;
    const subnet = machineSubnets.get(zone.name);
    const block = memberReservationBlock(zone);
    const outside = members.find((m) => !contains(block, parseCidrOrThrow(`${m.privateIp}/32`)));
    if (!subnet || outside) throw new Error(`BUG: control-plane addresses of zone ${zone.name} do not fit the reserved block ${formatCidr(block)}`);
    // explicit: AWS never hands these addresses out on its own, but an instance may still be given one by name.
    memberAddressReservations.push(
      declare(scope, Ec2SubnetCidrReservation, `control_plane_${zoneId(zone)}`, {
        subnetId: subnet.id,
        cidrBlock: formatCidr(block),
        reservationType: 'explicit',
        description: `control-plane member addresses of ${model.name}`,
      }),
    );
  }
  return memberAddressReservations;
}

/** The /29 from host .8 of the zone's machine subnet: it holds FIRST_MEMBER_HOST (.10) and up to five members after it. */
export function memberReservationBlock(zone: ZoneModel): Cidr {
  const subnet = parseCidrOrThrow(zone.subnetCIDR);
  return parseCidrOrThrow(`${hostAddress(subnet, MEMBER_RESERVATION_FIRST_HOST)}/${MEMBER_RESERVATION_PREFIX}`);
}

function parseCidrOrThrow(text: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw new Error(`BUG: invalid CIDR ${text} reached the Terraform emitter`);
  return cidr;
}
