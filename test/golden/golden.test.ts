import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JWKS_FILE } from '../../src/emit/oidc/discovery-documents.js';
import { BUCKET_OBJECT_HASHES_FILE } from '../../src/emit/terraform/bucket-object-hashes.js';
import { MANIFEST_FILE } from '../../src/output/owned-files.js';
import { committedFiles, driftedFiles } from '../helpers/golden.js';
import * as mask from '../helpers/golden-mask.mjs';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';

function unifiedDiff(expected: string, actual: string): string {
  const r = spawnSync('diff', ['-u', '--label', 'committed', '--label', 'generated', expected, actual], { encoding: 'utf8' });
  return r.stdout.split('\n').slice(0, 80).join('\n');
}

const examples = readdirSync(join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.yaml')).sort();

it('the golden mask names the files hakube writes (scripts/update-golden.mjs reads it without the sources)', () => {
  expect({ jwks: mask.JWKS_FILE, hashes: mask.BUCKET_OBJECT_HASHES_FILE, manifest: mask.MANIFEST_FILE }).toEqual({
    jwks: JWKS_FILE,
    hashes: BUCKET_OBJECT_HASHES_FILE,
    manifest: MANIFEST_FILE,
  });
});

describe('golden output: generate on each example equals the committed generated/<name>/', () => {
  for (const example of examples) {
    it(example, () => {
      const out = join(mkdtempSync(join(tmpdir(), 'hakube-golden-')), 'out');
      const r = runCli(['generate', join('examples', example), '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      const name = /^ {2}name: (\S+)$/m.exec(readFileSync(join(REPO_ROOT, 'examples', example), 'utf8'))![1];
      const committedDir = join(REPO_ROOT, 'generated', name);
      const committed = committedFiles(committedDir);
      const fresh = committedFiles(out);
      expect(fresh, `file list drifted from generated/${name}; run npm run golden:update`).toEqual(committed);
      const drifted = driftedFiles(committedDir, out);
      const report = drifted.map((f) => `--- ${f}\n${unifiedDiff(join(committedDir, f), join(out, f))}`).join('\n');
      expect(drifted, `output drifted from generated/${name} (run npm run golden:update if intended):\n${report}`).toEqual([]);
    });
  }
});
