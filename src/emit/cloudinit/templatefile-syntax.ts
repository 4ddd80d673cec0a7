/**
 * Cloud-init files are Terraform templatefile() templates. Emitters write a placeholder for each variable
 * Terraform passes; `toTemplatefile` then escapes every other `${` and `%{` (shell variables, mostly) as `$${`
 * and `%%{`, and only then turns the placeholders into `${name}`. So no literal text can become an
 * interpolation, whatever the scripts or the spec contain.
 */
const PLACEHOLDER = /@@tf:([a-z_]+)@@/g;

export function terraformVariable(name: string): string {
  return `@@tf:${name}@@`;
}

export function toTemplatefile(text: string, variables: readonly string[]): string {
  // Function replacements: in a replacement string, `$$` would itself mean one `$`.
  const escaped = text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
  return escaped.replace(PLACEHOLDER, (_, name: string) => {
    if (!variables.includes(name)) throw new Error(`BUG: \${${name}} is not a variable Terraform passes to this file`);
    return '${' + name + '}';
  });
}
