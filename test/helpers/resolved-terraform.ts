import { createHash } from 'node:crypto';
import { mergeTerraformDocuments, type TerraformJson } from '../../src/ha/rollout-plan.js';

/**
 * The merged Terraform of a generated folder (files by path) with what Terraform would resolve at plan time put in
 * place of the expressions that hide it from a comparison of configurations:
 * - `${data.T.N.id}` becomes the data source's own configuration (what it returns changes exactly when that does);
 * - `${local.bucket_object_hashes["K"]}` becomes the recorded hash;
 * - a cloud-init file named in templatefile() gets its content hash appended (the rendered user data changes when
 *   the file does).
 * planRollout and a synthetic plan then see every change an apply would make.
 */
export function resolvedTerraform(files: ReadonlyMap<string, string>): TerraformJson {
  const merged = mergeTerraformDocuments([...files].filter(([p]) => p.endsWith('.tf.json')).map(([, t]) => JSON.parse(t) as TerraformJson));
  const data = (merged.data ?? {}) as Record<string, Record<string, unknown>>;
  const hashes = ((merged.locals ?? {}) as { bucket_object_hashes?: Record<string, string> }).bucket_object_hashes ?? {};
  const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
  const resolved = JSON.stringify(merged.resource ?? {})
    .replace(/\$\{data\.([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.id\}/g, (_m, type: string, name: string) => `data:${sha(JSON.stringify(data[type]?.[name] ?? null))}`)
    .replace(/\$\{local\.bucket_object_hashes\[\\"([^"\\]+)\\"\]\}/g, (_m, key: string) => hashes[key] ?? `unrecorded:${key}`)
    .replace(/\\"(cloud-init\/[^"\\]+\.yaml)\\"/g, (_m, path: string) => `\\"${path}#${sha(files.get(path) ?? '')}\\"`);
  return { ...merged, resource: JSON.parse(resolved) as unknown };
}
