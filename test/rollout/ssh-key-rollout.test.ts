import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/generate.js';
import { mergeTerraformDocuments, type TerraformJson } from '../../src/ha/rollout-plan.js';
import { committedContents } from '../helpers/files.js';
import { keyPairAddress, UNNAMED_KEY_PAIR_ADDRESS } from '../../src/emit/terraform/addresses.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { TEST_SSH_PUBLIC_KEY } from '../helpers/ssh-keys.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const TUTORIAL_TEXT = readFileSync(join(REPO_ROOT, 'examples/myfirstcluster.yaml'), 'utf8');
const TUTORIAL_KEY = /publicKey: (.*)\n/.exec(TUTORIAL_TEXT)![1]!;

type Blocks = Record<string, Record<string, Record<string, unknown>>>;

function resources(files: Map<string, string>): Blocks {
  const tf = mergeTerraformDocuments([...files].filter(([p]) => p.endsWith('.tf.json')).map(([, t]) => JSON.parse(t) as TerraformJson));
  return (tf.resource ?? {}) as Blocks;
}

/** Each launch template's key pair as an apply would see it: the template's reference and that key pair's block. */
function keyPairsOfTemplates(files: Map<string, string>): Record<string, unknown> {
  const all = resources(files);
  return Object.fromEntries(
    Object.entries(all.aws_launch_template ?? {}).map(([name, template]) => {
      const ref = /^\$\{aws_key_pair\.([^.]+)\.key_name\}$/.exec(String(template.key_name))?.[1];
      return [name, ref === undefined ? template.key_name : all.aws_key_pair?.[ref]];
    }),
  );
}

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'hakube-ssh-key-'));
});

describe('a new SSH key during a control-plane rollout', () => {
  it('keeps the key pair the held worker launch templates use until the workers are released, then removes it', async () => {
    const dir = mkdtempSync(join(work, 'case-'));
    const out = join(dir, 'out');
    const spec = join(dir, 'cluster.yaml');
    writeFileSync(spec, TUTORIAL_TEXT);
    await generate(spec, { outDir: out, now: NOW });
    const first = committedContents(out);
    writeFileSync(spec, TUTORIAL_TEXT.replace(TUTORIAL_KEY, TEST_SSH_PUBLIC_KEY));

    let result = await generate(spec, { outDir: out, now: NOW });
    expect(result.pending).toContain('workers');
    for (let step = 1; result.pending.includes('workers'); step++) {
      // While the workers wait, their templates and the key pair those name (address and configuration) are as before.
      expect(keyPairsOfTemplates(committedContents(out)), `step ${step}`).toEqual(keyPairsOfTemplates(first));
      expect(step).toBeLessThan(5);
      result = await generate(spec, { outDir: out, now: NOW, rollout: 'next' });
    }
    const last = resources(committedContents(out));
    expect(Object.values(last.aws_key_pair ?? {}).map((k) => k.public_key)).toEqual([TEST_SSH_PUBLIC_KEY]);
  });
});

/** Rewrites a generated folder as hakube wrote it before the key pair was named for its key. */
function asWrittenWithUnnamedKeyPair(out: string): void {
  const named = keyPairAddress(TUTORIAL_KEY);
  for (const file of readdirSync(out).filter((f) => f.endsWith('.tf.json'))) {
    const doc = JSON.parse(readFileSync(join(out, file), 'utf8').replaceAll(named, UNNAMED_KEY_PAIR_ADDRESS)) as TerraformJson;
    const keyPairs = (doc.resource as Blocks | undefined)?.aws_key_pair;
    if (keyPairs) {
      keyPairs.cluster = keyPairs[named.slice('aws_key_pair.'.length)]!;
      delete keyPairs[named.slice('aws_key_pair.'.length)];
    }
    delete doc.moved;
    writeFileSync(join(out, file), JSON.stringify(doc, null, 2));
  }
  // That hakube recorded no hashes of what it wrote (src/output/writer.ts): these files are its output, not hand edits.
  const manifest = join(out, '.hakube-files');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^[0-9a-f]{64} {2}/gm, ''));
}

describe('upgrading hakube on a cluster whose key pair is not yet named for its key', () => {
  async function upgraded(text: string): Promise<{ out: string; spec: string; before: Map<string, string> }> {
    const dir = mkdtempSync(join(work, 'upgrade-'));
    const out = join(dir, 'out');
    const spec = join(dir, 'cluster.yaml');
    writeFileSync(spec, TUTORIAL_TEXT);
    await generate(spec, { outDir: out, now: NOW });
    asWrittenWithUnnamedKeyPair(out);
    const before = committedContents(out);
    writeFileSync(spec, text);
    return { out, spec, before };
  }

  it('moves the key pair to its new address in state: same configuration, a moved block, nothing replaced', async () => {
    const { out, spec, before } = await upgraded(TUTORIAL_TEXT);
    await generate(spec, { outDir: out, now: NOW });
    const doc = JSON.parse(readFileSync(join(out, 'image-and-ssh-key.tf.json'), 'utf8')) as TerraformJson;
    expect(doc.moved).toEqual([{ from: UNNAMED_KEY_PAIR_ADDRESS, to: keyPairAddress(TUTORIAL_KEY) }]);
    expect(resources(committedContents(out)).aws_key_pair).toEqual({ [keyPairAddress(TUTORIAL_KEY).slice('aws_key_pair.'.length)]: resources(before).aws_key_pair!.cluster });
  });

  it('during a control-plane rollout keeps the old key pair for the held workers and leaves out the move until they are released', async () => {
    const { out, spec, before } = await upgraded(TUTORIAL_TEXT.replace('kubernetesVersion: 1.34.2', 'kubernetesVersion: 1.34.3'));
    let result = await generate(spec, { outDir: out, now: NOW });
    expect(result.pending).toContain('workers');
    for (let step = 1; result.pending.includes('workers'); step++) {
      const files = committedContents(out);
      expect(keyPairsOfTemplates(files), `step ${step}`).toEqual(keyPairsOfTemplates(before));
      expect(JSON.parse(files.get('image-and-ssh-key.tf.json')!).moved, `step ${step}`).toBeUndefined();
      expect(step).toBeLessThan(5);
      result = await generate(spec, { outDir: out, now: NOW, rollout: 'next' });
    }
    expect(Object.keys(resources(committedContents(out)).aws_key_pair ?? {})).toEqual([keyPairAddress(TUTORIAL_KEY).slice('aws_key_pair.'.length)]);
  });
});
