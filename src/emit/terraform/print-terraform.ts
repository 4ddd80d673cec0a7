/**
 * Terraform JSON as hakube writes every *.tf.json: keys sorted at every level, two spaces, a final newline. One
 * printer, so a file written by the emitter and the same file rewritten by the rollout staging compare equal.
 */
export function printTerraformJson(document: unknown): string {
  return `${JSON.stringify(sortedKeys(document), null, 2)}\n`;
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, sortedKeys(record[key])]));
}
