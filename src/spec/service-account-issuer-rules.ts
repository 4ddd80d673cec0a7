import { serviceAccountRoleId, serviceAccountRoleName } from '../model/service-account-issuer.js';
import type { IssueCode } from '../issue-codes.js';
import type { ResolvedSpec } from './defaults.js';
import { showValue } from '../show-value.js';

type Report = (code: IssueCode, pointer: string, message: string, severity?: 'error' | 'warning') => void;

/**
 * An S3 bucket name usable in a virtual-hosted https URL: no dots (they break the wildcard TLS certificate of
 * s3.<region>.amazonaws.com), none of the prefixes and suffixes S3 reserves.
 */
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const RESERVED_BUCKET_AFFIXES = [/^xn--/, /^sthree-/, /^amzn-s3-demo-/, /-s3alias$/, /--ol-s3$/, /--x-s3$/, /\.mrap$/];

/** A managed policy of AWS or of an account, in any partition. */
const POLICY_ARN = /^arn:aws(-[a-z]+)*:iam::(aws|[0-9]{12}):policy\/[\w+=,.@/-]{1,512}$/;

/** HK293-HK299: the discovery bucket and the service accounts that get IAM roles. */
export function checkServiceAccountIssuer(spec: ResolvedSpec, report: Report): void {
  const discovery = spec.serviceAccountIssuerDiscovery;
  if (discovery) {
    const name = discovery.discoveryStore;
    if (!BUCKET_NAME.test(name) || RESERVED_BUCKET_AFFIXES.some((r) => r.test(name))) {
      report(
        'HK293',
        '/spec/serviceAccountIssuerDiscovery/discoveryStore',
        `discoveryStore ${showValue(name)} is not a bucket name hakube can publish the issuer from: 3 to 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit, no dots (the issuer URL https://<bucket>.s3.<region>.amazonaws.com must match S3's certificate), e.g. ${spec.name.replace(/\./g, '-').slice(0, 40)}-oidc`,
      );
    }
  }
  const permissions = spec.iam.serviceAccountExternalPermissions;
  if (permissions.length > 0 && !discovery?.enableAWSOIDCProvider) {
    report(
      'HK294',
      '/spec/iam/serviceAccountExternalPermissions',
      discovery
        ? 'service-account roles trust the cluster\'s IAM OIDC provider, which serviceAccountIssuerDiscovery.enableAWSOIDCProvider: false leaves out; set it to true'
        : 'service-account roles need the cluster\'s issuer published and trusted by IAM: add serviceAccountIssuerDiscovery (discoveryStore: a new bucket name, enableAWSOIDCProvider: true)',
    );
  }
  const seen = new Map<string, number>();
  const named = new Map<string, string>();
  const slug = spec.name.replace(/\./g, '-');
  permissions.forEach((p, i) => {
    const at = `/spec/iam/serviceAccountExternalPermissions/${i}`;
    const pair = `${p.namespace}/${p.name}`;
    const first = seen.get(pair);
    if (first !== undefined) report('HK295', at, `service account ${pair} is already listed at index ${first}; give each service account one entry`);
    else {
      seen.set(pair, i);
      for (const name of [serviceAccountRoleName(slug, p.namespace, p.name), serviceAccountRoleId(p.namespace, p.name)]) {
        const other = named.get(name);
        if (other) report('HK299', at, `service accounts ${other} and ${pair} would get the same IAM role ${name} (hyphens and dots in names map alike); rename one of them`);
        else named.set(name, pair);
      }
    }
    p.policyARNs.forEach((arn, j) => {
      if (!POLICY_ARN.test(arn)) {
        report('HK296', `${at}/aws/policyARNs/${j}`, `${showValue(arn)} is not an IAM managed policy ARN; they look like arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess or arn:aws:iam::123456789012:policy/my-policy`);
      }
    });
    if (p.inlinePolicy !== undefined) {
      const problem = inlinePolicyProblem(p.inlinePolicy);
      if (problem) report('HK297', `${at}/aws/inlinePolicy`, `the inline policy of ${pair} ${problem}`);
    }
    if (p.policyARNs.length === 0 && p.inlinePolicy === undefined) {
      report('HK298', `${at}/aws`, `service account ${pair} gets a role with no permission; give aws.policyARNs, aws.inlinePolicy or both`);
    }
  });
}

function inlinePolicyProblem(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'is not valid JSON; write the policy document as a JSON string (a YAML block scalar keeps it readable)';
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return 'is not a JSON object; write a policy document with Version and Statement';
  const statement = (doc as Record<string, unknown>).Statement;
  const statements = Array.isArray(statement) ? statement : [statement];
  if (statement === undefined || statements.length === 0 || statements.some((s) => s === null || typeof s !== 'object' || Array.isArray(s))) {
    return 'has no Statement (an object or a non-empty list of objects); IAM would refuse it at apply';
  }
  return undefined;
}
