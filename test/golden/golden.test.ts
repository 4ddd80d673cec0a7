import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUCKET_OBJECT_HASHES_FILE } from '../../src/emit/terraform/bucket-object-hashes.js';
import { listFiles, UNCOMMITTED } from '../helpers/files.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';


function committedFiles(dir: string): string[] {
  return listFiles(dir).filter((f) => !UNCOMMITTED.some((u) => f.startsWith(u)));
}

/**
 * bucket-object-hashes.tf.json records the sha256 of every uploaded file, key material included; a fresh run makes
 * fresh keys, so those hashes are compared as a mask (add-on hashes, which follow from the spec, exactly).
 * test/generate/cross-checks.test.ts checks every recorded hash against the file it names.
 */
function comparable(file: string, bytes: Buffer): Buffer {
  if (file !== BUCKET_OBJECT_HASHES_FILE) return bytes;
  return Buffer.from(bytes.toString('utf8').replace(/^( {6}"(?:control-plane|nodes)\/(?!addons\/)[^"]+": )"[0-9a-f]{64}"/gm, '$1"<sha256 of key material>"'));
}

function unifiedDiff(expected: string, actual: string): string {
  const r = spawnSync('diff', ['-u', '--label', 'committed', '--label', 'generated', expected, actual], { encoding: 'utf8' });
  return r.stdout.split('\n').slice(0, 80).join('\n');
}

const examples = readdirSync(join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.yaml')).sort();

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
      const drifted = fresh.filter((f) => !comparable(f, readFileSync(join(out, f))).equals(comparable(f, readFileSync(join(committedDir, f)))));
      const report = drifted.map((f) => `--- ${f}\n${unifiedDiff(join(committedDir, f), join(out, f))}`).join('\n');
      expect(drifted, `output drifted from generated/${name} (run npm run golden:update if intended):\n${report}`).toEqual([]);
    });
  }
});
