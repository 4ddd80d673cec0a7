import type { Construct } from 'constructs';
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import type { BucketRole } from '../../model/bucket-layout.js';
import { terraformId, type ClusterModel } from '../../model/model.js';
import { nameTag } from './cluster-tags.js';
import { bootstrapTokenPublishStatements } from './bootstrap-token.js';
import { etcdBackupWriteStatements } from './etcd-backups.js';
import { declare } from './declare.js';
import {
  bucketReadStatements,
  controlPlaneControllerStatements,
  ec2AssumeRoleStatements,
  nodeStatements,
  sessionManagerStatements,
  type PolicyTargets,
} from './iam-policies.js';

export interface MachineIdentity {
  role: IamRole;
  profile: IamInstanceProfile;
}

export type IamResources = Record<BucketRole, MachineIdentity>;

/** IAM names allow 38 characters of prefix (Terraform adds a 26-character suffix). */
const NAME_PREFIX_MAX = 38;

/**
 * One role and instance profile per machine role, each with inline policies (deleted with the role, so teardown
 * leaves nothing behind): the control plane gets what its controllers need, both get their own bucket prefix and,
 * unless ssm.enabled is false, what the SSM agent needs for Session Manager (docs/access.md).
 */
export function buildIam(scope: Construct, model: ClusterModel, targets: PolicyTargets): IamResources {
  const assume = declare(scope, DataAwsIamPolicyDocument, 'ec2_assume_role', { statement: ec2AssumeRoleStatements() });
  const identity = (role: BucketRole, policies: Record<string, DataAwsIamPolicyDocumentStatement[]>): MachineIdentity => {
    const id = terraformId(role);
    const namePrefix = `${role}-${model.slug}`.slice(0, NAME_PREFIX_MAX - 1).replace(/-+$/, '') + '-';
    const iamRole = declare(scope, IamRole, id, {
      namePrefix,
      description: `hakube ${role} machines of ${model.name}`,
      assumeRolePolicy: assume.json,
      tags: nameTag(model, role),
    });
    for (const [purpose, statement] of Object.entries(policies)) {
      const document = declare(scope, DataAwsIamPolicyDocument, `${id}_${purpose}`, { statement });
      declare(scope, IamRolePolicy, `${id}_${purpose}`, { name: purpose, role: iamRole.id, policy: document.json });
    }
    const profile = declare(scope, IamInstanceProfile, id, { namePrefix, role: iamRole.name, tags: nameTag(model, role) });
    return { role: iamRole, profile };
  };
  const sessionManager: Record<string, DataAwsIamPolicyDocumentStatement[]> = model.ssm.enabled ? { session_manager: sessionManagerStatements() } : {};
  return {
    'control-plane': identity('control-plane', {
      controllers: controlPlaneControllerStatements(model, targets),
      bootstrap: bucketReadStatements(model, 'control-plane', targets),
      etcd_backups: etcdBackupWriteStatements(model, targets),
      bootstrap_token: bootstrapTokenPublishStatements(model, targets),
      ...sessionManager,
    }),
    nodes: identity('nodes', {
      node: nodeStatements(),
      bootstrap: bucketReadStatements(model, 'nodes', targets),
      ...sessionManager,
    }),
  };
}
