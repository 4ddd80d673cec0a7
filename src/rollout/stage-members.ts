import { UserError } from '../errors.js';
import { controlPlaneCloudInitPath } from '../model/bootstrap-contract.js';
import { bucketObjectAddress, memberAddresses } from '../emit/terraform/addresses.js';
import { memberEtcdObjects } from '../model/bucket-layout.js';
import { printTerraformJson } from '../emit/terraform/print-terraform.js';
import { byMemberName, mergeTerraformDocuments, planRollout, type InstanceAction, type RolloutPlan, type TerraformJson } from '../ha/rollout-plan.js';
import type { GeneratedFile } from '../output/files.js';
import { compareVersions, pinnedKubeletVersion } from '../upgrade/previous-version.js';
import { refuseReplacementsReachingMembers } from './replaced-references.js';
import { WORKERS_UNIT } from './rollout-record.js';
import { blockAddress, blockAt, blocksOf, isObject, localKey, pathOf, references, resolves, setBlockAt } from './terraform-blocks.js';

/**
 * hold: release no member (a rollout is in progress: `generate` never advances it on its own);
 * advance: release the first member whose change is held (a new change, or `rollout next`);
 * all: release every member at once (the emergency flag; one apply may then lose etcd quorum).
 */
export type StagingMode = 'hold' | 'advance' | 'all';

export interface StagedOutput {
  files: GeneratedFile[];
  /** Members whose change is still held back, in member order. */
  pending: string[];
  /** The member this run released, if any. */
  released?: string;
  /** What one terraform apply of `files` does to the control plane, from the previous output. */
  plan: RolloutPlan;
}

/** Actions that take a member down or change etcd's membership: at most one per apply. */
const STAGED_ACTIONS: ReadonlySet<InstanceAction> = new Set(['replace', 'stop-start', 'destroy', 'create']);

function text(content: string | Uint8Array): string {
  return typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
}

/** What one step releases: a control-plane member, or every worker group at once. */
interface RolloutUnit {
  name: string;
  addresses: string[];
  files: string[];
}


/** A member's machine, its volume and attachments, and the bucket objects only it fetches (its etcd certificates). */
function memberUnit(member: string): RolloutUnit {
  return {
    name: member,
    addresses: [...Object.values(memberAddresses({ name: member })), ...memberEtcdObjects(member).map(bucketObjectAddress)],
    files: [controlPlaneCloudInitPath({ name: member })],
  };
}

/**
 * Worker groups that exist before and after and whose launch template or cloud-init changes: during a
 * control-plane rollout they wait, so workers (kubelets) move only after every API server did.
 */
function workersUnit(previousMerged: TerraformJson, nextMerged: TerraformJson, previous: ReadonlyMap<string, string>, nextByPath: Map<string, GeneratedFile>): RolloutUnit | undefined {
  const addresses: string[] = [];
  const files: string[] = [];
  const before = launchTemplates(previousMerged);
  for (const [name, block] of Object.entries(launchTemplates(nextMerged))) {
    if (before[name] === undefined) continue;
    const cloudInit = /"(cloud-init\/[^"]+\.yaml)"/.exec(JSON.stringify(block).replace(/\\"/g, '"'))?.[1];
    const fileChanged = cloudInit !== undefined && previous.has(cloudInit) && nextByPath.has(cloudInit) && previous.get(cloudInit) !== text(nextByPath.get(cloudInit)!.content);
    if (JSON.stringify(before[name]) === JSON.stringify(block) && !fileChanged) continue;
    addresses.push(`aws_launch_template.${name}`);
    if (cloudInit && previous.has(cloudInit)) files.push(cloudInit);
  }
  return addresses.length > 0 ? { name: WORKERS_UNIT, addresses, files } : undefined;
}

function launchTemplates(tf: TerraformJson): Record<string, unknown> {
  const resources = isObject(tf.resource) ? tf.resource.aws_launch_template : undefined;
  return isObject(resources) ? resources : {};
}

/**
 * A worker group the spec adds while the control plane still moves to a newer Kubernetes would start kubelets newer
 * than the API servers not yet replaced, which Kubernetes' skew policy forbids. Holding a group that does not exist
 * yet would mean leaving out every resource of it; asking for the group in its own change is clearer.
 */
function refuseNewerNewGroups(previousMerged: TerraformJson, nextMerged: TerraformJson, previous: ReadonlyMap<string, string>, nextByPath: Map<string, GeneratedFile>): void {
  const running = [...previous]
    .filter(([path]) => path.startsWith('cloud-init/control-plane-'))
    .map(([, content]) => pinnedKubeletVersion(content))
    .filter((v): v is string => v !== undefined)
    .sort(compareVersions);
  const oldest = running[0];
  if (!oldest) return;
  const before = launchTemplates(previousMerged);
  for (const [name, block] of Object.entries(launchTemplates(nextMerged))) {
    if (before[name] !== undefined) continue;
    const cloudInit = /"(cloud-init\/[^"]+\.yaml)"/.exec(JSON.stringify(block).replace(/\\"/g, '"'))?.[1];
    const file = cloudInit ? nextByPath.get(cloudInit) : undefined;
    const version = file ? pinnedKubeletVersion(text(file.content)) : undefined;
    if (version && compareVersions(version, oldest) > 0) {
      throw new UserError(
        `this change adds worker group ${name} with Kubernetes ${version} while control-plane members still run ${oldest}: its kubelets would be newer ` +
          'than those API servers. Add the group in its own change, after the rollout (hakube rollout status), or before the version change (docs/upgrades.md)',
      );
    }
  }
}

