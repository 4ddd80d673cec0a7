import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';

const CI_DIR = join(REPO_ROOT, 'examples/ci');

/** Every shell line of a CI file's jobs (GitHub `run:`, GitLab `script:`). */
function shellLines(document: unknown): string[] {
  const lines: string[] = [];
  const visit = (value: unknown, key?: string) => {
    if (typeof value === 'string' && (key === 'run' || key === 'script')) lines.push(...value.split('\n'));
    else if (Array.isArray(value)) value.forEach((v) => visit(v, key === 'script' ? 'script' : undefined));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, k);
  };
  visit(document);
  return lines;
}

describe('the pull-request pipelines users copy (examples/ci)', () => {
  const files = readdirSync(CI_DIR).filter((f) => f.endsWith('.yml'));

  it.each(files)('%s parses, and every hakube command and flag it runs exists', (file) => {
    const lines = shellLines(parse(readFileSync(join(CI_DIR, file), 'utf8')));
    const calls = lines.flatMap((l) => [...l.matchAll(/\$HAKUBE ([a-z-]+(?: (?:status|next|check|renew))?)((?: [^;|>&)]+)?)/g)]);
    const commands = new Set(calls.map((c) => c[1]));
    // The pipeline's whole point: validate, check the folder, check the plan, follow the rollout.
    expect([...commands].sort()).toEqual(['generate', 'plan-check', 'rollout status', 'validate']);
    for (const [, command, rest] of calls) {
      const help = runCli([...command!.split(' '), '--help']);
      expect(help.code, `${command} --help`).toBe(0);
      for (const flag of (rest ?? '').match(/--?[a-z][a-z-]*/g) ?? []) expect(help.stdout, `${file}: ${command} ${flag}`).toContain(flag);
    }
  });
});
