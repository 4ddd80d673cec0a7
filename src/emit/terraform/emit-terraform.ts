import { Construct } from 'constructs';
import { TerraformStack } from 'cdktf';
import type { BucketObject } from '../../model/bucket-layout.js';
import type { ClusterModel } from '../../model/model.js';
import type { GeneratedFile } from '../../output/files.js';
import { bucketObjectHashesFile } from './bucket-object-hashes.js';
import { buildControlPlane } from './control-plane.js';
import { buildIam } from './iam.js';
import { buildImageAndSshKey } from './image-and-ssh-key.js';
import { attachControlPlane, buildLoadBalancer } from './load-balancer.js';
import { buildNetwork } from './network.js';
import { buildNodeTermination } from './node-termination.js';
import { buildOutputs } from './outputs.js';
import { buildSecretsBucket, buildSecretsKeyPolicy, buildSecretsLifecycle } from './secrets-bucket.js';
import { buildSecurityGroups } from './security-groups.js';
import { buildServiceAccountIssuer } from './service-account-issuer.js';
import { CONCERNS, splitByConcern, type Concern } from './terraform-files.js';
import { revealSpecText, shieldSpecText } from './terraform-escape.js';
import { buildTerraformSettings } from './terraform-settings.js';
import { buildWorkers } from './workers.js';

/** The stack's root. cdktf's App would create an output folder on disk; the emitter only builds JSON in memory. */
class InMemoryRoot extends Construct {
  constructor() {
    super(undefined as unknown as Construct, '');
  }
}

/**
 * The whole cluster as Terraform JSON, one file per concern. Pure: a function of the model, the list of files
 * handed to machines through the secrets bucket and their content hashes (by source path); nothing is read from
 * or written to disk. Every builder gets the spec's text shielded and every document is revealed once synthesized
 * (terraform-escape.ts): no string of the spec can become a Terraform expression or a cdktf token, whichever field
 * it comes from.
 */
export function emitTerraform(specModel: ClusterModel, specObjects: BucketObject[], hashOfSource: ReadonlyMap<string, string>): GeneratedFile[] {
  const { model, objects } = shieldSpecText({ model: specModel, objects: specObjects });
  const stack = new TerraformStack(new InMemoryRoot(), 'hakube');
  const scopes = new Map<Concern, Construct>(CONCERNS.map((c) => [c, new Construct(stack, c)]));
  const scope = (c: Concern): Construct => scopes.get(c) as Construct;

  const { partition } = buildTerraformSettings(stack, scope('terraform'), model);
  const network = buildNetwork(scope('network'), model);
  const groups = buildSecurityGroups(scope('security-groups'), model, network);
  const secrets = buildSecretsBucket(scope('secrets'), model, objects);
  buildSecretsLifecycle(scope('secrets'), model, secrets.bucket);
  const iam = buildIam(scope('iam'), model, { partition, bucketArn: secrets.bucket.arn, keyArn: secrets.key.arn });
  buildSecretsKeyPolicy(scope('secrets'), model, secrets.key, { partition, controlPlaneRoleArn: iam['control-plane'].role.arn, nodesRoleArn: iam.nodes.role.arn });
  const image = buildImageAndSshKey(scope('image-and-ssh-key'), model);
  const lb = buildLoadBalancer(scope('load-balancer'), model, network, groups);
  const machineInputs = { network, groups, image, bucketName: secrets.bucket.bucket, apiEndpoint: lb.apiEndpoint };
  const instances = buildControlPlane(scope('control-plane'), model, { ...machineInputs, identity: iam['control-plane'] });
  attachControlPlane(scope('load-balancer'), model, lb, instances);
  const autoscalingGroups = buildWorkers(scope('workers'), model, { ...machineInputs, identity: iam.nodes });
  buildNodeTermination(scope('node-termination'), model, { autoscalingGroups, controlPlaneRole: iam['control-plane'].role, partition });
  const serviceAccountIssuer = buildServiceAccountIssuer(scope('service-account-issuer'), model);
  buildOutputs(scope('outputs'), model, {
    apiEndpoint: lb.apiEndpoint,
    network,
    groups,
    iam,
    secrets,
    autoscalingGroups,
    controlPlaneInstances: instances,
    ...(serviceAccountIssuer ? { serviceAccountIssuer } : {}),
  });

  return [
    ...splitByConcern(revealSpecText(stack.toTerraform() as Record<string, unknown>), scopes),
    bucketObjectHashesFile(objects, shieldSpecText(hashOfSource)),
  ];
}
