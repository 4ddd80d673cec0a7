import type { Construct } from 'constructs';
import type { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group/index.js';
import type { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import type { ClusterModel } from '../../model/model.js';
import { declareOutput } from './declare.js';
import type { IamResources } from './iam.js';
import type { NetworkResources } from './network.js';
import type { SecurityGroups } from './security-groups.js';
import type { SecretsResources } from './secrets-bucket.js';
import type { ServiceAccountIssuerResources } from './service-account-issuer.js';

export interface OutputInputs {
  apiEndpoint: string;
  network: NetworkResources;
  groups: SecurityGroups;
  iam: IamResources;
  secrets: SecretsResources;
  autoscalingGroups: Map<string, AutoscalingGroup>;
  /** Control-plane instances by member name. */
  controlPlaneInstances: Map<string, Instance>;
  serviceAccountIssuer?: ServiceAccountIssuerResources;
}

/**
 * What other tooling needs after apply. Each auto-scaling group has its own output, so adding a group adds an
 * output rather than changing one.
 */
export function buildOutputs(scope: Construct, model: ClusterModel, inputs: OutputInputs): void {
  declareOutput(scope, 'cluster_name', { value: model.name, description: 'Name of the cluster' });
  declareOutput(scope, 'api_endpoint', { value: inputs.apiEndpoint, description: 'DNS name of the Kubernetes API (port 6443)' });
  declareOutput(scope, 'vpc_id', { value: inputs.network.vpc.id, description: 'VPC of the cluster' });
  declareOutput(scope, 'subnet_ids', {
    value: Object.fromEntries([...inputs.network.machineSubnets].map(([zone, subnet]) => [zone, subnet.id])),
    description: 'Machine subnet of each zone',
  });
  if (inputs.network.utilitySubnets.size > 0) {
    declareOutput(scope, 'utility_subnet_ids', {
      value: Object.fromEntries([...inputs.network.utilitySubnets].map(([zone, subnet]) => [zone, subnet.id])),
      description: 'Public utility subnet of each zone (NAT gateway, internet-facing load balancer)',
    });
  }
  declareOutput(scope, 'security_group_ids', {
    value: Object.fromEntries(Object.entries(inputs.groups).map(([role, group]) => [role, group.id])),
    description: 'Security group of the control plane, the workers and the API load balancer',
  });
  declareOutput(scope, 'control_plane_role_arn', { value: inputs.iam['control-plane'].role.arn, description: 'IAM role of the control-plane machines' });
  declareOutput(scope, 'nodes_role_arn', { value: inputs.iam.nodes.role.arn, description: 'IAM role of the worker machines' });
  declareOutput(scope, 'control_plane_instance_ids', {
    value: Object.fromEntries(model.controlPlane.members.map((m) => [m.name, controlPlaneInstance(inputs, m.name).id])),
    description: 'EC2 instance id of each control-plane member, e.g. for aws ssm start-session --target <id>',
  });
  for (const group of model.instanceGroups) {
    const asg = inputs.autoscalingGroups.get(group.name);
    if (!asg) throw new Error(`BUG: no auto-scaling group for instance group ${group.name}`);
    declareOutput(scope, `autoscaling_group_${group.id}`, { value: asg.name, description: `Auto-scaling group of instance group ${group.name}` });
  }
  declareOutput(scope, 'secrets_bucket', { value: inputs.secrets.bucket.bucket, description: 'Bucket holding certificates, keys and bootstrap files' });
  const issuer = inputs.serviceAccountIssuer;
  if (issuer) {
    declareOutput(scope, 'service_account_issuer', { value: issuer.issuerUrl, description: 'Issuer of service-account tokens, published as OIDC discovery' });
    if (issuer.provider) {
      declareOutput(scope, 'oidc_provider_arn', { value: issuer.provider.arn, description: 'IAM OIDC provider trusting the service-account issuer' });
      declareOutput(scope, 'service_account_role_arns', {
        value: Object.fromEntries([...issuer.roles].map(([account, role]) => [account, role.arn])),
        description: 'IAM role of each service account ("namespace/name"): the value of its eks.amazonaws.com/role-arn annotation',
      });
    }
  }
}

function controlPlaneInstance(inputs: OutputInputs, member: string): Instance {
  const instance = inputs.controlPlaneInstances.get(member);
  if (!instance) throw new Error(`BUG: no instance for control-plane member ${member}`);
  return instance;
}
