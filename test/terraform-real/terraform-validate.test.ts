import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { majorOf, SIX_ONLY_ARGUMENTS } from '../helpers/terraform/provider-compat.js';
import { providerDescription, terraform, terraformSetup } from '../helpers/terraform/terraform-cli.js';
import { init, prepareWorkspace, removeWorkspace, type Workspace } from '../helpers/terraform/workspace.js';

/**
 * `terraform validate` of every committed example with the real AWS provider: the configuration hakube writes is
 * what the provider accepts, argument by argument and type by type (the typed bindings can be wrong or newer).
 */
const GENERATED = join(REPO_ROOT, 'generated');
const examples = readdirSync(GENERATED).sort();
const workspaces: Workspace[] = [];
afterAll(() => workspaces.forEach(removeWorkspace));

describe(`terraform validate with ${providerDescription()}`, () => {
  it.each(examples)('%s is valid', async (example) => {
    const ws = prepareWorkspace(join(GENERATED, example));
    workspaces.push(ws);
    await init(ws);
    const r = await terraform(ws.dir, ['validate', '-json', '-no-color'], { allowFailure: true });
    const result = JSON.parse(r.stdout) as { valid: boolean; diagnostics: Array<{ severity: string; summary: string; detail?: string; range?: { filename: string } }> };
    const problems = result.diagnostics.map((d) => `${d.severity}: ${d.range?.filename ?? ''}: ${d.summary}${d.detail ? ` (${d.detail})` : ''}`);
    expect(problems).toEqual([]);
    expect(result.valid).toBe(true);
    const { source } = terraformSetup();
    const stripped = source.kind === 'mirror' && majorOf(source.version) < 6;
    // Only the listed 6.x-only arguments are removed, and only for an older provider.
    const listed = (removed: string) => SIX_ONLY_ARGUMENTS.some((a) => new RegExp(`: ${a.resourceType}\\.[^.]+\\.${a.argument}$`).test(removed));
    expect(ws.removed.filter((r) => !listed(r))).toEqual([]);
    if (!stripped) expect(ws.removed).toEqual([]);
  });
});

describe('the 6.x-only arguments stripped for an older provider', () => {
  it('each is in the 6.x bindings hakube builds with and, with an older provider, missing from that provider\'s schema', async () => {
    const { source } = terraformSetup();
    const ws = prepareWorkspace(join(GENERATED, 'myfirstcluster.k8s.local'));
    workspaces.push(ws);
    await init(ws);
    const shown = await terraform(ws.dir, ['providers', 'schema', '-json']);
    const schemas = JSON.parse(shown.stdout) as { provider_schemas: Record<string, { resource_schemas: Record<string, { block: { attributes?: Record<string, unknown> } }> }> };
    const aws = Object.entries(schemas.provider_schemas).find(([name]) => name.endsWith('/hashicorp/aws'))![1];
    for (const { resourceType, argument } of SIX_ONLY_ARGUMENTS) {
      const camel = argument.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      const bindings = readFileSync(join(REPO_ROOT, 'node_modules/@cdktf/provider-aws/lib', resourceType.replace(/^aws_/, '').replace(/_/g, '-'), 'index.d.ts'), 'utf8');
      expect(bindings, `${resourceType}.${argument} in @cdktf/provider-aws`).toContain(`readonly ${camel}?:`);
      const inProvider = argument in (aws.resource_schemas[resourceType]?.block.attributes ?? {});
      expect(inProvider, `${resourceType}.${argument} in ${providerDescription()}`).toBe(source.kind === 'mirror' && majorOf(source.version) >= 6);
    }
  });
});
