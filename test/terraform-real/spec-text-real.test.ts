import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/generate.js';
import { validateFile } from '../../src/spec/validate.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { worldForSpec } from '../helpers/terraform/aws-world.js';
import { RealTerraform } from '../helpers/terraform/real-plan.js';
import { NOW } from './tutorial-base.js';

/**
 * Issue 24's finding, planned by the real Terraform: an inline policy holding an expression that reads pki/ca.key
 * (no double quote in it, so the policy is valid JSON) and an IAM policy variable. The plan must carry both as the
 * text the user wrote, and nothing of the key.
 */
const KEY_READING_EXPRESSION =
  '${file(join(substr(abspath(path.module),0,1),[one(keys({pki=0})),join(path.module,[one(keys({ca=0})),one(keys({key=0}))])]))}';
const USER_HOME = 'arn:aws:s3:::reports/home/${aws:username}/*';
const SQS_RESOURCE = '"Resource": "arn:aws:sqs:eu-central-1:123456789012:orders"';

const work = mkdtempSync(join(tmpdir(), 'hakube-real-spec-text-'));
let tf: RealTerraform | undefined;
afterAll(async () => {
  await tf?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('spec text in a real terraform plan', () => {
  it('an inline policy reaches the plan as written: the expression is not evaluated, ${aws:username} stays', { timeout: 600_000 }, async () => {
    const original = readFileSync(join(REPO_ROOT, 'examples/private-multigroup.yaml'), 'utf8');
    if (!original.includes(SQS_RESOURCE)) throw new Error('test setup: the example no longer has the SQS resource');
    const spec = join(work, 'cluster.yaml');
    writeFileSync(spec, original.replace(SQS_RESOURCE, `"Resource": [${JSON.stringify(KEY_READING_EXPRESSION)}, ${JSON.stringify(USER_HOME)}]`));
    const out = join(work, 'out');
    await generate(spec, { outDir: out, now: NOW });
    const caKey = readFileSync(join(out, 'pki/ca.key'), 'utf8');

    tf = await RealTerraform.start(worldForSpec(validateFile(spec).spec));
    const { plan } = await tf.plan(out, undefined, { settle: false });
    const change = plan.resource_changes?.find((c) => c.address === 'aws_iam_role_policy.sa_orders__queue_worker_inline');
    const policy = JSON.parse((change?.change.after as { policy: string }).policy) as { Statement: Array<{ Resource: string[] }> };
    expect(policy.Statement[0]!.Resource).toEqual([KEY_READING_EXPRESSION, USER_HOME]);
    const keyLine = caKey.split('\n')[1]!;
    expect(keyLine.length).toBeGreaterThan(40);
    expect(JSON.stringify(plan)).not.toContain(keyLine);
  });
});
