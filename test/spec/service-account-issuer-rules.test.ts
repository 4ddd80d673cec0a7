import { describe, expect, it } from 'vitest';
import { BASE_SPEC, issuesOf, lineOf, only, withLine } from '../helpers/spec-text.js';

const DISCOVERY = '  serviceAccountIssuerDiscovery:\n    discoveryStore: test-k8s-local-oidc\n    enableAWSOIDCProvider: true\n';

/** BASE_SPEC with the discovery block and service-account permissions (YAML lines under `iam:`). */
function spec(permissions: string, discovery = DISCOVERY): string {
  return withLine('  controlPlane:\n', `${discovery}  iam:\n    serviceAccountExternalPermissions:\n${permissions}  controlPlane:\n`);
}

const S3_READER = '      - name: reader\n        namespace: apps\n        aws:\n          policyARNs: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]\n';

function expectOne(text: string, code: string, pointer: string, lineNeedle: string, message: RegExp) {
  const found = only(issuesOf(text), code);
  expect(found, JSON.stringify(issuesOf(text), null, 1)).toHaveLength(1);
  expect(found[0]?.pointer).toBe(pointer);
  expect(found[0]?.position?.line).toBe(lineOf(text, lineNeedle));
  expect(found[0]?.message).toMatch(message);
  expect(found[0]?.severity).toBe('error');
}

describe('service-account issuer rules', () => {
  it('accepts a discovery bucket with managed and inline policies', () => {
    const inline = '      - name: worker\n        namespace: jobs\n        aws:\n          inlinePolicy: \'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}\'\n';
    expect(issuesOf(spec(S3_READER + inline))).toEqual([]);
  });

  it('HK293: a bucket name with dots or capitals, or too short, is refused at its line', () => {
    for (const name of ['my.bucket.name', 'My-Bucket', 'ab', 'xn--bucket', 'bucket-']) {
      const text = spec(S3_READER, DISCOVERY.replace('test-k8s-local-oidc', name));
      expectOne(text, 'HK293', '/spec/serviceAccountIssuerDiscovery/discoveryStore', `discoveryStore: ${name}`, /3 to 63 lower-case letters/);
    }
  });

  it('HK294: permissions without the discovery, or with the provider turned off, are refused', () => {
    expectOne(spec(S3_READER, ''), 'HK294', '/spec/iam/serviceAccountExternalPermissions', 'serviceAccountExternalPermissions', /add serviceAccountIssuerDiscovery/);
    const off = spec(S3_READER, DISCOVERY.replace('enableAWSOIDCProvider: true', 'enableAWSOIDCProvider: false'));
    expectOne(off, 'HK294', '/spec/iam/serviceAccountExternalPermissions', 'serviceAccountExternalPermissions', /enableAWSOIDCProvider: false/);
  });

  it('HK295: the same namespace/name twice is refused at the second entry', () => {
    const text = spec(S3_READER + S3_READER.replace('      - name: reader', '      - name: reader # again'));
    expectOne(text, 'HK295', '/spec/iam/serviceAccountExternalPermissions/1', 'name: reader # again', /apps\/reader is already listed at index 0/);
  });

  it('HK296: a policy ARN that is not a managed policy is refused at its position', () => {
    const text = spec(S3_READER.replace('arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', 'arn:aws:iam::aws:role/admin'));
    expectOne(text, 'HK296', '/spec/iam/serviceAccountExternalPermissions/0/aws/policyARNs/0', 'arn:aws:iam::aws:role/admin', /not an IAM managed policy ARN/);
  });

  it('HK297: an inline policy that is not JSON, or has no Statement, is refused', () => {
    const entry = (policy: string) => `      - name: worker\n        namespace: jobs\n        aws:\n          inlinePolicy: '${policy}'\n`;
    const pointer = '/spec/iam/serviceAccountExternalPermissions/0/aws/inlinePolicy';
    expectOne(spec(entry('{"Version": "2012-10-17",')), 'HK297', pointer, 'inlinePolicy', /is not valid JSON/);
    expectOne(spec(entry('{"Version": "2012-10-17"}')), 'HK297', pointer, 'inlinePolicy', /has no Statement/);
    expectOne(spec(entry('{"Statement": []}')), 'HK297', pointer, 'inlinePolicy', /has no Statement/);
    expectOne(spec(entry('[1]')), 'HK297', pointer, 'inlinePolicy', /not a JSON object/);
  });

  it('HK298: an entry with neither managed nor inline policy is refused', () => {
    const text = spec('      - name: idle\n        namespace: apps\n        aws: {}\n');
    expectOne(text, 'HK298', '/spec/iam/serviceAccountExternalPermissions/0/aws', 'aws: {}', /no permission/);
  });

  it('the schema refuses a namespace that is not a DNS label and an unknown field', () => {
    const badNamespace = issuesOf(spec(S3_READER.replace('namespace: apps', 'namespace: Apps_1')));
    expect(badNamespace.map((i) => i.pointer)).toContain('/spec/iam/serviceAccountExternalPermissions/0/namespace');
    const unknown = issuesOf(withLine('  controlPlane:\n', '  serviceAccountIssuerDiscovery:\n    discoveryStore: test-oidc\n    publicRead: true\n  controlPlane:\n', BASE_SPEC));
    expect(unknown.map((i) => i.pointer)).toContain('/spec/serviceAccountIssuerDiscovery/publicRead');
  });
});

describe('service-account role collisions', () => {
  it('HK299: two accounts whose role names coincide (a-b/c and a/b-c) are refused at the second', () => {
    const first = '      - name: c\n        namespace: a-b\n        aws:\n          policyARNs: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n';
    const second = '      - name: b-c\n        namespace: a\n        aws:\n          policyARNs: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n';
    const text = spec(first + second);
    expectOne(text, 'HK299', '/spec/iam/serviceAccountExternalPermissions/1', 'name: b-c', /a-b\/c and a\/b-c would get the same IAM role test-k8s-local-sa-a-b-c/);
  });

  it('HK299: apps/a-b and apps/a.b share a Terraform name and are refused', () => {
    const entry = (name: string) => `      - name: ${name}\n        namespace: apps\n        aws:\n          policyARNs: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n`;
    expectOne(spec(entry('a-b') + entry('a.b')), 'HK299', '/spec/iam/serviceAccountExternalPermissions/1', 'name: a.b', /same IAM role sa_apps__a_b/);
  });
});
