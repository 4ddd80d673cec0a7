// Where the Terraform tests get the real AWS provider from. Plain JavaScript so that both
// scripts/ensure-test-tools.mjs (run by node before the suite) and the test helpers use one answer.
//
// In order:
//   HAKUBE_TF_PROVIDER=registry   Terraform installs hashicorp/aws from its registry as a user's machine
//                                 would (needs the internet); the generated constraint is used as it is.
//   HAKUBE_TF_PROVIDER_MIRROR=DIR a Terraform filesystem mirror (DIR/registry.terraform.io/hashicorp/aws/VERSION/OS_ARCH/...).
//   otherwise the first of the usual mirror folders that holds the provider.
// In a mirror, the newest version wins; a 6.x provider is used unmodified, an older one with the 6.x-only
// arguments stripped (test/helpers/terraform/provider-compat.ts).
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const PROVIDER_PATH = ['registry.terraform.io', 'hashicorp', 'aws'];

/** Terraform's implicit local mirror folders on Linux, and the one this project's machines use. */
export const MIRROR_CANDIDATES = [
  '/opt/tf-plugins',
  join(homedir(), '.terraform.d', 'plugins'),
  join(homedir(), '.local', 'share', 'terraform', 'plugins'),
  '/usr/local/share/terraform/plugins',
  '/usr/share/terraform/plugins',
];

function platform() {
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? process.arch;
  return `${process.platform}_${arch}`;
}

function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** Versions of hashicorp/aws in a mirror folder that have a provider binary for this platform. */
function mirroredVersions(mirror) {
  const dir = join(mirror, ...PROVIDER_PATH);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
    .filter((v) => {
      const bin = join(dir, v, platform());
      return existsSync(bin) && readdirSync(bin).some((f) => f.startsWith('terraform-provider-aws'));
    })
    .sort(compareVersions);
}

/**
 * { kind: 'registry' } | { kind: 'mirror', mirror, version } | { kind: 'missing', message }.
 */
export function awsProviderSource(env = process.env) {
  if (env.HAKUBE_TF_PROVIDER === 'registry') return { kind: 'registry' };
  const candidates = env.HAKUBE_TF_PROVIDER_MIRROR ? [env.HAKUBE_TF_PROVIDER_MIRROR] : MIRROR_CANDIDATES;
  for (const mirror of candidates) {
    const versions = mirroredVersions(mirror);
    if (versions.length > 0) return { kind: 'mirror', mirror, version: versions[versions.length - 1] };
  }
  return {
    kind: 'missing',
    message:
      `the Terraform tests need the hashicorp/aws provider for ${platform()} and found none in ${candidates.join(', ')}. ` +
      'Either put it in a Terraform filesystem mirror (on a machine with internet: `terraform providers mirror DIR` in a folder ' +
      'whose configuration requires hashicorp/aws, then copy DIR here) and set HAKUBE_TF_PROVIDER_MIRROR=DIR, ' +
      'or let Terraform download it from its registry with HAKUBE_TF_PROVIDER=registry',
  };
}

/** The Terraform CLI configuration that installs hashicorp/aws from the chosen source, or undefined for the registry. */
export function cliConfigFor(source) {
  if (source.kind !== 'mirror') return undefined;
  const include = `"${PROVIDER_PATH.join('/')}"`;
  return [
    'provider_installation {',
    `  filesystem_mirror {\n    path    = ${JSON.stringify(source.mirror)}\n    include = [${include}]\n  }`,
    `  direct {\n    exclude = [${include}]\n  }`,
    '}',
    '',
  ].join('\n');
}
