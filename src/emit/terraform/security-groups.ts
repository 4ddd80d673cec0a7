import type { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule, type VpcSecurityGroupIngressRuleConfig } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { terraformId, type ClusterModel } from '../../model/model.js';
import { clusterFlows, type Endpoint, type Flow } from '../../model/ports.js';
import { nameTag } from './cluster-tags.js';
import { declare } from './declare.js';
import type { NetworkResources } from './network.js';

export type GroupRole = 'control-plane' | 'nodes' | 'api-load-balancer';

export type SecurityGroups = Record<GroupRole, SecurityGroup>;

const GROUP_ROLES: GroupRole[] = ['control-plane', 'nodes', 'api-load-balancer'];

const GROUP_DESCRIPTIONS: Record<GroupRole, string> = {
  'control-plane': 'Kubernetes control-plane machines (API server, etcd)',
  nodes: 'Kubernetes worker machines',
  'api-load-balancer': 'Kubernetes API network load balancer',
};

/**
 * One security group per machine role and one for the API load balancer. Every ingress rule comes from
 * clusterFlows(): one rule per flow, source and target (and per CIDR for CIDR sources), so the rules open
 * exactly the flows the components need and nothing else.
 */
export function buildSecurityGroups(scope: Construct, model: ClusterModel, network: NetworkResources): SecurityGroups {
  const groups = Object.fromEntries(
    GROUP_ROLES.map((role) => [
      role,
      declare(scope, SecurityGroup, terraformId(role), {
        name: `${model.name}-${role}`,
        description: GROUP_DESCRIPTIONS[role],
        vpcId: network.vpc.id,
        // Rules the cloud-controller-manager adds for Services of type LoadBalancer must not block deletion.
        revokeRulesOnDelete: true,
        tags: nameTag(model, role),
      }),
    ]),
  ) as SecurityGroups;

  // Each attribute read makes a new cdktf token (with a captured stack trace): read every id once.
  const groupIds = Object.fromEntries(GROUP_ROLES.map((role) => [role, groups[role].id])) as Record<GroupRole, string>;
  const natCidrs = [...network.natAddresses].map(([zone, eip]) => ({ zone, cidr: `${eip.publicIp}/32` }));
  for (const rule of ingressRules(model, groupIds, natCidrs)) {
    declare(scope, VpcSecurityGroupIngressRule, rule.logicalId, rule.config);
  }

  for (const role of ['control-plane', 'nodes'] as const) {
    // Machines install packages, pull images and call AWS APIs on the internet.
    declare(scope, VpcSecurityGroupEgressRule, `${terraformId(role)}_to_anywhere`, {
      securityGroupId: groupIds[role],
      description: 'all outbound traffic (packages, images, AWS APIs)',
      ipProtocol: '-1',
      cidrIpv4: '0.0.0.0/0',
      tags: nameTag(model, `${role}-egress`),
    });
  }
  // The load balancer only forwards to the API servers (traffic and health checks).
  declare(scope, VpcSecurityGroupEgressRule, 'api_load_balancer_to_control_plane', {
    securityGroupId: groupIds['api-load-balancer'],
    description: 'Kubernetes API and its health checks on the control plane',
    ipProtocol: 'tcp',
    fromPort: model.api.port,
    toPort: model.api.port,
    referencedSecurityGroupId: groupIds['control-plane'],
    tags: nameTag(model, 'api-load-balancer-egress'),
  });
  return groups;
}

interface IngressRule {
  logicalId: string;
  config: VpcSecurityGroupIngressRuleConfig;
}

/** The ingress rules of clusterFlows(model), one per flow x source x target (x CIDR). */
function ingressRules(model: ClusterModel, groupIds: Record<GroupRole, string>, natCidrs: NatCidr[]): IngressRule[] {
  const rules: IngressRule[] = [];
  const seen = new Set<string>();
  for (const flow of clusterFlows(model)) {
    for (const target of flow.targets) {
      for (const source of flow.sources) {
        for (const from of sourcesOf(model, source, groupIds, natCidrs)) {
          const logicalId = `${terraformId(target)}_from_${terraformId(source)}${from.suffix}_${portsId(flow)}`;
          if (seen.has(logicalId)) throw new Error(`BUG: two flows open ${logicalId}`);
          seen.add(logicalId);
          rules.push({
            logicalId,
            config: {
              securityGroupId: groupIds[target],
              description: flow.description,
              ipProtocol: flow.protocol,
              ...(hasPorts(flow) ? { fromPort: flow.fromPort, toPort: flow.toPort } : {}),
              ...from.peer,
              tags: nameTag(model, `${target}-from-${source}`),
            },
          });
        }
      }
    }
  }
  return rules;
}

interface NatCidr {
  zone: string;
  /** A Terraform expression: the NAT gateway's public address as a /32. */
  cidr: string;
}

function sourcesOf(
  model: ClusterModel,
  source: Endpoint,
  groupIds: Record<GroupRole, string>,
  natCidrs: NatCidr[],
): Array<{ suffix: string; peer: { referencedSecurityGroupId: string } | { cidrIpv4: string } }> {
  switch (source) {
    case 'api-clients':
      return model.api.allowedCIDRs.map((cidr) => ({ suffix: `_${terraformId(cidr)}`, peer: { cidrIpv4: cidr } }));
    case 'ssh-clients':
      return model.ssh.allowedCIDRs.map((cidr) => ({ suffix: `_${terraformId(cidr)}`, peer: { cidrIpv4: cidr } }));
    case 'nat-gateways':
      return natCidrs.map(({ zone, cidr }) => ({ suffix: `_${terraformId(zone)}`, peer: { cidrIpv4: cidr } }));
    default:
      return [{ suffix: '', peer: { referencedSecurityGroupId: groupIds[source] } }];
  }
}

/** tcp and udp rules carry a port range; other protocols (IP-in-IP, all) must not. */
function hasPorts(flow: Flow): boolean {
  return flow.protocol === 'tcp' || flow.protocol === 'udp';
}

function portsId(flow: Flow): string {
  if (flow.protocol === '-1') return 'all';
  if (!hasPorts(flow)) return `protocol_${flow.protocol}`;
  const ports = flow.fromPort === flow.toPort ? `${flow.fromPort}` : `${flow.fromPort}_${flow.toPort}`;
  return `${flow.protocol}_${ports}`;
}
