import type { Construct } from 'constructs';
import { TerraformDataSource, TerraformOutput, TerraformResource } from 'cdktf';
import type { GeneratedFile } from '../../output/files.js';
import type { TerraformJson } from '../../ha/rollout-plan.js';
import { printTerraformJson } from './print-terraform.js';

/**
 * Each concern's resources go to their own file, named for the concern. Terraform reads every *.tf.json of the
 * folder as one module, so splitting changes nothing for it and lets a reviewer find things.
 */
export const CONCERNS = [
  'terraform',
  'network',
  'security-groups',
  'iam',
  'image-and-ssh-key',
  'secrets',
  'load-balancer',
  'control-plane',
  'workers',
  'node-termination',
  'service-account-issuer',
  'outputs',
] as const;

export type Concern = (typeof CONCERNS)[number];

export function fileOfConcern(concern: Concern): string {
  return `${concern}.tf.json`;
}

/** Blocks Terraform JSON may hold at the top level that belong to the terraform settings file as a whole. */
const SETTINGS_BLOCKS = new Set(['terraform', 'provider']);

/**
 * Splits one synthesized stack into files by the concern each element was declared under, drops cdktf's own
 * metadata (`//` keys: construct paths, versions, stack names) and prints every file with sorted keys, so the
 * same model always gives the same bytes.
 */
export function splitByConcern(synthesized: TerraformJson, scopes: Map<Concern, Construct>): GeneratedFile[] {
  const concernOf = new Map<string, Concern>();
  for (const [concern, scope] of scopes) {
    for (const child of scope.node.findAll()) {
      const address = addressOf(child);
      if (!address) continue;
      if (concernOf.has(address)) throw new Error(`BUG: ${address} is declared twice`);
      concernOf.set(address, concern);
    }
  }

  const files = new Map<Concern, TerraformJson>();
  const place = (concern: Concern, path: string[], value: unknown) => {
    let node = files.get(concern);
    if (!node) files.set(concern, (node = {}));
    for (const key of path.slice(0, -1)) {
      node = (node[key] ??= {}) as TerraformJson;
    }
    node[path[path.length - 1] as string] = value;
  };

  for (const [block, content] of Object.entries(synthesized)) {
    if (block === '//') continue;
    if (SETTINGS_BLOCKS.has(block)) {
      place('terraform', [block], content);
      continue;
    }
    const entries = content as Record<string, unknown>;
    if (block === 'output') {
      for (const [name, value] of Object.entries(entries)) place(requireConcern(concernOf, `output.${name}`), [block, name], value);
      continue;
    }
    if (block === 'moved') {
      // Each move goes to the file of the resource it moves to.
      for (const move of content as Array<{ from: string; to: string }>) {
        const concern = requireConcern(concernOf, `resource.${move.to}`);
        place(concern, ['moved'], [...((files.get(concern)?.moved as unknown[] | undefined) ?? []), move]);
      }
      continue;
    }
    if (block !== 'resource' && block !== 'data') throw new Error(`BUG: unexpected top-level block ${block} in the synthesized Terraform`);
    for (const [type, byName] of Object.entries(entries)) {
      for (const [name, value] of Object.entries(byName as Record<string, unknown>)) {
        place(requireConcern(concernOf, `${block}.${type}.${name}`), [block, type, name], value);
      }
    }
  }

  return CONCERNS.filter((c) => files.has(c)).map((concern) => ({
    path: fileOfConcern(concern),
    content: printTerraformJson(withoutMetadata(files.get(concern))),
  }));
}

function addressOf(construct: Construct): string | undefined {
  if (TerraformResource.isTerraformResource(construct)) return `resource.${construct.terraformResourceType}.${construct.friendlyUniqueId}`;
  if (TerraformDataSource.isTerraformDataSource(construct)) return `data.${construct.terraformResourceType}.${construct.friendlyUniqueId}`;
  if (TerraformOutput.isTerraformOutput(construct)) return `output.${construct.friendlyUniqueId}`;
  return undefined;
}

function requireConcern(concernOf: Map<string, Concern>, address: string): Concern {
  const concern = concernOf.get(address);
  if (!concern) throw new Error(`BUG: ${address} was synthesized but not declared under a concern`);
  return concern;
}

/**
 * The document without cdktf's "//" metadata (construct paths), which says nothing to a reviewer. Plain loops and
 * prototype-less objects: this copies every value of every file (a "__proto__" key stays an ordinary key).
 */
function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(record)) if (key !== '//') copy[key] = withoutMetadata(record[key]);
  return copy;
}
