import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { terraformVariable } from './templatefile-syntax.js';

/** templates/ at the package root, found from this module's own location (src/ or dist/), never from the cwd. */
export const TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'templates');
const PARTIALS_DIR = join(TEMPLATES_DIR, 'partials');
const TEMPLATE_SUFFIX = '.hbs';

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

function createEnvironment(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper('shq', (text: unknown) => shellQuote(String(text)));
  hb.registerHelper('indent', (text: unknown, spaces: unknown) => indent(String(text), Number(spaces)));
  hb.registerHelper('json', (value: unknown) => JSON.stringify(value));
  hb.registerHelper('tf', (name: unknown) => terraformVariable(String(name)));
  for (const file of readdirSync(PARTIALS_DIR).filter((f) => f.endsWith(TEMPLATE_SUFFIX)).sort()) {
    const name = file.slice(0, -TEMPLATE_SUFFIX.length).replace(/\.[a-z]+$/, '');
    hb.registerPartial(name, readFileSync(join(PARTIALS_DIR, file), 'utf8'));
  }
  return hb;
}

let environment: typeof Handlebars | undefined;
const compiled = new Map<string, Handlebars.TemplateDelegate>();

/**
 * Renders templates/<name>.hbs. Strict: a missing value is an error, not an empty string; no HTML escaping,
 * since the output is YAML and shell.
 */
export function renderTemplate(name: string, context: object): string {
  environment ??= createEnvironment();
  let template = compiled.get(name);
  if (!template) {
    template = environment.compile(readFileSync(join(TEMPLATES_DIR, name + TEMPLATE_SUFFIX), 'utf8'), { noEscape: true, strict: true });
    compiled.set(name, template);
  }
  return template(context);
}
