import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ajvModule, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** cloud-init 22.4.2's own schema, committed with the repository (vendor/cloud-init/README.md says where from). */
export const VENDORED_SCHEMA = join(REPO_ROOT, 'vendor', 'cloud-init', 'schema-cloud-config-v1.json');

export interface WriteFile {
  path: string;
  content: string;
  permissions?: string;
  owner?: string;
}

export interface CloudConfig {
  write_files: WriteFile[];
  runcmd?: unknown[];
  ssh_authorized_keys?: string[];
}

export function parseCloudConfig(text: string): CloudConfig {
  if (!text.startsWith('#cloud-config\n')) throw new Error('not a #cloud-config file');
  return parse(text) as CloudConfig;
}

export function writtenFile(config: CloudConfig, path: string): WriteFile {
  const found = config.write_files.filter((f) => f.path === path);
  if (found.length !== 1) throw new Error(`expected one write_files entry for ${path}, found ${found.length}`);
  return found[0]!;
}

let validator: ValidateFunction | undefined;

/**
 * cloud-init's own schema, compiled the way its draft-04 text allows in ajv 8: the `$schema` line dropped
 * (ajv 8 has no draft-04 meta-schema) and strict mode off, so its custom keywords (`deprecated`, `changed`, ...)
 * are ignored as annotations, as cloud-init's validator ignores them.
 */
export function vendoredSchemaErrors(document: unknown): string[] {
  if (!validator) {
    const schema = JSON.parse(readFileSync(VENDORED_SCHEMA, 'utf8')) as Record<string, unknown>;
    delete schema.$schema;
    // ajv is CommonJS; its class is the module's default export.
    validator = new ajvModule.default({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  }
  const validate = validator;
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** The real `cloud-init schema --config-file`; returns its output when it rejects the file. */
export function cloudInitSchemaCheck(file: string): { ok: boolean; output: string } {
  const r = spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8', timeout: 60_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}
