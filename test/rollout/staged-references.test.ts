import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/generate.js';
import { mergeTerraformDocuments, type TerraformJson } from '../../src/ha/rollout-plan.js';
import { committedContents } from '../helpers/files.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const TUTORIAL_TEXT = readFileSync(join(REPO_ROOT, 'examples/myfirstcluster.yaml'), 'utf8');
const FIVE_TEXT = readFileSync(join(REPO_ROOT, 'examples/five-members.yaml'), 'utf8');

type Blocks = Record<string, Record<string, unknown>>;

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'hakube-staged-refs-'));
});

function merged(files: Map<string, string>): TerraformJson {
  return mergeTerraformDocuments([...files].filter(([p]) => p.endsWith('.tf.json')).map(([, t]) => JSON.parse(t) as TerraformJson));
}

/**
 * What `terraform validate` reports first as "Reference to undeclared resource", found independently of hakube's own
 * parser: every `type.name` and `data.type.name` inside a `${...}` of the folder, and every bucket object hash key
 * read from the hashes local, that the folder does not declare.
 */
function undeclared(files: Map<string, string>): string[] {
  const tf = merged(files);
  const resources = (tf.resource ?? {}) as Blocks;
  const data = (tf.data ?? {}) as Blocks;
  const hashes = ((tf.locals ?? {}) as { bucket_object_hashes?: Record<string, string> }).bucket_object_hashes ?? {};
  const text = JSON.stringify({ resource: tf.resource, data: tf.data, output: tf.output, locals: tf.locals });
  const missing = new Set<string>();
  for (const [template] of text.matchAll(/\$\{[^}]*\}/g)) {
    for (const m of template.replace(/\\"[^"\\]*\\"/g, '').matchAll(/(?<![\w.])(data\.)?(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)/g)) {
      const declared = m[1] ? data[m[2]!]?.[m[3]!] : resources[m[2]!]?.[m[3]!];
      if (declared === undefined) missing.add(m[0]);
    }
  }
  for (const m of text.matchAll(/local\.bucket_object_hashes\[\\"([^"\\]+)\\"\]/g)) if (!(m[1]! in hashes)) missing.add(`hash of ${m[1]}`);
  return [...missing].sort();
}

/** Generates `from` into a folder, then rolls it to `to` step by step; returns each step's committed files. */
async function rollout(from: string, to: string): Promise<Array<{ files: Map<string, string>; pending: string[] }>> {
  const dir = mkdtempSync(join(work, 'case-'));
  const out = join(dir, 'out');
  const spec = join(dir, 'cluster.yaml');
  writeFileSync(spec, from);
  await generate(spec, { outDir: out, now: NOW });
  const steps = [{ files: committedContents(out), pending: [] as string[] }];
  writeFileSync(spec, to);
  let result = await generate(spec, { outDir: out, now: NOW });
  for (let i = 0; i < 8; i++) {
    steps.push({ files: committedContents(out), pending: result.pending });
    if (result.pending.length === 0) return steps;
    result = await generate(spec, { outDir: out, now: NOW, rollout: 'next' });
  }
  throw new Error('the rollout did not end');
}

function objectsOfMember(tf: TerraformJson, member: string): Record<string, unknown> {
  const objects = ((tf.resource ?? {}) as Blocks).aws_s3_object ?? {};
  return Object.fromEntries(Object.entries(objects).filter(([name]) => name.startsWith(`control_plane_members_${member.replace(/-/g, '_')}_`)));
}

describe('staged steps declare everything they refer to', () => {
  it('growing the control plane from 3 to 5: no step refers to a member it holds back (outputs, bucket objects, hashes)', async () => {
    const steps = await rollout(TUTORIAL_TEXT, TUTORIAL_TEXT.replace('    count: 3\n', '    count: 5\n'));
    expect(steps.length).toBeGreaterThan(3);
    for (const [i, step] of steps.entries()) expect(undeclared(step.files), `step ${i}`).toEqual([]);
    // A new member's certificates are uploaded with it, not before.
    const first = merged(steps[1]!.files);
    expect(Object.keys(objectsOfMember(first, 'control-plane-4'))).toEqual([]);
    const outputs = JSON.stringify(first.output);
    expect(outputs).not.toContain('control_plane_4');
  });

  it('shrinking the control plane from 5 to 3: a held member keeps its etcd certificates and keys in the bucket until it is released', async () => {
    const five = FIVE_TEXT;
    const steps = await rollout(five, five.replace('    count: 5\n', '    count: 3\n'));
    const before = merged(steps[0]!.files);
    const beforeHashes = (before.locals as { bucket_object_hashes: Record<string, string> }).bucket_object_hashes;
    for (const [i, step] of steps.entries()) {
      expect(undeclared(step.files), `step ${i}`).toEqual([]);
      const tf = merged(step.files);
      const hashes = (tf.locals as { bucket_object_hashes: Record<string, string> }).bucket_object_hashes;
      const instances = ((tf.resource ?? {}) as Blocks).aws_instance ?? {};
      for (const member of ['control-plane-4', 'control-plane-5']) {
        const running = instances[member.replace(/-/g, '_')] !== undefined;
        const objects = objectsOfMember(tf, member);
        // While the member runs, its objects are exactly as they were (same configuration, same content hash).
        if (running) {
          expect(objects, `step ${i}: ${member}`).toEqual(objectsOfMember(before, member));
          for (const key of Object.keys(beforeHashes).filter((k) => k.includes(`/${member}/`))) expect(hashes[key], `step ${i}: ${key}`).toBe(beforeHashes[key]);
        } else {
          expect(objects, `step ${i}: ${member}`).toEqual({});
        }
      }
    }
    expect(steps[1]!.pending).toContain('control-plane-5');
  });
});
