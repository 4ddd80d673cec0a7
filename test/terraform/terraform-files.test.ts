import { describe, expect, it } from 'vitest';
import { clusterTagKey } from '../../src/emit/terraform/cluster-tags.js';
import { EXAMPLES, emitFile, strings, text } from './synthesized.js';

// '//' is a Terraform JSON comment.
const TOP_LEVEL = new Set(['//', 'resource', 'data', 'output', 'terraform', 'provider', 'locals', 'variable', 'module', 'moved']);

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]));
}

describe.each(EXAMPLES)('Terraform files of %s', (example) => {
  const emitted = emitFile(example);

  it('is one *.tf.json file per concern, each valid Terraform JSON on its own', () => {
    expect(emitted.files.map((f) => f.path)).toEqual([
      'terraform.tf.json',
      'network.tf.json',
      'security-groups.tf.json',
      'iam.tf.json',
      'image-and-ssh-key.tf.json',
      'secrets.tf.json',
      'load-balancer.tf.json',
      'control-plane.tf.json',
      'workers.tf.json',
      'node-termination.tf.json',
      ...(emitted.model.serviceAccountIssuer ? ['service-account-issuer.tf.json'] : []),
      'outputs.tf.json',
      'bucket-object-hashes.tf.json',
    ]);
    for (const [path, json] of emitted.parsed) {
      expect(Object.keys(json).length, path).toBeGreaterThan(0);
      for (const key of Object.keys(json)) expect(TOP_LEVEL.has(key), `${path}: top-level ${key}`).toBe(true);
    }
  });

  it('carries no cdktf metadata (only the hashes file has a comment, for its reviewers)', () => {
    for (const file of emitted.files) {
      if (file.path !== 'bucket-object-hashes.tf.json') expect(text(file)).not.toContain('"//"');
      expect(text(file)).not.toMatch(/cdktf|uniqueId|stackName/i);
    }
  });

  it('prints with two-space indent, sorted keys and a trailing newline', () => {
    for (const file of emitted.files) {
      expect(text(file)).toBe(`${JSON.stringify(sortedKeys(JSON.parse(text(file))), null, 2)}\n`);
    }
  });

  it('pins Terraform and the AWS provider, and configures the provider with the cluster tags', () => {
    const settings = emitted.parsed.get('terraform.tf.json') as { terraform: Record<string, unknown>; provider: { aws: Array<Record<string, unknown>> } };
    expect(settings.terraform.required_version).toBe('>= 1.10.0');
    expect(settings.terraform.required_providers).toEqual({ aws: { source: 'hashicorp/aws', version: emitted.model.terraform.awsProviderVersion } });
    const [aws] = settings.provider.aws;
    expect(aws?.region).toBe(emitted.model.region);
    expect(aws?.default_tags).toEqual([{ tags: { ...emitted.model.terraform.tags, [clusterTagKey(emitted.model)]: 'owned' } }]);
  });

  it('declares the backend of the spec, never with an absolute path', () => {
    const backend = (emitted.parsed.get('terraform.tf.json') as { terraform: { backend: Record<string, Record<string, unknown>> } }).terraform.backend;
    const spec = emitted.model.terraform.backend;
    if (spec.type === 's3') {
      expect(backend).toEqual({ s3: { bucket: spec.bucket, key: spec.key, region: spec.region, encrypt: true, use_lockfile: true } });
    } else {
      expect(backend).toEqual({ local: { path: spec.path } });
      expect(spec.path?.startsWith('/')).toBe(false);
    }
  });

  it('writes no absolute path, timestamp or escaped interpolation', () => {
    for (const file of emitted.files) {
      for (const s of strings(JSON.parse(text(file)))) {
        expect(s.value, s.path.join('/')).not.toMatch(/(^|[\s"'(])\/(work|tmp|home|root|Users|var)\//);
        expect(s.value, s.path.join('/')).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
        expect(s.value, s.path.join('/')).not.toContain('$${');
      }
    }
  });
});
