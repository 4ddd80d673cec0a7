/**
 * A user-supplied string as a Terraform literal. Terraform reads every JSON string (object keys included) as a
 * template, so `${file("pki/ca.key")}` in a tag would be evaluated at plan time and its result written into AWS
 * tags, the plan log and the state. `$${` and `%%{` are Terraform's escapes for a literal `${` and `%{`.
 * Every free-text value from the spec passes through here on its way into Terraform; hakube's own expressions never do.
 */
export function terraformLiteral(text: string): string {
  // Replacer functions: in a replacement string, '$$' would itself mean one '$'.
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/** terraformLiteral applied to the keys and values of a user's tag map. */
export function terraformLiteralTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([key, value]) => [terraformLiteral(key), terraformLiteral(value)]));
}
