import Handlebars from 'handlebars';
import { compiledTemplates } from './template-sources.js';
import { terraformVariable } from './templatefile-syntax.js';

/** Single-quoted for the shell: safe for any text. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `text` without its final line break, each line but the empty ones indented by `spaces`: the `indent` helper. */
export function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => (line === '' ? '' : pad + line))
    .join('\n');
}

/** A Handlebars environment with hakube's helpers and partials, and the templates compiled for it. */
function createEnvironment(): Record<string, Handlebars.TemplateDelegate> {
  const hb = Handlebars.create();
  hb.registerHelper('shq', (text: unknown) => shellQuote(String(text)));
  hb.registerHelper('indent', (text: unknown, spaces: unknown) => indent(String(text), Number(spaces)));
  hb.registerHelper('json', (value: unknown) => JSON.stringify(value));
  hb.registerHelper('tf', (name: unknown) => terraformVariable(String(name)));
  const { templates, partials } = compiledTemplates(hb);
  for (const [file, partial] of Object.entries(partials)) hb.registerPartial(file.replace(/\.[a-z]+$/, ''), partial);
  return templates;
}

let environmentTemplates: Record<string, Handlebars.TemplateDelegate> | undefined;

/**
 * Renders templates/<name>.hbs. Strict: a missing value is an error, not an empty string; no HTML escaping,
 * since the output is YAML and shell.
 */
export function renderTemplate(name: string, context: object): string {
  environmentTemplates ??= createEnvironment();
  const template = environmentTemplates[name];
  if (!template) throw new Error(`BUG: no template templates/${name}.hbs`);
  return template(context);
}
