/**
 * Terraform JSON as hakube writes every *.tf.json: keys sorted at every level, two spaces, a final newline. One
 * printer, so a file written by the emitter and the same file rewritten by the rollout staging compare equal.
 */
export function printTerraformJson(document: unknown): string {
  return `${JSON.stringify(sortedKeys(document), null, 2)}\n`;
}

/** A copy with keys in sorted order. Plain loops and prototype-less objects: this copies every value of every file
 * (a "__proto__" key stays an ordinary key). */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const sorted = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) sorted[key] = sortedKeys(record[key]);
  return sorted;
}
