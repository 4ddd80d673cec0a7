import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAwsStub, type AwsStub, type AwsWorld } from './aws-stub.js';
import { applyPlanToState, settleState, type AppliedState, type PlanJson, type PlanResourceChange, type ResourceSchemas, type StateV4 } from './synthesize-state.js';
import { terraform } from './terraform-cli.js';
import { init, prepareWorkspace, removeWorkspace, type Workspace, type WorkspaceOptions } from './workspace.js';

/**
 * Real `terraform plan`s of hakube's output with the real AWS provider, offline: the provider talks to a
 * loopback stub that answers the data sources' few reads; the state a plan runs against is synthesized from the
 * plans before it (synthesize-state.ts). Every create/update/replace decision in the result is the provider's.
 */

/** Plans of the same configuration until nothing is left to fill in; more means the configuration never settles. */
const MAX_SETTLING_PLANS = 4;

export interface PlannedChange {
  plan: PlanJson;
  /** The state the plan ran against. */
  prior: AppliedState | undefined;
  /** The state after "applying" the plan, settled: planning the same folder against it changes nothing. */
  applied: AppliedState;
  /** The plans it took to settle, after the first. */
  settling: PlanJson[];
  /** What the settling plans filled in (address.attribute). */
  adopted: string[];
}

export interface PlanOptions extends WorkspaceOptions {
  /** Extra arguments for terraform plan, such as `-replace=ADDRESS`. */
  planArgs?: string[];
  /** False: return the applied state unsettled (nothing will plan against it). */
  settle?: boolean;
}

/** The root module's outputs a plan knows, as a state records them (value and type). */
function knownOutputs(plan: PlanJson): Record<string, unknown> {
  const outputs = (plan.planned_values as { outputs?: Record<string, { value?: unknown; type?: unknown; sensitive?: boolean }> } | undefined)?.outputs ?? {};
  return Object.fromEntries(
    Object.entries(outputs)
      .filter(([, o]) => o.value !== undefined && o.type !== undefined)
      .map(([name, o]) => [name, { value: o.value, type: o.type, ...(o.sensitive ? { sensitive: true } : {}) }]),
  );
}

/** Resource changes that do something (not no-op, not a data source read). */
export function effectiveChanges(plan: PlanJson): PlanResourceChange[] {
  return (plan.resource_changes ?? []).filter((c) => c.mode === 'managed' && !(c.change.actions.length === 1 && c.change.actions[0] === 'no-op'));
}

/** The top-level arguments a change sets to a different or unknown value. */
export function changedArguments(c: PlanResourceChange): string[] {
  const before = c.change.before ?? {};
  const after = c.change.after ?? {};
  const unknown = (c.change.after_unknown ?? {}) as Record<string, unknown>;
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => unknown[k] === true || JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null)).sort();
}

/** What a plan of the folder depends on: every file Terraform reads, by path and content. */
function folderDigest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(dir, rel)).sort()) {
      if (entry === '.terraform' || entry.startsWith('terraform.tfstate') || entry === 'pki' || entry === 'users') continue;
      const path = join(rel, entry);
      if (statSync(join(dir, path)).isDirectory()) walk(path);
      else hash.update(`${path}\0`).update(readFileSync(join(dir, path))).update('\0');
    }
  };
  walk('');
  return hash.digest('hex').slice(0, 16);
}

function mergedResources(dir: string): Record<string, Record<string, Record<string, unknown>>> {
  const merged: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tf.json'))) {
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
    for (const [type, byName] of Object.entries(doc.resource ?? {})) Object.assign((merged[type] ??= {}), byName);
  }
  return merged;
}

function regionOf(dir: string): string {
  const doc = JSON.parse(readFileSync(join(dir, 'terraform.tf.json'), 'utf8')) as { provider?: { aws?: Array<{ region?: string }> } };
  const region = doc.provider?.aws?.[0]?.region;
  if (!region) throw new Error(`${dir}/terraform.tf.json names no region`);
  return region;
}

export class RealTerraform {
  private generation = 0;
  private schemas: ResourceSchemas | undefined;
  private workspace: Workspace | undefined;

  private constructor(
    private readonly stub: AwsStub,
    private readonly world: AwsWorld,
  ) {}

  static async start(world: AwsWorld): Promise<RealTerraform> {
    return new RealTerraform(await startAwsStub(world), world);
  }

  /** Requests the provider made that the stub could not answer. */
  get unanswered(): readonly string[] {
    return this.stub.unanswered;
  }

  async close(): Promise<void> {
    if (this.workspace) removeWorkspace(this.workspace);
    await this.stub.close();
  }

  /** The folder's state once applied from nothing and settled. */
  async appliedState(dir: string, options: PlanOptions = {}): Promise<PlannedChange> {
    return this.plan(dir, undefined, options);
  }

  /**
   * The same, kept for the test run in a file named by the folder's content: test files that start from the same
   * folder (the tutorial) plan it from nothing once, not once each.
   */
  async cachedAppliedState(dir: string): Promise<AppliedState> {
    const file = join(tmpdir(), 'hakube-terraform', `applied-${folderDigest(dir)}.json`);
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as AppliedState;
    const { applied } = await this.appliedState(dir);
    writeFileSync(`${file}.${process.pid}`, JSON.stringify(applied));
    renameSync(`${file}.${process.pid}`, file);
    return applied;
  }

