import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { majorOf, withoutSixOnlyArguments } from './provider-compat.js';
import { terraform, terraformSetup } from './terraform-cli.js';

/** The test's own override file: Terraform merges it over the generated configuration (override-file rules). */
export const OVERRIDE_FILE = 'zz_hakube_test_override.tf.json';

/** Everything the provider may call, all pointed at the loopback stub: no request can leave the machine. */
const STUB_SERVICES = ['sts', 'ec2', 'iam', 's3', 'kms', 'elbv2', 'autoscaling', 'route53', 'sqs', 'events', 'ssm'];

export interface Workspace {
  dir: string;
  /** The 6.x-only arguments removed for an older provider (file: address.argument). */
  removed: string[];
}

export interface WorkspaceOptions {
  /** The stub's URL; without it the provider block is left as generated (enough for `terraform validate`). */
  stubEndpoint?: string;
  /** Leave pki/ and users/ out of the copy: what a pipeline without the team's keys plans with. */
  withoutKeys?: boolean;
}

const NEVER_COPIED = new Set(['.terraform', '.terraform.lock.hcl', 'terraform.tfstate', 'terraform.tfstate.backup']);
const KEY_FOLDERS = new Set(['pki', 'users']);

function override(stubEndpoint: string | undefined): Record<string, unknown> {
  const { source } = terraformSetup();
  const terraformBlock: Record<string, unknown> = {
    // Whatever backend the spec asks for (S3 for a team), the test's state is a local file in the workspace.
    backend: { local: { path: 'terraform.tfstate' } },
  };
  if (source.kind === 'mirror' && majorOf(source.version) < 6) {
    terraformBlock.required_providers = { aws: { source: 'hashicorp/aws', version: source.version } };
  }
  const doc: Record<string, unknown> = { terraform: terraformBlock };
  if (stubEndpoint) {
    doc.provider = {
      aws: {
        access_key: 'AKIAHAKUBETESTONLY00',
        secret_key: 'hakube-test-not-a-secret',
        skip_credentials_validation: true,
        skip_metadata_api_check: true,
        skip_region_validation: true,
        skip_requesting_account_id: true,
        endpoints: [Object.fromEntries(STUB_SERVICES.map((s) => [s, stubEndpoint]))],
      },
    };
  }
  return doc;
}

/**
 * A copy of a generated folder that Terraform can plan here: the 6.x-only arguments removed when the provider is
 * older, the provider pointed at the stub, the state local. The generated files themselves are never touched.
 */
export function prepareWorkspace(sourceDir: string, options: WorkspaceOptions = {}): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-tf-'));
  for (const entry of readdirSync(sourceDir)) {
    if (NEVER_COPIED.has(entry) || (options.withoutKeys && KEY_FOLDERS.has(entry))) continue;
    cpSync(join(sourceDir, entry), join(dir, entry), { recursive: true, verbatimSymlinks: true });
  }
  const { source } = terraformSetup();
  const strip = source.kind === 'mirror' && majorOf(source.version) < 6;
  const removed: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tf.json'))) {
    if (!strip) break;
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
    const result = withoutSixOnlyArguments(doc);
    if (result.removed.length === 0) continue;
    writeFileSync(join(dir, file), `${JSON.stringify(result.doc, null, 2)}\n`);
    removed.push(...result.removed.map((r) => `${file}: ${r}`));
  }
  writeFileSync(join(dir, OVERRIDE_FILE), `${JSON.stringify(override(options.stubEndpoint), null, 2)}\n`);
  return { dir, removed };
}

export async function init(workspace: Workspace): Promise<void> {
  await terraform(workspace.dir, ['init', '-input=false', '-no-color']);
}

export function removeWorkspace(workspace: Workspace): void {
  rmSync(workspace.dir, { recursive: true, force: true });
}
