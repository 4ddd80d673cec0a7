import yargs from 'yargs';
import { UsageError, UserError } from '../errors.js';
import { addUserCommand } from './commands/add-user.js';
import { certsCommand } from './commands/certs.js';
import { etcdCommand } from './commands/etcd.js';
import { generateCommand } from './commands/generate.js';
import { getCommand } from './commands/get-instancegroups.js';
import { kubeconfigCommand } from './commands/kubeconfig.js';
import { haReportCommand } from './commands/ha-report.js';
import { initCommand } from './commands/init.js';
import { validateCommand } from './commands/validate.js';
import { planCheckCommand } from './commands/plan-check.js';
import { rolloutCommand } from './commands/rollout.js';
import { printIssues, processConsole, type Console } from './output.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const EXIT_OK = 0;
/** The spec or the cluster's files are invalid: the user can fix it. */
const EXIT_INVALID = 1;
const EXIT_USAGE = 2;
/** A bug in hakube (sysexits' EX_SOFTWARE). */
const EXIT_INTERNAL = 70;

function version(): string {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The CLI entry point: parses arguments, runs one command, and maps what happened to an exit code.
 * The only place that decides exit codes, which it returns; only --help and --version end the process
 * themselves (yargs exits 0 after printing them).
 */
export async function main(argv: string[], con: Console = processConsole): Promise<number> {
  const parser = yargs(argv)
    .scriptName('hakube')
    .usage('$0 <command> [options]\n\nGenerate Terraform JSON, cloud-init and PKI for a highly-available Kubernetes cluster on AWS.')
    .command(initCommand(con))
    .command(validateCommand(con))
    .command(generateCommand(con))
    .command(getCommand(con))
    .command(haReportCommand(con))
    .command(addUserCommand(con))
    .command(kubeconfigCommand(con))
    .command(certsCommand(con))
    .command(rolloutCommand(con))
    .command(planCheckCommand(con))
    .command(etcdCommand(con))
    .demandCommand(1, 'Name a command; see hakube --help')
    // Every command taking --out means a folder by it; an empty name would mean the working folder.
    .check((argv) => {
      if (argv.out === '') throw new UsageError('--out needs a folder name');
      return true;
    })
    .strict()
    .recommendCommands()
    .version(version())
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    // yargs exits by itself only after printing --help or --version; every failure goes through fail().
    .exitProcess(true)
    .showHelpOnFail(false)
    .fail((msg: string | null, err: Error | undefined) => {
      throw err ?? new UsageError(msg ?? 'invalid usage');
    });
  try {
    await parser.parseAsync();
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      con.err(`hakube: ${err.message}\nRun 'hakube --help' for usage.`);
      return EXIT_USAGE;
    }
    if (err instanceof UserError) {
      if (err.issues.length > 0) printIssues(con, err.issues);
      con.err(`hakube: ${err.message}`);
      return EXIT_INVALID;
    }
    const e = err as Error;
    con.err(`hakube: internal error (a bug; please report it with the command you ran):\n${e.stack ?? String(e)}`);
    return EXIT_INTERNAL;
  }
}
