import type { Construct } from 'constructs';
import type { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { Lb } from '@cdktf/provider-aws/lib/lb/index.js';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener/index.js';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group/index.js';
import { LbTargetGroupAttachment } from '@cdktf/provider-aws/lib/lb-target-group-attachment/index.js';
import type { ClusterModel } from '../../model/model.js';
import { memberAddresses, resourceName } from './addresses.js';
import { buildApiDns } from './api-dns.js';
import { nameTag } from './cluster-tags.js';
import { declare } from './declare.js';
import type { NetworkResources } from './network.js';
import type { SecurityGroups } from './security-groups.js';

export interface LoadBalancerResources {
  targetGroup: LbTargetGroup;
  /** The name machines and users reach the API at: the Route53 name when the spec has one, else the NLB's DNS name. */
  apiEndpoint: string;
}

/**
 * The network load balancer in front of the API servers, in every control-plane zone. Its security group admits
 * exactly the flows clusterFlows() sends to it. The load balancer is created after the member address
 * reservations, so its network interfaces never take a member's address.
 */
export function buildLoadBalancer(scope: Construct, model: ClusterModel, network: NetworkResources, groups: SecurityGroups): LoadBalancerResources {
  const internal = model.api.loadBalancer === 'internal';
  const subnetsByZone = !internal && model.network.topology === 'private' ? network.utilitySubnets : network.machineSubnets;
  const zones = [...new Set(model.controlPlane.members.map((m) => m.zone))];
  const subnets = zones.map((zone) => {
    const subnet = subnetsByZone.get(zone);
    if (!subnet) throw new Error(`BUG: no load balancer subnet in control-plane zone ${zone}`);
    return subnet.id;
  });
  const lb = declare(scope, Lb, 'api', {
    loadBalancerType: 'network',
    internal,
    subnets,
    securityGroups: [groups['api-load-balancer'].id],
    // With one member per zone, a zone's load balancer node must still reach the members of the other zones.
    enableCrossZoneLoadBalancing: true,
    tags: nameTag(model, 'api'),
    dependsOn: network.memberAddressReservations,
  });
  const targetGroup = declare(scope, LbTargetGroup, 'api', {
    port: model.api.port,
    protocol: 'TCP',
    targetType: 'instance',
    vpcId: network.vpc.id,
    // A control-plane machine reaching the API through the load balancer may be sent to itself; with the client
    // address preserved that connection never completes, so the servers see the load balancer's address instead.
    preserveClientIp: 'false',
    // An API server that listens but is not ready (etcd unreachable, still starting) gets no traffic. /readyz
    // answers anonymous requests (kubeadm's system:public-info-viewer role); the serving certificate is not checked.
    healthCheck: { protocol: 'HTTPS', path: '/readyz', matcher: '200', port: 'traffic-port', interval: 10, healthyThreshold: 2, unhealthyThreshold: 2 },
    // kops' values: a deregistered member (a rollout step, a replaced machine) drains for 30 s, then its remaining
    // connections are closed, so clients reconnect to a member that stays.
    deregistrationDelay: '30',
    connectionTermination: true,
    tags: nameTag(model, 'api'),
  });
  declare(scope, LbListener, 'api', {
    loadBalancerArn: lb.arn,
    port: model.api.port,
    protocol: 'TCP',
    defaultAction: [{ type: 'forward', targetGroupArn: targetGroup.arn }],
    tags: nameTag(model, 'api'),
  });
  const apiEndpoint = model.api.dns ? buildApiDns(scope, model, lb, network.vpc) : lb.dnsName;
  return { targetGroup, apiEndpoint };
}

/** Registers every control-plane member with the API target group. */
export function attachControlPlane(scope: Construct, model: ClusterModel, lb: LoadBalancerResources, instances: Map<string, Instance>): void {
  for (const member of model.controlPlane.members) {
    const instance = instances.get(member.name);
    if (!instance) throw new Error(`BUG: no instance for control-plane member ${member.name}`);
    declare(scope, LbTargetGroupAttachment, resourceName(memberAddresses(member).apiTargetAttachment), {
      targetGroupArn: lb.targetGroup.arn,
      targetId: instance.id,
      port: model.api.port,
    });
  }
}
