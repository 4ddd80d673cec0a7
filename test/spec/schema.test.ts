import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain .mjs build script without type declarations
import { renderSpecTypes } from '../../scripts/gen-spec-types.mjs';
import { UserError } from '../../src/errors.js';
import { parseSpecText } from '../../src/spec/load.js';
import { BASE_SPEC, issuesOf, lineOf, only, withLine } from '../helpers/spec-text.js';

describe('schema and loading', () => {
  it('reports an unknown field at its key with the fields allowed there', () => {
    const text = withLine('    count: 3', '    count: 3\n    cuont: 3');
    const [issue] = only(issuesOf(text), 'HK101');
    expect(issue.pointer).toBe('/spec/controlPlane/cuont');
    expect(issue.position).toEqual({ file: 'spec.yaml', line: lineOf(text, 'cuont'), column: 5 });
    expect(issue.message).toContain('unknown field "cuont"');
    expect(issue.message).toContain('count, instanceType, architecture, zones');
  });

  it('reports a missing required field at its parent', () => {
    const text = withLine('      minSize: 2\n', '');
    const [issue] = only(issuesOf(text), 'HK102');
    expect(issue.pointer).toBe('/spec/instanceGroups/0/minSize');
    expect(issue.position?.line).toBe(lineOf(text, '- name: nodes'));
    expect(issue.message).toContain('missing required field "minSize"');
  });

  it('reports enum violations with the allowed values', () => {
    const text = withLine('    cni: calico', '    cni: flannel');
    const [issue] = only(issuesOf(text), 'HK103');
    expect(issue.pointer).toBe('/spec/network/cni');
    expect(issue.message).toBe('"flannel" is not allowed; use one of "calico", "cilium", "kubenet"');
  });

  it('reports wrong types and patterns with the field description', () => {
    const text = withLine('      maxSize: 2', '      maxSize: two', withLine('  region: us-west-2', '  region: US West'));
    const issues = issuesOf(text);
    const type = only(issues, 'HK104')[0];
    expect(type.pointer).toBe('/spec/instanceGroups/0/maxSize');
    expect(type.message).toMatch(/^expected integer, got "two"/);
    const pattern = only(issues, 'HK105')[0];
    expect(pattern.pointer).toBe('/spec/region');
    expect(pattern.message).toContain('AWS region');
    expect(pattern.position?.line).toBe(lineOf(text, 'region:'));
  });

  it('reports an unknown backend type through the discriminator', () => {
    const text = BASE_SPEC + '  terraform:\n    backend:\n      type: gcs\n';
    const [issue] = only(issuesOf(text), 'HK103');
    expect(issue.pointer).toBe('/spec/terraform/backend/type');
    expect(issue.message).toContain('use one of "local", "s3"');
  });

  it('rejects an absolute local backend path', () => {
    const text = BASE_SPEC + '  terraform:\n    backend:\n      type: local\n      path: /var/state.tfstate\n';
    expect(only(issuesOf(text), 'HK105')[0].pointer).toBe('/spec/terraform/backend/path');
  });

  it('accepts an S3 state key relative to the bucket; refuses a leading /, a .. segment, whitespace or a control character', () => {
    const spec = (key: string) => `${BASE_SPEC}  terraform:\n    backend:\n      type: s3\n      bucket: state\n      key: ${JSON.stringify(key)}\n`;
    for (const key of ['clusters/prod/terraform.tfstate', 'a..b/terraform.tfstate']) expect(issuesOf(spec(key)).filter((i) => i.pointer.startsWith('/spec/terraform'))).toEqual([]);
    for (const key of ['/prod/terraform.tfstate', '../other/terraform.tfstate', 'prod/../x', 'prod/..', 'prod state', 'prod\nstate', 'prod\u001b[31m', 'prod\u2028x']) {
      const text = spec(key);
      const [issue] = only(issuesOf(text), 'HK105');
      expect(issue?.pointer).toBe('/spec/terraform/backend/key');
      expect(issue?.position).toEqual(expect.objectContaining({ file: 'spec.yaml', line: lineOf(text, '      key:') }));
    }
  });

  it('accepts Terraform version constraints for the AWS provider (6.x among them); refuses anything else', () => {
    const spec = (v: string) => `${BASE_SPEC}  terraform:\n    awsProviderVersion: ${JSON.stringify(v)}\n`;
    for (const v of ['>= 6.25.0, < 7.0.0', '~> 6.25', '6.27.0', '= 6.30.1', '>=6.25,<7', '!= 6.26.0, >= 6.25.0', '7.0.0-beta1']) {
      // Syntax only: whether the range admits a supported provider is HK280 (rules.test.ts).
      expect(only(issuesOf(spec(v)), 'HK105')).toEqual([]);
    }
    for (const v of ['latest', '>= 6.25.0,', '>= 6.25.0\n}\nresource "x" "y" {', '6.x', '=> 6.25', '>= 6.25.0 < 7', '">= 6"']) {
      const text = spec(v);
      const [issue] = only(issuesOf(text), 'HK105');
      expect(issue?.pointer).toBe('/spec/terraform/awsProviderVersion');
      expect(issue?.position).toEqual(expect.objectContaining({ file: 'spec.yaml', line: lineOf(text, 'awsProviderVersion:') }));
    }
  });

  it('reports YAML syntax errors with their position and no stack', () => {
    const text = 'apiVersion: hakube/v1alpha1\nkind: Cluster\nspec:\n  zones: [a, b\n  region: x\n';
    let caught: unknown;
    try {
      parseSpecText(text, 'broken.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UserError);
    const issues = (caught as UserError).issues;
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0].code).toBe('HK002');
    expect(issues[0].position?.file).toBe('broken.yaml');
    expect(issues[0].position?.line).toBeGreaterThanOrEqual(4);
  });

  it('reports an alias bomb as a YAML error at the start of the file, not an internal error', () => {
    // Each level doubles the expansion: far more than the 100 alias expansions allowed.
    const levels = ['l0: &l0 [x, x]'];
    for (let i = 1; i < 10; i++) levels.push(`l${i}: &l${i} [*l${i - 1}, *l${i - 1}]`);
    const text = `${levels.join('\n')}\n`;
    let caught: unknown;
    try {
      parseSpecText(text, 'bomb.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UserError);
    const issues = (caught as UserError).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0].code).toBe('HK002');
    expect(issues[0].message).toContain('too many aliases');
    expect(issues[0].position).toEqual({ file: 'bomb.yaml', line: 1, column: 1 });
  });

  it('reports duplicate keys as a syntax error', () => {
    const text = withLine('    count: 3', '    count: 3\n    count: 5');
    const [issue] = issuesOf(text);
    expect(issue.code).toBe('HK002');
    expect(issue.position?.line).toBe(lineOf(text, 'count: 5'));
  });

  it('reads JSON specs with positions', () => {
    const json = JSON.stringify({ apiVersion: 'hakube/v1alpha1', kind: 'Cluster', metadata: { name: 'j.k8s.local' }, spec: { kubernetesVersion: '1.34.2', region: 'us-west-2', zones: ['us-west-2a'], instanceGroups: [{ name: 'n', minSize: 1, maxSize: 1, bogus: true }] } }, null, 2);
    const [issue] = only(issuesOf(json, 'spec.json'), 'HK101');
    expect(issue.pointer).toBe('/spec/instanceGroups/0/bogus');
    expect(issue.position?.line).toBe(lineOf(json, '"bogus"'));
  });

  it('reports at least 20 different mistakes in one run', () => {
    const text = `apiVersion: hakube/v1alpha2
kind: Cluster
metadata:
  name: Bad_Name
  labels: {}
spec:
  kubernetesVersion: 1.20.0
  region: us-west-2
  zones: [us-west-2a, us-west-2b, eu-west-1a]
  network:
    vpcCIDR: 172.20.0.1/16
    topology: hybrid
    podCIDR: 172.20.0.0/17
    serviceCIDR: 100.64.0.0/13
    cni: flannel
  api:
    loadBalancer: external
    allowedCIDRs: [0.0.0.0/0, 10.0.0.0/33]
  ssh:
    publicKey: not-a-key
    allowedCIDRs: [1.2.3.4]
  controlPlane:
    count: 4
    instanceType: t3.medium
    rootVolumeSize: 5
    etcdVolumeSize: 0
    termination: true
  instanceGroups:
    - name: Nodes
      minSize: 5
      maxSize: 2
    - name: workers
      minSize: -1
      maxSize: 3
      zones: [us-west-2z]
      instanceType: 7
      rootVolumeSize: lots
      taints:
        - { key: a, effect: Sometimes }
  addons:
    dashboard: { enabled: yes-please, replicas: 0 }
  users:
    - name: alice
    - name: alice
  pki:
    keyAlgorithm: dsa
  image:
    ami: ubuntu
`;
    const issues = issuesOf(text);
    const errors = issues.filter((i) => i.severity === 'error');
    const distinctPointers = new Set(errors.map((i) => i.pointer));
    expect(distinctPointers.size).toBeGreaterThanOrEqual(20);
    for (const issue of errors) {
      expect(issue.position?.file).toBe('spec.yaml');
      expect(issue.position?.line).toBeGreaterThan(0);
      expect(issue.message.length).toBeGreaterThan(10);
    }
    // Semantic rules assume schema-valid input (bounded counts, well-formed fields), so they wait until it is.
    expect(issues.filter((i) => Number(i.code.slice(2)) >= 200)).toEqual([]);
  });

  it('generated TypeScript types match the schema (npm run gen:types keeps them in step)', async () => {
    const committed = readFileSync(new URL('../../src/spec/cluster-spec.generated.ts', import.meta.url), 'utf8');
    expect(await renderSpecTypes()).toBe(committed);
  });

  it('every schema property has a description (editors show them)', () => {
    const schema = JSON.parse(readFileSync(new URL('../../schemas/cluster.schema.json', import.meta.url), 'utf8'));
    const missing: string[] = [];
    const visit = (node: unknown, path: string) => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.properties && typeof n.properties === 'object') {
        for (const [key, child] of Object.entries(n.properties as Record<string, Record<string, unknown>>)) {
          // A bare $ref shows the referenced definition's description.
          const target = typeof child.$ref === 'string' ? schema.$defs[child.$ref.replace('#/$defs/', '')] : child;
          if (typeof target?.description !== 'string') missing.push(`${path}/${key}`);
        }
        if (n.type === 'object' && n.additionalProperties !== false) missing.push(`${path} (additionalProperties)`);
      }
      for (const [k, v] of Object.entries(n)) if (typeof v === 'object') visit(v, `${path}/${k}`);
    };
    visit(schema, '');
    expect(missing).toEqual([]);
  });
});

describe('spec reference', () => {
  it('docs/spec-reference.md is generated from the schema (npm run gen:docs)', async () => {
    // @ts-expect-error: plain .mjs build script without type declarations
    const { renderSpecReference } = await import('../../scripts/gen-spec-docs.mjs');
    const committed = readFileSync(new URL('../../docs/spec-reference.md', import.meta.url), 'utf8');
    expect(renderSpecReference()).toBe(committed);
  });
});
