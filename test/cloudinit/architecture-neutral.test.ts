import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitCloudInit } from '../../src/emit/cloudinit/index.js';
import { EXAMPLES, exampleModel } from './examples.js';

/** Every template a machine runs or is handed (user data, bucket scripts, add-on installers). */
function templates(): Array<[string, string]> {
  const read = (dir: string) =>
    readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e): [string, string] => [join(dir, e.name), readFileSync(join(dir, e.name), 'utf8')]);
  return [...read('templates'), ...read('templates/partials')];
}

/** A name of one architecture: a machine of the other one would download or expect the wrong thing. */
const ONE_ARCHITECTURE = /amd64|x86_64|aarch64|arm64/;

describe('what machines download is for their own architecture', () => {
  it('names no architecture in any template: downloads use the machine\'s own (dpkg --print-architecture)', () => {
    for (const [path, text] of templates()) {
      text.split('\n').forEach((line, i) => expect(line, `${path}:${i + 1}`).not.toMatch(ONE_ARCHITECTURE));
    }
  });

  it('downloads every release tarball as linux-$arch, with arch read from dpkg on the machine, and checks it against upstream sums', () => {
    const downloads = templates().flatMap(([path, text]) => text.split('\n').filter((l) => /linux-/.test(l)).map((l) => [path, l] as const));
    expect(downloads.length).toBeGreaterThan(0);
    for (const [path, line] of downloads) expect(line, path).toMatch(/linux-\$arch/);
    for (const [path, text] of templates()) {
      if (!text.includes('linux-$arch')) continue;
      expect(text, path).toContain('arch=$(dpkg --print-architecture)');
      expect(text, path).toMatch(/sha256sum --check --strict/);
    }
  });

  it.each(EXAMPLES)('%s: no user data names an architecture, arm64 groups included', (example) => {
    const model = exampleModel(example);
    for (const file of emitCloudInit(model)) expect(String(file.content), file.path).not.toMatch(ONE_ARCHITECTURE);
  });
});
