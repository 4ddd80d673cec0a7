import Handlebars from 'handlebars';
import { templateSources, TEMPLATE_SUFFIX, type TemplateSources } from './template-sources.js';
import { terraformVariable } from './templatefile-syntax.js';

/** Single-quoted for the shell: safe for any text. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => (line === '' ? '' : pad + line))
    .join('\n');
}

function createEnvironment(sources: TemplateSources): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper('shq', (text: unknown) => shellQuote(String(text)));
  hb.registerHelper('indent', (text: unknown, spaces: unknown) => indent(String(text), Number(spaces)));
  hb.registerHelper('json', (value: unknown) => JSON.stringify(value));
  hb.registerHelper('tf', (name: unknown) => terraformVariable(String(name)));
  for (const [file, text] of Object.entries(sources.partials)) hb.registerPartial(file.replace(/\.[a-z]+$/, ''), text);
  return hb;
}

let sources: TemplateSources | undefined;
let environment: typeof Handlebars | undefined;
const compiled = new Map<string, Handlebars.TemplateDelegate>();

/**
 * Renders templates/<name>.hbs. Strict: a missing value is an error, not an empty string; no HTML escaping,
 * since the output is YAML and shell.
 */
export function renderTemplate(name: string, context: object): string {
  sources ??= templateSources();
  environment ??= createEnvironment(sources);
  let template = compiled.get(name);
  if (!template) {
    const text = sources.templates[name];
    if (text === undefined) throw new Error(`BUG: no template ${name}${TEMPLATE_SUFFIX}`);
    template = environment.compile(text, { noEscape: true, strict: true });
    compiled.set(name, template);
  }
  return template(context);
}
