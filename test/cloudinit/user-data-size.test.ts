import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { emitCloudInit } from '../../src/emit/cloudinit/index.js';
import { COMPRESSOR_MARGIN_BYTES, USER_DATA_LIMIT_BYTES, userDataSizes, worstCaseUserData } from '../../src/emit/cloudinit/user-data-size.js';
import { validateText } from '../../src/spec/validate.js';
import { hasStackTrace, runCli } from '../helpers/run-cli.js';
import { BASE_SPEC, lineOf, withLine } from '../helpers/spec-text.js';
import { EXAMPLES as TERRAFORM_EXAMPLES } from '../terraform/synthesized.js';
import { exampleModel } from './examples.js';
import { renderTemplatefile } from './templatefile.js';

/**
 * EC2 limits user data to 16 KB "in raw form, before it is base64-encoded" (EC2 User Guide, "Run commands when you
 * launch an EC2 instance with user data input"); a launch template documents "You must provide base64-encoded text.
 * User data is limited to 16 KB" (EC2 API Reference, RequestLaunchTemplateData). generate measures every machine's
 * user data with the longest values Terraform can fill in and refuses the spec (HK234) before writing anything.
 */
const tmp = mkdtempSync(join(tmpdir(), 'hakube-user-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(TERRAFORM_EXAMPLES)('user data of %s', (example) => {
  const model = exampleModel(example);
  const files = emitCloudInit(model);

  test('every machine fits, with room for the compressor', () => {
    const sizes = userDataSizes(model, files);
    expect(sizes.map((s) => s.path).sort()).toEqual(files.map((f) => f.path).sort());
    for (const s of sizes) expect(s.bytes, s.path).toBeLessThanOrEqual(USER_DATA_LIMIT_BYTES - COMPRESSOR_MARGIN_BYTES);
  });

  test('the measured text is what templatefile() makes of the file, with values of the longest length in every placeholder', () => {
    for (const machine of worstCaseUserData(model, files)) {
      const template = String(files.find((f) => f.path === machine.path)!.content);
      const names = [...template.matchAll(/(?<!\$)\$\{([a-z_]+)\}/g)].map((m) => m[1]!);
      expect(names.length).toBeGreaterThan(0);
      const values = Object.fromEntries(names.map((n) => [n, `@@${n}@@`]));
      // The independent templatefile() of the tests, with markers: the worst-case text differs only where they are.
      const marked = renderTemplatefile(template, values).split(/@@[a-z_]+@@/);
      let at = 0;
      for (const piece of marked) {
        const found = machine.text.indexOf(piece, at);
        expect(found, machine.path).toBeGreaterThanOrEqual(at);
        at = found + piece.length;
      }
      expect(machine.text).toContain(model.name);
      expect(machine.text.length).toBeGreaterThan(template.length);
      // Counted as EC2 counts: the gzip for an instance, its base64 text for a launch template.
      const size = userDataSizes(model, files).find((s) => s.path === machine.path)!;
      const gzip = gzipSync(machine.text);
      expect(gunzipSync(gzip).toString('utf8')).toBe(machine.text);
      expect(size.bytes).toBe(size.counted === 'gzip' ? gzip.length : gzip.toString('base64').length);
      expect(size.counted).toBe(machine.path.includes('/control-plane-') ? 'gzip' : 'base64');
    }
  });
});

test('generate refuses a spec whose user data would exceed EC2\'s limit, naming the group, and writes nothing', () => {
  // Node labels are written into the group's user data (the kubelet's --node-labels); 500 of hexadecimal digits,
  // about 20 KB, do not compress into 16 KB.
  const hex = (seed: string) => createHash('sha256').update(seed).digest('hex');
  const labels = Array.from({ length: 500 }, (_, i) => `        l${hex(`key${i}`).slice(0, 16)}: v${hex(`value${i}`).slice(0, 20)}`).join('\n');
  const text = withLine('      maxSize: 2\n', `      maxSize: 2\n      labels:\n${labels}\n`, BASE_SPEC);
  expect(validateText(text, 'spec.yaml').warnings.filter((w) => w.severity === 'error')).toEqual([]);
  const spec = join(tmp, 'cluster.yaml');
  writeFileSync(spec, text);
  const out = join(tmp, 'out');
  const r = runCli(['generate', spec, '--out', out]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('HK234');
  expect(r.stderr).toContain(`${spec}:${lineOf(text, '- name: nodes')}:`);
  expect(r.stderr).toMatch(/\/spec\/instanceGroups\/0 +error HK234: the user data of instance group nodes \(cloud-init\/nodes-nodes\.yaml\) takes up to \d+ bytes/);
  expect(hasStackTrace(r.stderr)).toBe(false);
  expect(existsSync(out)).toBe(false);
});
