import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsProviderSource, cliConfigFor, type AwsProviderSource } from './provider-source.mjs';

/** One terraform command may take this long on a busy two-core machine; a plan takes about 5-10 s here. */
const COMMAND_TIMEOUT_MS = 240_000;

export interface TerraformSetup {
  source: Exclude<AwsProviderSource, { kind: 'missing' }>;
  env: NodeJS.ProcessEnv;
}

let setup: TerraformSetup | undefined;

/**
 * The environment every terraform command of the suite runs in: the provider from the mirror (or the registry),
 * no prompts, no update checks, and a plugin cache under the run's temporary folder so that each `terraform
 * init` links the 700 MB provider instead of copying it.
 */
export function terraformSetup(): TerraformSetup {
  if (setup) return setup;
  const source = awsProviderSource();
  if (source.kind === 'missing') throw new Error(source.message);
  const dir = join(tmpdir(), 'hakube-terraform');
  mkdirSync(join(dir, 'plugin-cache'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    TF_PLUGIN_CACHE_DIR: join(dir, 'plugin-cache'),
  };
  delete env.TF_LOG;
  const config = cliConfigFor(source);
  if (config !== undefined) {
    writeFileSync(join(dir, 'cli.tfrc'), config);
    env.TF_CLI_CONFIG_FILE = join(dir, 'cli.tfrc');
  } else {
    delete env.TF_CLI_CONFIG_FILE;
  }
  setup = { source, env };
  return setup;
}

export interface TerraformResult {
  stdout: string;
  stderr: string;
}

/** One line per terraform plan the run made (its milliseconds); test/global-setup.ts sums it up at the end. */
export const PLAN_LOG = 'hakube-terraform/plans.log';

/** Runs terraform in `dir` without blocking the event loop (the AWS stub answers from this process). */
export function terraform(dir: string, args: string[], options: { allowFailure?: boolean } = {}): Promise<TerraformResult & { code: number }> {
  const { env } = terraformSetup();
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      'terraform',
      args,
      { cwd: dir, env, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 512 * 1024 * 1024, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (args[0] === 'plan') appendFileSync(join(tmpdir(), PLAN_LOG), `${Date.now() - started}\n`);
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (error && (!options.allowFailure || typeof error.code !== 'number')) {
          const why = error.killed ? `killed after ${COMMAND_TIMEOUT_MS / 1000} s` : `exit ${String(error.code)}`;
          reject(new Error(`terraform ${args.join(' ')} in ${dir} failed (${why}):\n${stderr || stdout}`));
          return;
        }
        resolve({ stdout, stderr, code });
      },
    );
  });
}

/** The provider version the tests plan with ("registry" when Terraform picks it). */
export function providerDescription(): string {
  const { source } = terraformSetup();
  return source.kind === 'mirror' ? `hashicorp/aws ${source.version} from ${source.mirror}` : 'hashicorp/aws from the registry';
}

