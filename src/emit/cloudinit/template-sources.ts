import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

/** The text of every template, by name (its file name without `.hbs`), and of every partial. */
export interface TemplateSources {
  templates: Record<string, string>;
  partials: Record<string, string>;
}

/** Every template and partial, compiled for one Handlebars environment. */
export interface CompiledTemplates {
  templates: Record<string, Handlebars.TemplateDelegate>;
  partials: Record<string, Handlebars.TemplateDelegate>;
}

const TEMPLATE_SUFFIX = '.hbs';

/**
 * Strict: a missing value is an error, not an empty string; no HTML escaping, since the output is YAML and shell.
 * Partials are compiled with the same options.
 */
const TEMPLATE_OPTIONS = { noEscape: true, strict: true };

/** Every `.hbs` file of `dir`, by file name without the suffix, in name order. */
function readTemplateDir(dir: string): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith(TEMPLATE_SUFFIX)).sort()) {
    sources[file.slice(0, -TEMPLATE_SUFFIX.length)] = readFileSync(join(dir, file), 'utf8');
  }
  return sources;
}

/** The templates of a templates/ folder and of its partials/. */
function readTemplateSources(dir: string): TemplateSources {
  return { templates: readTemplateDir(dir), partials: readTemplateDir(join(dir, 'partials')) };
}

function mapValues<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));
}

/**
 * templates/ at the package root, read from this module's own location (src/), never from the cwd, and compiled
 * for `hb` (Handlebars compiles each on its first use). The bundle (scripts/build.mjs) replaces this module with
 * precompiledTemplatesModule(), so no run reads or compiles a template.
 */
export function compiledTemplates(hb: typeof Handlebars): CompiledTemplates {
  const sources = readTemplateSources(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'templates'));
  const compile = (text: string) => hb.compile(text, TEMPLATE_OPTIONS);
  return { templates: mapValues(sources.templates, compile), partials: mapValues(sources.partials, compile) };
}

/** The source of an ES module exporting compiledTemplates() like this one, from the templates of `dir` precompiled. */
export function precompiledTemplatesModule(dir: string): string {
  const sources = readTemplateSources(dir);
  const specs = (record: Record<string, string>) =>
    `{\n${Object.entries(record)
      .map(([name, text]) => `  ${JSON.stringify(name)}: ${Handlebars.precompile(text, TEMPLATE_OPTIONS)}`)
      .join(',\n')}\n}`;
  return [
    `const templates = ${specs(sources.templates)};`,
    `const partials = ${specs(sources.partials)};`,
    'const instantiate = (hb, specs) => Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, hb.template(spec)]));',
    'export function compiledTemplates(hb) { return { templates: instantiate(hb, templates), partials: instantiate(hb, partials) }; }',
    '',
  ].join('\n');
}