/**
 * Puts back a held block as the previous output had it (each concern keeps its file), or leaves it out when it is
 * new, and with it the previous values of the local map entries it reads (a bucket object's content hash): the
 * unit keeps its previous configuration whole.
 */
function holdBlock(docs: Map<string, TerraformJson>, previousDocs: Map<string, TerraformJson>, unit: string, address: string): void {
  const path = pathOf(address);
  for (const doc of docs.values()) if (blockAt(doc, path) !== undefined) setBlockAt(doc, path, undefined);
  for (const [file, doc] of previousDocs) {
    const block = blockAt(doc, path);
    if (block === undefined) continue;
    const target = docs.get(file);
    if (!target) throw new UserError(`cannot hold back ${unit}: its previous resources live in ${file}, which this spec no longer writes; see docs/ha.md`);
    setBlockAt(target, path, block);
    for (const ref of references(block)) if (ref.startsWith('local.') && localKey(ref).key !== undefined) carryOver(docs, previousDocs, ref);
  }
}

/**
 * Copies what a reference names from the previous output into the staged documents: the block, into the file it
 * was in, or the map entry of a local, into the map where it is now.
 */
function carryOver(docs: Map<string, TerraformJson>, previousDocs: Map<string, TerraformJson>, reference: string): void {
  const path = pathOf(reference);
  const key = reference.startsWith('local.') ? localKey(reference).key : undefined;
  for (const [file, doc] of previousDocs) {
    const block = blockAt(doc, path);
    if (block === undefined) continue;
    const target = docs.get(file);
    if (key !== undefined && isObject(block)) {
      const map = [...docs.values()].map((d) => blockAt(d, path)).find(isObject);
      if (map && key in block) map[key] = block[key];
      else if (!map && target) setBlockAt(target, path, block);
      continue;
    }
    if (!target) {
      throw new UserError(`cannot hold back the rollout: held members still refer to ${reference}, which lived in ${file}, which this spec no longer writes; see docs/ha.md`);
    }
    setBlockAt(target, path, block);
  }
}

/** Rounds of closeReferences above which the staging is going round in circles. */
const MAX_CLOSING_ROUNDS = 100;

/**
 * After holding units, some blocks refer to what the step no longer declares. A reference to what the previous
 * output declared (a resource or data source the spec removes, still used by a held unit) keeps that from the
 * previous output: the step still has it. A reference to what is new and held back (an output, a rule or an
 * object naming a member not yet created) puts back the referring block's previous version, or leaves it out if it
 * is new, in turn: it goes out with the unit it refers to. Repeated until every reference resolves, then checked.
 */
function closeReferences(docs: Map<string, TerraformJson>, previousDocs: Map<string, TerraformJson>, previousMerged: TerraformJson): void {
  for (let round = 0; ; round++) {
    if (round > MAX_CLOSING_ROUNDS) throw new Error('BUG: the staged blocks do not settle on references that resolve');
    const merged = mergeTerraformDocuments([...docs.values()]);
    let changed = false;
    for (const [file, doc] of docs) {
      for (const [path, block] of blocksOf(doc)) {
        const missing = references(block).filter((r) => !resolves(merged, r));
        if (missing.length === 0) continue;
        const known = missing.filter((r) => resolves(previousMerged, r));
        for (const ref of known) carryOver(docs, previousDocs, ref);
        if (known.length < missing.length) {
          const before = blockAt(previousDocs.get(file) ?? {}, path);
          if (JSON.stringify(before) === JSON.stringify(block)) continue;
          setBlockAt(doc, path, before);
        }
        changed = true;
      }
    }
    if (!changed) break;
  }
  assertReferencesResolve(mergeTerraformDocuments([...docs.values()]));
}

/**
 * A `moved` block is valid only while its old address is gone and its new one declared. A held unit may still use
 * the resource at the old address (the unnamed key pair of a folder written before hakube named it for its key), so
 * the step keeps it there and creates the new one beside it: a move would then fail the plan.
 */
function dropStaleMoves(docs: Map<string, TerraformJson>): void {
  const merged = mergeTerraformDocuments([...docs.values()]);
  for (const doc of docs.values()) {
    if (!Array.isArray(doc.moved)) continue;
    const moves = (doc.moved as Array<{ from: string; to: string }>).filter((m) => !resolves(merged, m.from) && resolves(merged, m.to));
    if (moves.length > 0) doc.moved = moves;
    else delete doc.moved;
  }
}

