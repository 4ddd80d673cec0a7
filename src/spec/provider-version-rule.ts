import type { ResolvedSpec } from './defaults.js';
import type { IssueCode } from '../issue-codes.js';
import { showValue } from '../show-value.js';

type Report = (code: IssueCode, pointer: string, message: string, severity?: 'error' | 'warning') => void;

const POINTER = '/spec/terraform/awsProviderVersion';

type Version = [number, number, number];
interface Bound {
  at: Version;
  inclusive: boolean;
}

/** The provider versions hakube's Terraform works with (the bindings are built against 6.25; 7 may break them). */
const SUPPORTED: { lo: Bound; hi: Bound; text: string } = { lo: { at: [6, 25, 0], inclusive: true }, hi: { at: [7, 0, 0], inclusive: false }, text: '>= 6.25.0, < 7.0.0' };

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * HK280: the constraint (its syntax checked by the schema) admits at least one provider version hakube supports;
 * otherwise terraform init fails to find a provider, or installs one whose arguments differ from the generated
 * Terraform. Versions are read as points on a line, the pre-release part ignored: this asks whether the ranges
 * overlap, not which release Terraform picks.
 */
export function checkProviderVersion(spec: ResolvedSpec, report: Report): void {
  const constraint = spec.terraform.awsProviderVersion;
  let lo = SUPPORTED.lo;
  let hi = SUPPORTED.hi;
  const excluded: Version[] = [];
  const raise = (b: Bound) => {
    const c = compare(b.at, lo.at);
    if (c > 0 || (c === 0 && !b.inclusive)) lo = b;
  };
  const lower = (b: Bound) => {
    const c = compare(b.at, hi.at);
    if (c < 0 || (c === 0 && !b.inclusive)) hi = b;
  };
  for (const term of constraint.split(',')) {
    const match = /^\s*(=|!=|>=|<=|>|<|~>)?\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(term);
    if (!match) return;
    const op = match[1] ?? '=';
    const at: Version = [Number(match[2]), Number(match[3] ?? 0), Number(match[4] ?? 0)];
    if (op === '>=' || op === '>') raise({ at, inclusive: op === '>=' });
    else if (op === '<=' || op === '<') lower({ at, inclusive: op === '<=' });
    else if (op === '=') {
      raise({ at, inclusive: true });
      lower({ at, inclusive: true });
    } else if (op === '!=') excluded.push(at);
    else {
      // ~> lets only the last given part grow: ~> 6.25 is >= 6.25, < 7; ~> 6.25.3 is >= 6.25.3, < 6.26.
      raise({ at, inclusive: true });
      if (match[4] !== undefined) lower({ at: [at[0], at[1] + 1, 0], inclusive: false });
      else if (match[3] !== undefined) lower({ at: [at[0] + 1, 0, 0], inclusive: false });
    }
  }
  const c = compare(lo.at, hi.at);
  const single = c === 0 && lo.inclusive && hi.inclusive && !excluded.some((v) => compare(v, lo.at) === 0);
  if (c < 0 || single) return;
  report(
    'HK280',
    POINTER,
    `${showValue(constraint)} admits no version of the hashicorp/aws provider hakube supports (${SUPPORTED.text}): terraform init would find none, or one the generated Terraform does not fit`,
  );
}
