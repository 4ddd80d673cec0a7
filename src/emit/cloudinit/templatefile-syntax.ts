import { randomBytes } from 'node:crypto';

/**
 * Cloud-init files are Terraform templatefile() templates. Emitters write a placeholder for each variable
 * Terraform passes; `toTemplatefile` then escapes every other `${` and `%{` (shell variables, mostly) as `$${`
 * and `%%{`, and only then turns the placeholders into `${name}`. So no literal text can become an
 * interpolation, whatever the scripts or the spec contain. A placeholder holds a nonce drawn when hakube starts,
 * so spec text (an SSH key's comment, say) cannot write one; placeholders never reach a file, so output stays
 * deterministic.
 */
const NONCE = randomBytes(12).toString('hex');
const PLACEHOLDER = new RegExp(`@@tf:${NONCE}:([a-z_]+)@@`, 'g');

export function terraformVariable(name: string): string {
  return `@@tf:${NONCE}:${name}@@`;
}

export function toTemplatefile(text: string, variables: readonly string[]): string {
  // Function replacements: in a replacement string, `$$` would itself mean one `$`.
  const escaped = text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
  return escaped.replace(PLACEHOLDER, (_, name: string) => {
    if (!variables.includes(name)) throw new Error(`BUG: \${${name}} is not a variable Terraform passes to this file`);
    return '${' + name + '}';
  });
}

/**
 * Whether `rendered` is what Terraform's templatefile() makes of `template` for some values of its variables (each
 * variable's value is one line: bucket names, addresses, volume ids). Lets a check compare user data recorded in a
 * Terraform state with a cloud-init file without knowing the values Terraform passed.
 */
export function renderedFromTemplatefile(template: string, rendered: string): boolean {
  const pattern: string[] = [];
  let literal = '';
  const flush = () => {
    pattern.push(literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    literal = '';
  };
  for (let i = 0; i < template.length; ) {
    if (template.startsWith('$${', i) || template.startsWith('%%{', i)) {
      literal += template.slice(i + 1, i + 3);
      i += 3;
    } else if (template.startsWith('${', i)) {
      const end = template.indexOf('}', i);
      if (end < 0) return false;
      flush();
      pattern.push('[^\\n]*?');
      i = end + 1;
    } else {
      literal += template[i];
      i += 1;
    }
  }
  flush();
  return new RegExp(`^${pattern.join('')}$`).test(rendered);
}

/**
 * What Terraform's templatefile() makes of a cloud-init file written by toTemplatefile, given a value for each
 * variable: `$${` and `%%{` are literal `${` and `%{`, `${name}` is the value passed for `name`.
 */
export function fillTemplatefile(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\$\$\{|%%\{|\$\{([a-z_]+)\}/g, (match: string, name: string | undefined) => {
    if (match === '$${') return '${';
    if (match === '%%{') return '%{';
    const value = values[name!];
    if (value === undefined) throw new Error(`BUG: no value for \${${name}}`);
    return value;
  });
}
