import type { DataAwsIamPolicyDocumentStatement, DataAwsIamPolicyDocumentStatementCondition } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import type { BucketRole } from '../../model/bucket-layout.js';
import type { ClusterModel } from '../../model/model.js';
import { CLUSTER_TAG_VALUE, clusterTagKey } from './cluster-tags.js';

/** What the policy statements refer to: known only at apply time, passed in as Terraform references. */
export interface PolicyTargets {
  partition: string;
  bucketArn: string;
  keyArn: string;
}

/**
 * Read-only calls of the AWS cloud-controller-manager (kubernetes/cloud-provider-aws docs/prerequisites.md),
 * the EBS CSI controller (aws-ebs-csi-driver docs/example-iam-policy.json) and the cluster-autoscaler.
 */
const CONTROL_PLANE_READ_ACTIONS = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeAutoScalingInstances',
  'autoscaling:DescribeLaunchConfigurations',
  'autoscaling:DescribeScalingActivities',
  'autoscaling:DescribeTags',
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeImages',
  'ec2:DescribeInstanceTopology',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeInstances',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:DescribeRegions',
  'ec2:DescribeRouteTables',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSnapshots',
  'ec2:DescribeSubnets',
  'ec2:DescribeTags',
  'ec2:DescribeVolumeStatus',
  'ec2:DescribeVolumes',
  'ec2:DescribeVolumesModifications',
  'ec2:DescribeVpcs',
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeLoadBalancerAttributes',
  'elasticloadbalancing:DescribeLoadBalancerPolicies',
  'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:DescribeTargetGroupAttributes',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeTargetHealth',
  'kms:DescribeKey',
];

/**
 * Changes to resources the cluster already owns: allowed only on resources carrying the cluster tag. Volume and
 * snapshot changes are narrower still (EBS_CSI_VOLUME_ACTIONS): the etcd volumes carry the cluster tag too.
 */
const CONTROL_PLANE_OWNED_ACTIONS = [
  'autoscaling:SetDesiredCapacity',
  'autoscaling:TerminateInstanceInAutoScalingGroup',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:DeleteSecurityGroup',
  'ec2:ModifyInstanceAttribute',
  'ec2:RevokeSecurityGroupIngress',
  'elasticloadbalancing:AddTags',
  'elasticloadbalancing:ApplySecurityGroupsToLoadBalancer',
  'elasticloadbalancing:AttachLoadBalancerToSubnets',
  'elasticloadbalancing:ConfigureHealthCheck',
  'elasticloadbalancing:CreateLoadBalancerListeners',
  'elasticloadbalancing:CreateLoadBalancerPolicy',
  'elasticloadbalancing:DeleteListener',
  'elasticloadbalancing:DeleteLoadBalancer',
  'elasticloadbalancing:DeleteLoadBalancerListeners',
  'elasticloadbalancing:DeleteTargetGroup',
  'elasticloadbalancing:DeregisterInstancesFromLoadBalancer',
  'elasticloadbalancing:DeregisterTargets',
  'elasticloadbalancing:DetachLoadBalancerFromSubnets',
  'elasticloadbalancing:ModifyListener',
  'elasticloadbalancing:ModifyLoadBalancerAttributes',
  'elasticloadbalancing:ModifyTargetGroup',
  'elasticloadbalancing:RegisterInstancesWithLoadBalancer',
  'elasticloadbalancing:RegisterTargets',
  'elasticloadbalancing:SetLoadBalancerPoliciesForBackendServer',
  'elasticloadbalancing:SetLoadBalancerPoliciesOfListener',
];

/**
 * The tag the EBS CSI driver puts on every volume and snapshot it creates (aws-ebs-csi-driver
 * docs/example-iam-policy.json conditions deletion on it). hakube's etcd volumes never carry it.
 */
const EBS_CSI_DRIVER_TAG = { key: 'ebs.csi.aws.com/cluster', value: 'true' } as const;

/** What the EBS CSI controller does to the volumes it created: attach, detach, resize, snapshot, delete. */
const EBS_CSI_VOLUME_ACTIONS = ['ec2:AttachVolume', 'ec2:CreateSnapshot', 'ec2:DeleteVolume', 'ec2:DetachVolume', 'ec2:ModifyVolume'];

/** The route controller of the cloud-controller-manager writes one route per node's pod range (kubenet only). */
const KUBENET_ROUTE_ACTIONS = ['ec2:CreateRoute', 'ec2:DeleteRoute'];

/** Creating load balancers for Services: allowed only when the request tags the new resource as the cluster's. */
const CONTROL_PLANE_CREATE_LB_ACTIONS = [
  'elasticloadbalancing:CreateListener',
  'elasticloadbalancing:CreateLoadBalancer',
  'elasticloadbalancing:CreateTargetGroup',
];

const ECR_READ_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:DescribeRepositories',
  'ecr:GetAuthorizationToken',
  'ecr:GetDownloadUrlForLayer',
  'ecr:GetRepositoryPolicy',
  'ecr:ListImages',
];

