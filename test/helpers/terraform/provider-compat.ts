import type { TerraformJson } from '../../../src/ha/rollout-plan.js';

/**
 * Arguments hakube sets that exist only in the AWS provider 6.x it requires (>= 6.25). When the tests run
 * against an older provider (the machines here have 5.100.0 in a filesystem mirror), these, and only these, are
 * removed from a copy of the generated folder; any other validation error fails the test. With a 6.x provider
 * nothing is removed. test/terraform/terraform-validate.test.ts checks each entry against both sides: present in
 * the 6.x bindings hakube builds with (@cdktf/provider-aws 21.22.1, provider 6.25), absent from the older
 * provider's own schema (`terraform providers schema -json`).
 */
export interface SixOnlyArgument {
  resourceType: string;
  argument: string;
  /** Where the argument's introduction was confirmed. */
  confirmed: string;
}

export const SIX_ONLY_ARGUMENTS: readonly SixOnlyArgument[] = [
  {
    resourceType: 'aws_instance',
    argument: 'force_destroy',
    confirmed:
      'provider 6.0.0 (destroys an instance despite disable_api_termination/disable_api_stop); ' +
      '@cdktf/provider-aws 21.22.1 lib/instance/index.d.ts has forceDestroy, provider 5.100.0 schema has no force_destroy on aws_instance',
  },
];

/** The major version of a provider version string ("5.100.0" -> 5). */
export function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

/** A copy of `doc` without the 6.x-only arguments (documents that set none come back unchanged). */
export function withoutSixOnlyArguments(doc: TerraformJson): { doc: TerraformJson; removed: string[] } {
  const removed: string[] = [];
  const resources = doc.resource as Record<string, Record<string, Record<string, unknown>>> | undefined;
  if (!resources) return { doc, removed };
  const copy = structuredClone(doc);
  const copied = copy.resource as Record<string, Record<string, Record<string, unknown>>>;
  for (const { resourceType, argument } of SIX_ONLY_ARGUMENTS) {
    for (const [name, block] of Object.entries(copied[resourceType] ?? {})) {
      if (!(argument in block)) continue;
      delete block[argument];
      removed.push(`${resourceType}.${name}.${argument}`);
    }
  }
  return removed.length > 0 ? { doc: copy, removed } : { doc, removed };
}
