import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { emitCloudInit } from '../../src/emit/cloudinit/index.js';
import { COMPRESSOR_MARGIN_BYTES, userDataSizes, worstCaseUserData } from '../../src/emit/cloudinit/user-data-size.js';
import { validateFile } from '../../src/spec/validate.js';
import { terraformSetup } from '../helpers/terraform/terraform-cli.js';
import { EXAMPLES } from '../terraform/synthesized.js';

/**
 * generate measures user data with zlib; Terraform compresses it with Go's compress/gzip at the default level
 * (hashicorp/terraform internal/lang/funcs Base64GzipFunc: `gzip.NewWriter(&b)`). Here the real terraform's
 * base64gzip() of each example machine's worst-case user data must come within COMPRESSOR_MARGIN_BYTES of what
 * generate counts, so the room generate keeps below EC2's limit covers the difference.
 */
const tmp = mkdtempSync(join(tmpdir(), 'hakube-user-data-real-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test.each(EXAMPLES)('terraform base64gzip of the user data of %s is what generate counts, within the margin', (example) => {
  const { model } = validateFile(example);
  const files = emitCloudInit(model);
  const machines = worstCaseUserData(model, files);
  const counted = new Map(userDataSizes(model, files).map((s) => [s.path, s]));
  const dir = mkdtempSync(join(tmp, 'console-'));
  machines.forEach((m, i) => writeFileSync(join(dir, `${i}.yaml`), m.text));
  const input = `jsonencode([${machines.map((_, i) => `length(base64gzip(file("${i}.yaml")))`).join(', ')}])\n`;
  const r = spawnSync('terraform', ['console'], { cwd: dir, input, encoding: 'utf8', env: terraformSetup().env, timeout: 120_000 });
  expect(r.stderr).toBe('');
  const lengths = JSON.parse(JSON.parse(r.stdout.trim()) as string) as number[];
  expect(lengths).toHaveLength(machines.length);
  machines.forEach((m, i) => {
    const base64 = lengths[i]!;
    // A base64 text of n characters holds at most 3n/4 bytes.
    const terraformCounts = m.counted === 'gzip' ? Math.ceil((base64 * 3) / 4) : base64;
    expect(Math.abs(terraformCounts - counted.get(m.path)!.bytes), m.path).toBeLessThanOrEqual(COMPRESSOR_MARGIN_BYTES);
  });
});
