/**
 * `record[key]` when `record` has `key` as its own property, else undefined. For a table or a value looked up by a
 * string read from a file (a resource type, an argument name): `constructor`, `toString` or `__proto__` then name
 * nothing, rather than what Object.prototype holds.
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
