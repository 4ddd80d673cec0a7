// Writes docs/issue-codes.md from the code registry src/issue-codes.ts (npm run gen:docs); a test checks that the
// committed file matches, so every code hakube reports is documented, once, where its rule is defined.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'docs/issue-codes.md');

/** The Markdown page for `codes` (ISSUE_CODES), one section per hundreds digit as `sections` names them. */
export function renderIssueCodes(codes, sections) {
  const lines = [
    '# Issue codes',
    '',
    'Generated from `src/issue-codes.ts` by `npm run gen:docs`; do not edit by hand.',
    'Every problem hakube reports carries one of these codes, with a JSON pointer into the spec and, where there is',
    'one, the file, line and column: `cluster.yaml:12:10  /spec/controlPlane/count  error HK200: ...`. An error stops',
    'the command (exit code 1) and nothing is written; a warning is only shown.',
  ];
  for (const [digit, title] of Object.entries(sections)) {
    const rows = Object.entries(codes).filter(([code]) => code[2] === digit);
    if (rows.length === 0) throw new Error(`section ${title} (HK${digit}xx) has no code`);
    lines.push('', `## ${title} (HK${digit}xx)`, '', '| code | severity | rule |', '|---|---|---|');
    for (const [code, { severity, rule }] of rows) lines.push(`| ${code} | ${severity} | ${rule.replace(/\|/g, '\\|')} |`);
  }
  const unsectioned = Object.keys(codes).filter((code) => !(code[2] in sections));
  if (unsectioned.length > 0) throw new Error(`no section for ${unsectioned.join(', ')}`);
  return [...lines, ''].join('\n');
}

/** The registry is TypeScript: bundled to a scratch module and imported, as scripts/build.mjs does its helpers. */
async function loadRegistry() {
  const scratch = mkdtempSync(join(tmpdir(), 'hakube-gen-code-docs-'));
  try {
    const file = join(scratch, 'issue-codes.mjs');
    await build({ entryPoints: [join(root, 'src/issue-codes.ts')], bundle: true, platform: 'node', format: 'esm', outfile: file, logLevel: 'warning' });
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { ISSUE_CODES, ISSUE_CODE_SECTIONS } = await loadRegistry();
  writeFileSync(target, renderIssueCodes(ISSUE_CODES, ISSUE_CODE_SECTIONS));
  console.log(`wrote ${target}`);
}