  /**
   * Plans `dir` against `prior` (none: an empty state), then settles the result, unless `settle` is false (the
   * last step of a scenario: nothing plans against its state).
   */
  async plan(dir: string, prior: AppliedState | undefined, options: PlanOptions = {}): Promise<PlannedChange> {
    const ws = await this.sync(dir, options);
    const plan = (await this.planOnce(ws, prior?.state, options.planArgs ?? [], true))!;
    let applied = this.apply(ws, plan, prior);
    const settling: PlanJson[] = [];
    const adopted: string[] = [];
    while (options.settle !== false) {
      const again = await this.planOnce(ws, applied.state, [], false);
      if (again === undefined) break;
      if (effectiveChanges(again).length === 0) {
        // Only outputs left to fill in: the resources are settled.
        applied = { ...applied, state: { ...applied.state, outputs: knownOutputs(again) } };
        break;
      }
      settling.push(again);
      const settled = settleState(applied, again);
      if (settled.drift.length > 0) throw new Error(`${dir}: planned again against its own applied state, it still changes ${settled.drift.join(', ')}`);
      if (settled.adopted.length === 0 || settling.length >= MAX_SETTLING_PLANS) {
        const left = effectiveChanges(again).map((c) => `${c.address} (${c.change.actions.join('/')}: ${changedArguments(c).join(', ')})`);
        throw new Error(`${dir}: not settled after ${settling.length} plan(s): ${left.join('; ')}`);
      }
      adopted.push(...settled.adopted);
      applied = { state: { ...settled.state, outputs: knownOutputs(again) }, fakes: settled.fakes };
    }
    return { plan, prior, applied, settling, adopted };
  }

  /**
   * `state` as `terraform show -json` prints it (Terraform's supported machine-readable form of a state): the
   * text the real command writes for `dir`'s configuration, for a team the way to hand `rollout next` its state.
   */
  async shownState(dir: string, state: AppliedState): Promise<string> {
    const ws = await this.sync(dir, {});
    const file = join(ws.dir, 'shown.tfstate');
    writeFileSync(file, JSON.stringify(state.state));
    return (await terraform(ws.dir, ['show', '-json', '-no-color', 'shown.tfstate'])).stdout;
  }

  private apply(ws: Workspace, plan: PlanJson, prior: AppliedState | undefined): AppliedState {
    this.generation += 1;
    const applied = applyPlanToState(plan, prior, {
      schemas: this.schemas!,
      configuration: mergedResources(ws.dir),
      generation: this.generation,
      region: regionOf(ws.dir),
      accountId: this.world.accountId,
    });
    return { ...applied, state: { ...applied.state, outputs: knownOutputs(plan) } };
  }

  /** The plan as JSON; undefined when `always` is false and Terraform says it changes nothing (no show needed). */
  private async planOnce(ws: Workspace, state: StateV4 | undefined, args: string[], always: boolean): Promise<PlanJson | undefined> {
    const statePath = join(ws.dir, 'terraform.tfstate');
    if (state) writeFileSync(statePath, JSON.stringify(state));
    else rmSync(statePath, { force: true });
    const planned = await terraform(ws.dir, ['plan', '-refresh=false', '-input=false', '-lock=false', '-no-color', '-detailed-exitcode', '-out=plan.bin', ...args], {
      allowFailure: true,
    });
    if (planned.code !== 0 && planned.code !== 2) throw new Error(`terraform plan in ${ws.dir} failed (exit ${planned.code}):\n${planned.stderr || planned.stdout}`);
    if (planned.code === 0 && !always) return undefined;
    const shown = await terraform(ws.dir, ['show', '-json', 'plan.bin']);
    return JSON.parse(shown.stdout) as PlanJson;
  }

  /** The session's one workspace, its files replaced by `dir`'s; `terraform init` only the first time. */
  private async sync(dir: string, options: WorkspaceOptions): Promise<Workspace> {
    const fresh = prepareWorkspace(dir, { ...options, stubEndpoint: this.stub.endpoint });
    if (!this.workspace) {
      this.workspace = fresh;
      await init(fresh);
      const shown = await terraform(fresh.dir, ['providers', 'schema', '-json']);
      const schemas = JSON.parse(shown.stdout) as { provider_schemas: Record<string, { resource_schemas: ResourceSchemas }> };
      const aws = Object.entries(schemas.provider_schemas).find(([name]) => name.endsWith('/hashicorp/aws'));
      if (!aws) throw new Error('terraform providers schema -json has no hashicorp/aws');
      this.schemas = aws[1].resource_schemas;
      return fresh;
    }
    const ws = this.workspace;
    for (const entry of readdirSync(ws.dir)) {
      if (entry === '.terraform' || entry === '.terraform.lock.hcl') continue;
      rmSync(join(ws.dir, entry), { recursive: true, force: true });
    }
    for (const entry of readdirSync(fresh.dir)) cpSync(join(fresh.dir, entry), join(ws.dir, entry), { recursive: true, verbatimSymlinks: true });
    ws.removed = fresh.removed;
    removeWorkspace(fresh);
    return ws;
  }
}

/**
 * One real plan from folder `fromDir` (applied and settled; kept for the run, see cachedAppliedState) to folder
 * `toDir`, with a stub of its own: the plan document and the state after applying it.
 */
export async function realPlan(world: AwsWorld, fromDir: string, toDir: string, options: PlanOptions = {}): Promise<PlannedChange> {
  const tf = await RealTerraform.start(world);
  try {
    return await tf.plan(toDir, await tf.cachedAppliedState(fromDir), options);
  } finally {
    await tf.close();
  }
}
