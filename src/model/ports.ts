import type { ClusterModel } from './model.js';

/** Who sends or receives a flow; each maps to one security group or a set of CIDRs. */
export type Endpoint =
  | 'control-plane'
  | 'nodes'
  /** The API load balancer (a network load balancer with its own security group). */
  | 'api-load-balancer'
  /** api.allowedCIDRs from the spec. */
  | 'api-clients'
  /** ssh.allowedCIDRs from the spec. */
  | 'ssh-clients'
  /** The public addresses of the private topology's NAT gateways, one per zone. */
  | 'nat-gateways';

export interface Flow {
  /** What listens: used in the rule's description. */
  description: string;
  /** tcp, udp, or an IP protocol number as a string ('4' is IP-in-IP; '-1' is every protocol). */
  protocol: 'tcp' | 'udp' | '4' | '-1';
  fromPort: number;
  toPort: number;
  sources: Endpoint[];
  targets: Array<'control-plane' | 'nodes' | 'api-load-balancer'>;
}

const MACHINES: Array<'control-plane' | 'nodes'> = ['control-plane', 'nodes'];

/**
 * Every flow the cluster's components need, and nothing more. The security-group builder opens
 * exactly these; the cloud-init tests check that each port a component listens on is here.
 */
export function clusterFlows(model: ClusterModel): Flow[] {
  const flows: Flow[] = [
    { description: 'Kubernetes API from the load balancer', protocol: 'tcp', fromPort: 6443, toPort: 6443, sources: ['api-load-balancer'], targets: ['control-plane'] },
    { description: 'Kubernetes API from cluster machines', protocol: 'tcp', fromPort: 6443, toPort: 6443, sources: MACHINES, targets: ['control-plane', 'api-load-balancer'] },
    { description: 'etcd client and peer traffic between control-plane members', protocol: 'tcp', fromPort: 2379, toPort: 2380, sources: ['control-plane'], targets: ['control-plane'] },
    { description: 'kubelet API from the control plane', protocol: 'tcp', fromPort: 10250, toPort: 10250, sources: ['control-plane'], targets: MACHINES },
    { description: 'cluster DNS over TCP', protocol: 'tcp', fromPort: 53, toPort: 53, sources: MACHINES, targets: MACHINES },
    { description: 'cluster DNS over UDP', protocol: 'udp', fromPort: 53, toPort: 53, sources: MACHINES, targets: MACHINES },
    { description: 'NodePort services inside the cluster (TCP)', protocol: 'tcp', fromPort: 30000, toPort: 32767, sources: MACHINES, targets: MACHINES },
    { description: 'NodePort services inside the cluster (UDP)', protocol: 'udp', fromPort: 30000, toPort: 32767, sources: MACHINES, targets: MACHINES },
  ];
  if (model.api.loadBalancer === 'public' && model.network.topology === 'private') {
    // Machines reach an internet-facing load balancer from their NAT gateway's public address, which no
    // security-group reference matches.
    flows.push({ description: 'Kubernetes API from cluster machines through their NAT gateways', protocol: 'tcp', fromPort: 6443, toPort: 6443, sources: ['nat-gateways'], targets: ['api-load-balancer'] });
  }
  if (model.api.allowedCIDRs.length > 0) {
    // Only through the load balancer: it does not preserve client addresses, so the servers see its own, admitted
    // by the rule from its security group. A direct rule would expose every member (with a public address in the
    // public topology) as an API endpoint of its own.
    flows.push({ description: 'Kubernetes API from api.allowedCIDRs', protocol: 'tcp', fromPort: 6443, toPort: 6443, sources: ['api-clients'], targets: ['api-load-balancer'] });
  }
  switch (model.network.cni) {
    case 'calico':
      flows.push(
        { description: 'Calico BGP', protocol: 'tcp', fromPort: 179, toPort: 179, sources: MACHINES, targets: MACHINES },
        { description: 'Calico IP-in-IP pod traffic', protocol: '4', fromPort: -1, toPort: -1, sources: MACHINES, targets: MACHINES },
        { description: 'Calico Typha', protocol: 'tcp', fromPort: 5473, toPort: 5473, sources: MACHINES, targets: MACHINES },
      );
      break;
    case 'cilium':
      flows.push(
        { description: 'Cilium VXLAN pod traffic', protocol: 'udp', fromPort: 8472, toPort: 8472, sources: MACHINES, targets: MACHINES },
        { description: 'Cilium health checks', protocol: 'tcp', fromPort: 4240, toPort: 4240, sources: MACHINES, targets: MACHINES },
      );
      break;
    case 'kubenet':
      // kubenet routes pod addresses natively through the VPC, so pods reach each other on any port.
      flows.push({ description: 'kubenet pod traffic (natively routed)', protocol: '-1', fromPort: -1, toPort: -1, sources: MACHINES, targets: MACHINES });
      break;
  }
  if (model.ssh.allowedCIDRs.length > 0) {
    flows.push({ description: 'SSH from ssh.allowedCIDRs', protocol: 'tcp', fromPort: 22, toPort: 22, sources: ['ssh-clients'], targets: MACHINES });
  }
  return flows;
}
