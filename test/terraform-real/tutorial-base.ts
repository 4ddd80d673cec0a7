import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../../src/generate.js';
import { validateFile } from '../../src/spec/validate.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { worldForSpec } from '../helpers/terraform/aws-world.js';
import { RealTerraform } from '../helpers/terraform/real-plan.js';
import type { AppliedState } from '../helpers/terraform/synthesize-state.js';

/** A fixed clock: certificates stay as they are across every run of a scenario. */
export const NOW = new Date('2026-12-01T00:00:00Z');

export interface Base {
  /** The example's spec text and its generated folder (with keys), applied. */
  text: string;
  dir: string;
  applied: AppliedState;
  tf: RealTerraform;
}

const WAIT_MS = 10 * 60_000;

/**
 * The example generated once per test run (with its keys) and applied with real plans, shared by the test files that
 * start from it: the first file to ask makes it, the others wait for it. Each caller gets its own RealTerraform.
 */
export async function sharedBase(example: string): Promise<Base> {
  const specFile = join(REPO_ROOT, 'examples', example);
  const text = readFileSync(specFile, 'utf8');
  const root = join(tmpdir(), 'hakube-terraform', `base-${example}`);
  const dir = join(root, 'out');
  const done = join(root, 'ready');
  const tf = await RealTerraform.start(worldForSpec(validateFile(specFile).spec));
  mkdirSync(join(tmpdir(), 'hakube-terraform'), { recursive: true });
  let mine = false;
  try {
    mkdirSync(root);
    mine = true;
  } catch {
    // Another test file makes it.
  }
  if (mine) {
    try {
      writeFileSync(join(root, 'cluster.yaml'), text);
      await generate(join(root, 'cluster.yaml'), { outDir: dir, now: NOW });
      const applied = await tf.cachedAppliedState(dir);
      writeFileSync(done, '');
      return { text, dir, applied, tf };
    } catch (err) {
      writeFileSync(join(root, 'failed'), String(err));
      throw err;
    }
  }
  const deadline = Date.now() + WAIT_MS;
  while (!existsSync(done)) {
    if (existsSync(join(root, 'failed'))) throw new Error(`the shared base of ${example} failed: ${readFileSync(join(root, 'failed'), 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`the shared base of ${example} was not ready within ${WAIT_MS / 60_000} minutes`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { text, dir, applied: await tf.cachedAppliedState(dir), tf };
}
