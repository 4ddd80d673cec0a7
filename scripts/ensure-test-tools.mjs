#!/usr/bin/env node
// Makes sure the programs the integration tests run are on this machine before `npm test` starts them.
// Missing ones are installed with apt-get when this runs as root on Debian (as .ci/run always does);
// otherwise it stops at once with one message naming what is missing and the command that installs it.
// HAKUBE_NO_INSTALL=1 turns the installing off (the check stays).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { etcd35Tools, installEtcd35 } from '../test/helpers/etcd-35.mjs';
import { awsProviderSource } from '../test/helpers/terraform/provider-source.mjs';

const { tools } = JSON.parse(readFileSync(new URL('../test/required-tools.json', import.meta.url), 'utf8'));

/** Whether `command` runs at all; ENOENT or a failing version call both count as missing. */
function present(tool) {
  const r = spawnSync(tool.command, tool.versionArgs, { stdio: 'ignore', timeout: 30_000 });
  return r.error === undefined && r.status === 0;
}

const missing = () => tools.filter((t) => !present(t));

/**
 * Terraform and the AWS provider are not Debian packages: they cannot be installed here, only named. The tests
 * that plan hakube's output with them (test/terraform-real) need both.
 */
function terraformProblems() {
  const problems = [];
  const r = spawnSync('terraform', ['version'], { stdio: 'ignore', timeout: 60_000 });
  if (r.error !== undefined || r.status !== 0) {
    problems.push(
      '  terraform   (>= 1.10, HashiCorp\'s release binary or its Debian/Ubuntu apt repository): the real-Terraform tests ' +
        '(terraform validate and plan of every example). Put it on PATH.',
    );
  }
  const provider = awsProviderSource();
  if (provider.kind === 'missing') problems.push(`  hashicorp/aws provider: ${provider.message}`);
  return problems;
}

let absent = missing();
const terraformMissing = terraformProblems();
if (terraformMissing.length > 0) {
  console.error(['npm test needs Terraform and its AWS provider, which npm test cannot install:', ...terraformMissing].join('\n'));
  process.exit(1);
}
/**
 * etcd 3.5 (the restore test's `etcdutl snapshot restore --bump-revision`): Debian 13's packages, unpacked into
 * node_modules/.cache (test/helpers/etcd-35.mjs). Fetched like the tools above when this runs as root on Debian.
 */
function ensureEtcd35(canInstall) {
  if (etcd35Tools().kind === 'ok') return;
  const why = canInstall ? installEtcd35() : 'installing is off (not root, no apt-get, or HAKUBE_NO_INSTALL=1)';
  if (why === undefined) return;
  console.error(
    `npm test needs etcd 3.5 (etcd, etcdctl, etcdutl; Debian 13's etcd-server and etcd-client) for the etcd restore test: ${why}. ` +
      'As root on Debian, npm test downloads them into node_modules/.cache/hakube-test-tools/etcd-3.5 with apt-get.',
  );
  process.exit(1);
}

const canInstall =
  process.getuid?.() === 0 && process.env.HAKUBE_NO_INSTALL !== '1' && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;

if (absent.length === 0) {
  ensureEtcd35(canInstall);
  process.exit(0);
}

const packages = () => [...new Set(absent.map((t) => t.package))];
if (canInstall) {
  console.error(`npm test: installing ${packages().join(' ')} with apt-get (needed by the integration tests)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let updated = false;
  // A mirror hiccup should not fail the run: three tries, a short pause between them.
  for (let attempt = 1; attempt <= 3 && !updated; attempt++) {
    updated = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env, timeout: 300_000 }).status === 0;
    if (!updated && attempt < 3) spawnSync('sleep', ['10']);
  }
  if (updated) {
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages()], { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 900_000 });
  }
  absent = missing();
  if (absent.length === 0) {
    ensureEtcd35(canInstall);
    process.exit(0);
  }
}

const lines = absent.map((t) => `  ${t.command.padEnd(11)} (Debian package ${t.package}): ${t.usedFor}`);
console.error(
  [
    `npm test needs programs that are not on this machine${canInstall ? ' and could not be installed' : ''}:`,
    ...lines,
    'Install them, then run npm test again:',
    `  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages().join(' ')}`,
  ].join('\n'),
);
process.exit(1);