function ownedBy(model: ClusterModel): DataAwsIamPolicyDocumentStatementCondition[] {
  return [{ test: 'StringEquals', variable: `aws:ResourceTag/${clusterTagKey(model)}`, values: [CLUSTER_TAG_VALUE] }];
}

function requestTagsOwner(model: ClusterModel): DataAwsIamPolicyDocumentStatementCondition[] {
  return [{ test: 'StringEquals', variable: `aws:RequestTag/${clusterTagKey(model)}`, values: [CLUSTER_TAG_VALUE] }];
}

/** Resources the EBS CSI driver created for this cluster: the cluster tag and the driver's own. */
function createdByCsiDriver(model: ClusterModel): DataAwsIamPolicyDocumentStatementCondition[] {
  return [...ownedBy(model), { test: 'StringEquals', variable: `ec2:ResourceTag/${EBS_CSI_DRIVER_TAG.key}`, values: [EBS_CSI_DRIVER_TAG.value] }];
}

/** A request creating a volume or snapshot as the EBS CSI driver does: tagged with the cluster tag and the driver's. */
function requestTagsCsiDriver(model: ClusterModel): DataAwsIamPolicyDocumentStatementCondition[] {
  return [...requestTagsOwner(model), { test: 'StringEquals', variable: `aws:RequestTag/${EBS_CSI_DRIVER_TAG.key}`, values: [EBS_CSI_DRIVER_TAG.value] }];
}

function ec2Arn(t: PolicyTargets, resource: string): string {
  return `arn:${t.partition}:ec2:*:*:${resource}/*`;
}

/** The trust policy of both machine roles: only EC2 instances assume them. */
export function ec2AssumeRoleStatements(): DataAwsIamPolicyDocumentStatement[] {
  return [{ effect: 'Allow', actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['ec2.amazonaws.com'] }] }];
}

/** What the cloud-controller-manager, the EBS CSI controller and the cluster-autoscaler need on the control plane. */
export function controlPlaneControllerStatements(model: ClusterModel, t: PolicyTargets): DataAwsIamPolicyDocumentStatement[] {
  const owned = [...CONTROL_PLANE_OWNED_ACTIONS, ...(model.network.cni === 'kubenet' ? KUBENET_ROUTE_ACTIONS : [])].sort();
  return [
    { sid: 'ReadClusterState', effect: 'Allow', actions: CONTROL_PLANE_READ_ACTIONS, resources: ['*'] },
    { sid: 'ChangeClusterOwnedResources', effect: 'Allow', actions: owned, resources: ['*'], condition: ownedBy(model) },
    { sid: 'CreateClusterLoadBalancers', effect: 'Allow', actions: CONTROL_PLANE_CREATE_LB_ACTIONS, resources: ['*'], condition: requestTagsOwner(model) },
    {
      sid: 'TagNewClusterLoadBalancers',
      effect: 'Allow',
      actions: ['elasticloadbalancing:AddTags'],
      resources: ['*'],
      condition: [
        ...requestTagsOwner(model),
        { test: 'StringEquals', variable: 'elasticloadbalancing:CreateAction', values: ['CreateListener', 'CreateLoadBalancer', 'CreateTargetGroup'] },
      ],
    },
    {
      sid: 'CreateClusterSecurityGroups',
      effect: 'Allow',
      actions: ['ec2:CreateSecurityGroup'],
      resources: [ec2Arn(t, 'security-group')],
      condition: requestTagsOwner(model),
    },
    { sid: 'CreateCsiVolumes', effect: 'Allow', actions: ['ec2:CreateVolume'], resources: [ec2Arn(t, 'volume')], condition: requestTagsCsiDriver(model) },
    { sid: 'CreateCsiSnapshots', effect: 'Allow', actions: ['ec2:CreateSnapshot'], resources: [ec2Arn(t, 'snapshot')], condition: requestTagsCsiDriver(model) },
    {
      // Only volumes the CSI driver created: the etcd volumes carry the cluster tag but not the driver's, so no
      // pod or controller with this role can detach, snapshot or delete them.
      sid: 'ChangeCsiVolumes',
      effect: 'Allow',
      actions: EBS_CSI_VOLUME_ACTIONS,
      resources: [ec2Arn(t, 'volume')],
      condition: createdByCsiDriver(model),
    },
    {
      // Attaching and detaching also name the instance; only the cluster's own qualify.
      sid: 'AttachCsiVolumesToClusterInstances',
      effect: 'Allow',
      actions: ['ec2:AttachVolume', 'ec2:DetachVolume'],
      resources: [ec2Arn(t, 'instance')],
      condition: ownedBy(model),
    },
    { sid: 'DeleteCsiSnapshots', effect: 'Allow', actions: ['ec2:DeleteSnapshot'], resources: [ec2Arn(t, 'snapshot')], condition: createdByCsiDriver(model) },
    {
      // A security group is created inside a VPC; only the cluster's own (tagged) VPC qualifies.
      sid: 'CreateSecurityGroupsInClusterVpc',
      effect: 'Allow',
      actions: ['ec2:CreateSecurityGroup'],
      resources: [ec2Arn(t, 'vpc')],
      condition: ownedBy(model),
    },
    {
      // CreateVolume from a snapshot names the snapshot as a resource; only the CSI driver's snapshots qualify.
      sid: 'CreateVolumesFromCsiSnapshots',
      effect: 'Allow',
      actions: ['ec2:CreateVolume'],
      resources: [ec2Arn(t, 'snapshot')],
      condition: createdByCsiDriver(model),
    },
    {
      sid: 'TagOnCreate',
      effect: 'Allow',
      actions: ['ec2:CreateTags'],
      resources: [ec2Arn(t, 'security-group'), ec2Arn(t, 'snapshot'), ec2Arn(t, 'volume')],
      condition: [
        ...requestTagsOwner(model),
        { test: 'StringEquals', variable: 'ec2:CreateAction', values: ['CreateSecurityGroup', 'CreateSnapshot', 'CreateVolume'] },
      ],
    },
    {
      // Retagging the cluster's own resources, but never setting the ownership tag or the CSI driver's (which would
      // make an etcd volume deletable).
      sid: 'RetagClusterOwnedResources',
      effect: 'Allow',
      actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
      resources: [ec2Arn(t, 'instance'), ec2Arn(t, 'security-group'), ec2Arn(t, 'snapshot'), ec2Arn(t, 'volume')],
      condition: [
        ...ownedBy(model),
        { test: 'Null', variable: `aws:RequestTag/${clusterTagKey(model)}`, values: ['true'] },
        { test: 'Null', variable: `aws:RequestTag/${EBS_CSI_DRIVER_TAG.key}`, values: ['true'] },
      ],
    },
    {
      sid: 'CreateLoadBalancerServiceLinkedRole',
      effect: 'Allow',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: ['*'],
      condition: [{ test: 'StringEquals', variable: 'iam:AWSServiceName', values: ['elasticloadbalancing.amazonaws.com'] }],
    },
  ];
}

