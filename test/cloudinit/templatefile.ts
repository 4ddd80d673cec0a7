/**
 * Terraform's templatefile() as far as cloud-init files use it, written independently of the emitter: `$${` and
 * `%%{` are literal `${` and `%{`; `${name}` is replaced by the value passed for `name`, and any other `${...}`
 * or any `%{` directive is an error, as Terraform would report it.
 */
export function renderTemplatefile(text: string, variables: Record<string, string>): string {
  const token = /\$\$\{|%%\{|\$\{([^}]*)\}|%\{/g;
  return text.replace(token, (match: string, expression: string | undefined) => {
    if (match === '$${') return '${';
    if (match === '%%{') return '%{';
    if (match === '%{') throw new Error('template directive %{ found: literal %{ must be written %%{');
    const name = (expression ?? '').trim();
    if (!Object.prototype.hasOwnProperty.call(variables, name)) {
      throw new Error(`\${${name}} is not a variable passed to templatefile() (passed: ${Object.keys(variables).join(', ')})`);
    }
    return variables[name]!;
  });
}

/** Realistic values, for the checks that run the rendered file (cloud-init schema, shellcheck). */
export function realisticValues(names: readonly string[]): Record<string, string> {
  const examples: Record<string, string> = {
    bucket: 'myfirstcluster-k8s-local-secrets-20250101',
    api_endpoint: 'api-myfirstcluster-0123456789abcdef.elb.us-west-2.amazonaws.com',
    etcd_volume_id: 'vol-0123456789abcdef0',
  };
  return Object.fromEntries(
    names.map((name) => {
      const value = examples[name];
      if (value === undefined) throw new Error(`no example value for ${name}`);
      return [name, value];
    }),
  );
}
