import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { generate } from '../../src/generate.js';
import { validateText } from '../../src/spec/validate.js';
import { runCli } from '../helpers/run-cli.js';
import { membersOf, planEffects } from '../helpers/terraform/plan-effects.js';
import { NOW, type Base } from './tutorial-base.js';

/** What a spec change is expected to move: control-plane members one per step, the workers, or neither. */
export type Moves = 'members' | 'workers' | 'neither';

export interface StepRecord {
  disrupted: string[];
  workers: string[];
  deletedObjects: string[];
}

function modelOf(text: string, file: string) {
  return validateText(text, file).model;
}

/**
 * Writes the changed spec over a copy of the base folder, then applies every step `generate` and `rollout next`
 * write, each planned for real against the state the previous one left: at most one member disrupted per plan, no
 * worker rolled while a member is pending, and the last folder up to date (`generate --check`).
 */
export async function rollOut(base: Base, changedText: string, moves: Moves): Promise<StepRecord[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-real-rollout-'));
  const out = join(dir, 'out');
  cpSync(base.dir, out, { recursive: true });
  const spec = join(dir, 'cluster.yaml');
  writeFileSync(spec, changedText);
  const members = membersOf(modelOf(base.text, 'base.yaml'), modelOf(changedText, spec));
  let applied = base.applied;
  let result = await generate(spec, { outDir: out, now: NOW });
  const steps: StepRecord[] = [];
  for (let step = 1; step <= members.length + 2; step++) {
    const last = result.pending.length === 0;
    const planned = await base.tf.plan(out, applied, { settle: !last });
    const effects = planEffects(planned.plan, members);
    expect(effects.disrupted.length, `step ${step}: ${effects.disrupted.join('; ')}`).toBeLessThanOrEqual(1);
    if (result.pending.some((p) => p.startsWith('control-plane-'))) {
      expect(effects.workerChanges, `step ${step} rolls workers while ${result.pending.join(', ')} are pending`).toEqual([]);
    }
    steps.push({ disrupted: effects.disrupted, workers: effects.workerChanges, deletedObjects: effects.deletedObjects });
    applied = planned.applied;
    if (last) break;
    result = await generate(spec, { outDir: out, now: NOW, rollout: 'next' });
  }
  expect(result.pending, 'the rollout ends within one step per member and one for the workers').toEqual([]);
  expect(existsSync(join(out, 'rollout-pending.json'))).toBe(false);
  const check = runCli(['generate', spec, '--out', out, '--check']);
  expect(check.code, check.stdout + check.stderr).toBe(0);
  const disruptedSteps = steps.filter((s) => s.disrupted.length === 1).length;
  const workerSteps = steps.filter((s) => s.workers.length > 0).length;
  if (moves === 'members') expect(disruptedSteps, 'the change disrupts members, one per step').toBeGreaterThan(0);
  else expect(disruptedSteps, 'the change disrupts no member').toBe(0);
  if (moves === 'workers') expect(workerSteps, 'the change rolls the workers').toBeGreaterThan(0);
  if (moves === 'neither') expect(workerSteps, 'the change rolls no worker').toBe(0);
  return steps;
}

export function describeSteps(steps: StepRecord[]): string {
  return steps.map((s) => [...s.disrupted, ...(s.workers.length > 0 ? ['workers roll'] : [])].join(' ') || 'no member disrupted').join(' | ');
}