/** Reading the role's own prefix of the secrets bucket, decrypting only through S3. */
export function bucketReadStatements(model: ClusterModel, role: BucketRole, t: PolicyTargets): DataAwsIamPolicyDocumentStatement[] {
  return [
    { sid: 'ReadOwnBootstrapFiles', effect: 'Allow', actions: ['s3:GetObject'], resources: [`${t.bucketArn}/${role}/*`] },
    {
      sid: 'DecryptBootstrapFilesThroughS3',
      effect: 'Allow',
      actions: ['kms:Decrypt'],
      resources: [t.keyArn],
      condition: [{ test: 'StringEquals', variable: 'kms:ViaService', values: [`s3.${model.region}.amazonaws.com`] }],
    },
  ];
}

/** Worker machines: find themselves and pull images from ECR; nothing that changes AWS resources. */
export function nodeStatements(): DataAwsIamPolicyDocumentStatement[] {
  return [
    { sid: 'DescribeSelf', effect: 'Allow', actions: ['ec2:DescribeInstances', 'ec2:DescribeRegions'], resources: ['*'] },
    { sid: 'PullImagesFromEcr', effect: 'Allow', actions: ECR_READ_ACTIONS, resources: ['*'] },
  ];
}

/**
 * What the SSM agent needs for Session Manager (AWS's "minimal Session Manager permissions": registering the
 * instance and opening session channels) plus the ec2messages calls through which the agent takes Run Command
 * messages, all as in AmazonSSMManagedInstanceCore. Left out of that managed policy: ssm:GetParameter(s) (every
 * parameter of the account), documents, associations, inventory, compliance and patch snapshots. None of these
 * actions can be scoped to resources AWS's own policies name, so they are granted on "*"; none reads or changes
 * anything but the agent's own registration and channels.
 */
export const SESSION_MANAGER_ACTIONS = {
  register: ['ssm:UpdateInstanceInformation'],
  sessions: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
  messages: [
    'ec2messages:AcknowledgeMessage',
    'ec2messages:DeleteMessage',
    'ec2messages:FailMessage',
    'ec2messages:GetEndpoint',
    'ec2messages:GetMessages',
    'ec2messages:SendReply',
  ],
} as const;

/** Both machine roles, unless ssm.enabled is false: the SSM agent may register and carry Session Manager sessions. */
export function sessionManagerStatements(): DataAwsIamPolicyDocumentStatement[] {
  return [
    { sid: 'RegisterWithSystemsManager', effect: 'Allow', actions: [...SESSION_MANAGER_ACTIONS.register], resources: ['*'] },
    { sid: 'OpenSessionChannels', effect: 'Allow', actions: [...SESSION_MANAGER_ACTIONS.sessions], resources: ['*'] },
    { sid: 'ExchangeAgentMessages', effect: 'Allow', actions: [...SESSION_MANAGER_ACTIONS.messages], resources: ['*'] },
  ];
}
