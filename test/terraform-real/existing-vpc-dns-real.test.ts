import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateFile } from '../../src/spec/validate.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import type { AwsWorld } from '../helpers/terraform/aws-stub.js';
import { worldForSpec } from '../helpers/terraform/aws-world.js';
import { RealTerraform } from '../helpers/terraform/real-plan.js';

/**
 * The private zone of examples/existing-vpc.yaml, planned with the real provider. The association of a zone with an
 * existing VPC is the VPC owner's: hakube creates none and the plan stops when it is missing. The provider's
 * aws_route53_zone looked up by name and vpc_id keeps only the private zones "associated with the vpc_id"
 * (website/docs/d/route53_zone.html.markdown) and fails with "no matching Route 53 Hosted Zone found" when none is
 * (internal/service/route53/zone_data_source.go, tfresource.SingularDataSourceFindError).
 */
const SPEC = validateFile(join(REPO_ROOT, 'examples/existing-vpc.yaml')).spec;
const FOLDER = join(REPO_ROOT, 'generated', 'shared.example.com');
const VPC_ID = SPEC.network.networkID!;
const ZONE_ID = SPEC.api.dns!.hostedZoneId;

async function withWorld<T>(world: AwsWorld, run: (tf: RealTerraform) => Promise<T>): Promise<T> {
  const tf = await RealTerraform.start(world);
  try {
    return await run(tf);
  } finally {
    await tf.close();
  }
}

function zonesOf(world: AwsWorld, edit: (zones: AwsWorld['hostedZones']) => AwsWorld['hostedZones']): AwsWorld {
  return { ...world, hostedZones: edit(world.hostedZones) };
}

describe('a private zone of an existing VPC, planned for real', () => {
  it('plans with no association of its own when the VPC is associated', async () => {
    const world = worldForSpec(SPEC);
    expect(world.hostedZones[0]!.vpcs.map((v) => v.id)).toEqual([VPC_ID]);
    await withWorld(world, async (tf) => {
      const { plan } = await tf.appliedState(FOLDER);
      const types = (plan.resource_changes ?? []).map((c) => c.type);
      expect(types).toContain('aws_route53_record');
      expect(types).not.toContain('aws_route53_zone_association');
      expect(tf.unanswered).toEqual([]);
    });
  });

  it('stops the plan, naming the check, when the zone is not associated with the VPC', async () => {
    const world = zonesOf(worldForSpec(SPEC), (zones) => zones.map((z) => ({ ...z, vpcs: [{ id: 'vpc-0ffffffffffffffff', region: SPEC.region }] })));
    await withWorld(world, async (tf) => {
      await expect(tf.appliedState(FOLDER)).rejects.toThrow(/no matching Route 53 Hosted Zone found[\s\S]*data\.aws_route53_zone\.api_associated_with_vpc/);
    });
  });

  it('stops the plan when another zone of the same name is the one associated with the VPC', async () => {
    const world = zonesOf(worldForSpec(SPEC), (zones) => [
      ...zones.map((z) => ({ ...z, vpcs: [] })),
      { ...zones[0]!, id: 'Z0OTHERZONEOFTHENAME1' },
    ]);
    await withWorld(world, async (tf) => {
      // Terraform wraps the message at 76 columns.
      const failure = await tf.appliedState(FOLDER).then(
        () => 'planned',
        (e: Error) => e.message.replace(/\s+/g, ' '),
      );
      expect(failure).toContain(`the private zone ${ZONE_ID} is not associated with the existing VPC (another zone of its name, Z0OTHERZONEOFTHENAME1, is)`);
    });
  });
});
