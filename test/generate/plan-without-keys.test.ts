import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { addonFileNames } from '../../src/emit/addons/index.js';
import { BUCKET_OBJECT_HASHES_FILE, recordedObjectHashes } from '../../src/emit/terraform/bucket-object-hashes.js';
import { bucketObjects } from '../../src/model/bucket-layout.js';
import { validateFile } from '../../src/spec/validate.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';

const SPEC = join(REPO_ROOT, 'examples/private-multigroup.yaml');
let out = '';

beforeAll(() => {
  out = join(mkdtempSync(join(tmpdir(), 'hakube-plan-keys-')), 'out');
  const r = runCli(['generate', SPEC, '--out', out]);
  if (r.code !== 0) throw new Error(`test setup: generate failed: ${r.stderr}`);
});

/** Every string in a JSON document with the path of keys that leads to it. */
function strings(value: unknown, path: string[] = []): Array<[string[], string]> {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, [...path, String(i)]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, [...path, k]));
  return [];
}

describe('terraform plan needs no private file', () => {
  it('no Terraform expression reads pki/, users/ or the kubeconfig: only aws_s3_object sources (read by apply) name them', () => {
    const tfFiles = readdirSync(out).filter((f) => f.endsWith('.tf.json'));
    expect(tfFiles).toContain(BUCKET_OBJECT_HASHES_FILE);
    const mentions: string[] = [];
    for (const file of tfFiles) {
      for (const [path, value] of strings(JSON.parse(readFileSync(join(out, file), 'utf8')))) {
        // Local paths are addressed from path.module; bucket keys and IAM resources (control-plane/pki/...) are not files.
        if (!/path\.module\W+(pki\/|users\/|kubeconfig)/.test(value)) continue;
        const isUploadSource = path[0] === 'resource' && path[1] === 'aws_s3_object' && path[3] === 'source';
        if (!isUploadSource) mentions.push(`${file}: ${path.join('.')} = ${value}`);
        else expect(value, `${file}: ${path.join('.')}`).toMatch(/^\$\{path\.module\}\/(pki|users)\/[^$]+$/);
      }
      // No file function, which plan would run, except the hash of a committed public discovery document (oidc/).
      const fileCalls = readFileSync(join(out, file), 'utf8').match(/\b(file|filemd5|filesha256|filebase64|filebase64sha256|fileexists)\([^)]*\)/g) ?? [];
      for (const call of fileCalls) expect(call, file).toMatch(/^filesha256\(join\(\\"\/\\", \[path\.module, \\"oidc\/[a-z-]+\.json\\"\]\)$/);
    }
    expect(mentions).toEqual([]);
  });

  it('records the sha256 of every uploaded file, and each object uses its own recorded hash', () => {
    const { model } = validateFile(SPEC);
    const objects = bucketObjects(model, addonFileNames(model));
    const recorded = recordedObjectHashes(JSON.parse(readFileSync(join(out, BUCKET_OBJECT_HASHES_FILE), 'utf8')));
    expect([...recorded.keys()].sort()).toEqual(objects.map((o) => o.key).sort());
    for (const o of objects) {
      expect(recorded.get(o.key), o.key).toBe(createHash('sha256').update(readFileSync(join(out, o.source))).digest('hex'));
    }
    const secrets = JSON.parse(readFileSync(join(out, 'secrets.tf.json'), 'utf8')) as { resource: { aws_s3_object: Record<string, { key: string; source_hash: string }> } };
    for (const object of Object.values(secrets.resource.aws_s3_object)) {
      expect(object.source_hash).toBe(`\${local.bucket_object_hashes["${object.key}"]}`);
    }
  });

  it('the recorded hashes change when a certificate is re-issued, and only those lines', async () => {
    const before = readFileSync(join(out, BUCKET_OBJECT_HASHES_FILE), 'utf8');
    const { rmSync } = await import('node:fs');
    rmSync(join(out, 'pki/front-proxy-client.crt'));
    rmSync(join(out, 'pki/front-proxy-client.key'));
    const r = runCli(['generate', SPEC, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('changed    bucket-object-hashes.tf.json');
    const after = readFileSync(join(out, BUCKET_OBJECT_HASHES_FILE), 'utf8');
    const changed = after.split('\n').filter((line, i) => line !== before.split('\n')[i]);
    expect(changed.map((l) => l.trim().split('"')[1])).toEqual(['control-plane/pki/front-proxy-client.crt', 'control-plane/pki/front-proxy-client.key']);
  });
});