/** Every reference of the staged configuration resolves: what terraform plan checks first. */
function assertReferencesResolve(merged: TerraformJson): void {
  const unresolved = blocksOf(merged).flatMap(([path, block]) =>
    references(block)
      .filter((r) => !resolves(merged, r))
      .map((r) => `${blockAddress(path)} -> ${r}`),
  );
  if (unresolved.length > 0) throw new Error(`BUG: the staged configuration refers to what it does not declare: ${unresolved.join(', ')}`);
}

/**
 * Writes the change of at most one control-plane member per apply. `next` is what a fresh generation of the spec
 * writes; `previous` holds the previously generated files (Terraform documents by file name and cloud-init);
 * `wasPending` is the record of the rollout in progress, if any. Each member whose change would take it down
 * (replace, stop/start, destroy) or add it keeps its previous resources and cloud-init until it is released, so
 * `terraform apply` of the result disrupts at most one member; worker groups whose machines change wait for the
 * step after the last member. Changes that disrupt no member (tags, group sizes, add-ons, bucket objects) go out
 * at once. Pure.
 */
export function stageMemberChanges(
  next: GeneratedFile[],
  previous: ReadonlyMap<string, string>,
  mode: StagingMode,
  wasPending: readonly string[] = [],
): StagedOutput {
  const nextDocs = new Map(next.filter((f) => f.path.endsWith('.tf.json')).map((f) => [f.path, JSON.parse(text(f.content)) as TerraformJson]));
  const previousDocs = new Map([...previous].filter(([path]) => path.endsWith('.tf.json')).map(([path, content]) => [path, JSON.parse(content) as TerraformJson]));
  const nextMerged = mergeTerraformDocuments([...nextDocs.values()]);
  if (previousDocs.size === 0) {
    // A new cluster: every member is created by the first apply, together.
    return { files: next, pending: [], plan: planRollout(undefined, nextMerged) };
  }
  const previousMerged = mergeTerraformDocuments([...previousDocs.values()]);
  const nextByPath = new Map(next.map((f) => [f.path, f]));
  const changedFiles = [...nextByPath.values()]
    .filter((f) => previous.has(f.path) && previous.get(f.path) !== text(f.content))
    .map((f) => f.path);
  const full = planRollout(previousMerged, nextMerged, changedFiles);
  const members = full.changes.filter((c) => STAGED_ACTIONS.has(c.action)).sort(byMemberName);
  const units = members.map((c) => memberUnit(c.member));
  if (members.length > 0 && mode !== 'all') refuseNewerNewGroups(previousMerged, nextMerged, previous, nextByPath);
  const workers = members.length > 0 || wasPending.includes(WORKERS_UNIT) ? workersUnit(previousMerged, nextMerged, previous, nextByPath) : undefined;
  if (workers) units.push(workers);
  const release = mode === 'all' ? units : mode === 'advance' ? units.slice(0, 1) : [];
  const held = units.filter((u) => !release.includes(u));
  const released = release.length === 1 ? { released: release[0]!.name } : {};
  // Nothing held back: the output is the fresh generation as it is (most runs; at 200 worker groups re-printing
  // every Terraform document cost more than the rest of this function).
  if (held.length === 0) {
    if (mode !== 'all') refuseReplacementsReachingMembers(previousMerged, nextMerged, members.map((c) => c.member));
    return { files: next, pending: [], ...released, plan: full };
  }

  const files = new Map(next.map((f) => [f.path, f]));
  const docs = new Map([...nextDocs].map(([path, doc]) => [path, structuredClone(doc)]));
  for (const unit of held) {
    for (const address of unit.addresses) holdBlock(docs, previousDocs, unit.name, address);
    for (const file of unit.files) {
      const before = previous.get(file);
      if (before === undefined) files.delete(file);
      else files.set(file, { path: file, content: before });
    }
  }
  closeReferences(docs, previousDocs, previousMerged);
  dropStaleMoves(docs);
  for (const [path, doc] of docs) files.set(path, { path, content: printTerraformJson(doc) });
  const stagedMerged = mergeTerraformDocuments([...docs.values()]);
  const stagedFiles = [...files.values()];
  const stagedChanged = stagedFiles.filter((f) => previous.has(f.path) && previous.get(f.path) !== text(f.content)).map((f) => f.path);
  const plan = planRollout(previousMerged, stagedMerged, stagedChanged);
  const disrupting = plan.changes.filter((c) => STAGED_ACTIONS.has(c.action));
  if (mode !== 'all' && disrupting.length > 1) {
    throw new Error(`BUG: the staged output still changes ${disrupting.map((c) => `${c.member} (${c.action})`).join(', ')} in one apply`);
  }
  if (mode !== 'all') refuseReplacementsReachingMembers(previousMerged, stagedMerged, disrupting.map((c) => c.member));
  const order = new Map(next.map((f, i) => [f.path, i]));
  stagedFiles.sort((a, b) => (order.get(a.path) ?? Infinity) - (order.get(b.path) ?? Infinity) || (a.path < b.path ? -1 : 1));
  return {
    files: stagedFiles,
    pending: held.map((u) => u.name),
    ...released,
    plan,
  };
}
