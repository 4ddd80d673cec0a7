import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The text of every template, by name (its file name without `.hbs`), and of every partial. */
export interface TemplateSources {
  templates: Record<string, string>;
  partials: Record<string, string>;
}

export const TEMPLATE_SUFFIX = '.hbs';

/** Every `.hbs` file of `dir`, by file name without the suffix, in name order. */
function readTemplateDir(dir: string): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith(TEMPLATE_SUFFIX)).sort()) {
    sources[file.slice(0, -TEMPLATE_SUFFIX.length)] = readFileSync(join(dir, file), 'utf8');
  }
  return sources;
}

/** The templates of a templates/ folder and of its partials/. */
export function readTemplateSources(dir: string): TemplateSources {
  return { templates: readTemplateDir(dir), partials: readTemplateDir(join(dir, 'partials')) };
}

/**
 * templates/ at the package root, read from this module's own location (src/), never from the cwd. The bundle
 * (scripts/build.mjs) replaces this module with one holding the same texts, read at build time.
 */
export function templateSources(): TemplateSources {
  return readTemplateSources(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'templates'));
}
