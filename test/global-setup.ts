import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { etcd35Tools } from './helpers/etcd-35.mjs';
import { awsProviderSource } from './helpers/terraform/provider-source.mjs';
import { PLAN_LOG } from './helpers/terraform/terraform-cli.js';

interface RequiredTool {
  command: string;
  versionArgs: string[];
  package: string;
  usedFor: string;
}

const { tools } = JSON.parse(readFileSync(new URL('./required-tools.json', import.meta.url), 'utf8')) as { tools: RequiredTool[] };

/** How many real terraform plans the run made and how long they took (test/helpers/terraform/terraform-cli.ts). */
function reportPlans(runTmp: string): void {
  const log = join(runTmp, PLAN_LOG);
  if (!existsSync(log)) return;
  const ms = readFileSync(log, 'utf8').split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
  const total = ms.reduce((a, b) => a + b, 0);
  console.info(`real Terraform: ${ms.length} terraform plan runs, ${(total / 1000).toFixed(0)} s in all, median ${(ms[Math.floor(ms.length / 2)]! / 1000).toFixed(1)} s, longest ${(ms[ms.length - 1]! / 1000).toFixed(1)} s`);
}

/**
 * Runs once before any test file. A missing program fails the whole run here with one message, rather than as
 * dozens of separate test failures (npm test installs them first: scripts/ensure-test-tools.mjs).
 *
 * Every test makes its temporary files under os.tmpdir(); pointing TMPDIR at one folder for the run (the test
 * workers inherit it) lets the teardown remove everything the suite made, also after a failed or killed test.
 */
export function setup(): () => void {
  const missing = tools.filter((t) => {
    const r = spawnSync(t.command, t.versionArgs, { stdio: 'ignore', timeout: 30_000 });
    return r.error !== undefined || r.status !== 0;
  });
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((t) => t.package))].join(' ');
    throw new Error(
      `the integration tests need ${missing.map((t) => `${t.command} (${t.package})`).join(', ')}, not found on this machine. ` +
        `npm test installs them when run as root on Debian; or: sudo apt-get install -y --no-install-recommends ${packages}`,
    );
  }
  const etcd35 = etcd35Tools();
  if (etcd35.kind === 'missing') {
    throw new Error(`the etcd restore test needs etcd 3.5 (Debian 13's etcd-server and etcd-client): ${etcd35.message}; npm test downloads it when run as root on Debian (scripts/ensure-test-tools.mjs)`);
  }
  const provider = awsProviderSource();
  if (spawnSync('terraform', ['version'], { stdio: 'ignore', timeout: 60_000 }).status !== 0 || provider.kind === 'missing') {
    throw new Error(
      `the real-Terraform tests need terraform on PATH and the hashicorp/aws provider${provider.kind === 'missing' ? `: ${provider.message}` : ''} ` +
        '(scripts/ensure-test-tools.mjs says how to get them)',
    );
  }
  // The CLI tests run bin/hakube.js, that is the bundle: build it from the sources under test, so a run never
  // tests a stale dist/.
  const build = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url))], { encoding: 'utf8', timeout: 300_000 });
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status}):\n${build.stderr}`);
  const runTmp = mkdtempSync(join(tmpdir(), 'hakube-test-run-'));
  process.env.TMPDIR = runTmp;
  // The bundle keeps its compile cache under $XDG_CACHE_HOME: the run's, not the user's.
  process.env.XDG_CACHE_HOME = join(runTmp, 'cache');
  return () => {
    reportPlans(runTmp);
    rmSync(runTmp, { recursive: true, force: true });
  };
}
