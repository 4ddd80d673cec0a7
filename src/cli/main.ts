import yargs, { type CommandModule } from 'yargs';
import { UsageError, UserError } from '../errors.js';
import { packageVersion } from './package-version.js';
import { printIssues, processConsole, type Console } from './output.js';

const EXIT_OK = 0;
/** The spec or the cluster's files are invalid: the user can fix it. */
const EXIT_INVALID = 1;
const EXIT_USAGE = 2;
/** A bug in hakube (sysexits' EX_SOFTWARE). */
const EXIT_INTERNAL = 70;

type AnyCommand = CommandModule<object, any>;

/**
 * Every command, in help order, by its names, loaded on use: a run imports only the command it runs (and its
 * part of the bundle), while --help, a typo or an unusual argument order loads them all.
 */
const COMMANDS: Array<{ names: string[]; load: (con: Console) => Promise<AnyCommand> }> = [
  { names: ['init'], load: async (con) => (await import('./commands/init.js')).initCommand(con) },
  { names: ['validate'], load: async (con) => (await import('./commands/validate.js')).validateCommand(con) },
  { names: ['generate', 'update'], load: async (con) => (await import('./commands/generate.js')).generateCommand(con) },
  { names: ['get'], load: async (con) => (await import('./commands/get-instancegroups.js')).getCommand(con) },
  { names: ['ha-report'], load: async (con) => (await import('./commands/ha-report.js')).haReportCommand(con) },
  { names: ['add-user'], load: async (con) => (await import('./commands/add-user.js')).addUserCommand(con) },
  { names: ['kubeconfig'], load: async (con) => (await import('./commands/kubeconfig.js')).kubeconfigCommand(con) },
  { names: ['keys'], load: async (con) => (await import('./commands/keys.js')).keysCommand(con) },
  { names: ['certs'], load: async (con) => (await import('./commands/certs.js')).certsCommand(con) },
  { names: ['rollout'], load: async (con) => (await import('./commands/rollout.js')).rolloutCommand(con) },
  { names: ['plan-check'], load: async (con) => (await import('./commands/plan-check.js')).planCheckCommand(con) },
  { names: ['etcd'], load: async (con) => (await import('./commands/etcd.js')).etcdCommand(con) },
  { names: ['version'], load: async (con) => (await import('./commands/version.js')).versionCommand(con) },
  { names: ['completion'], load: async (con) => (await import('./commands/completion.js')).completionCommand(con) },
];

/** The command the first non-option argument names, or all of them when it names none. */
async function commandsFor(argv: string[], con: Console): Promise<AnyCommand[]> {
  const first = argv.find((a) => !a.startsWith('-'));
  const named = COMMANDS.find((c) => first !== undefined && c.names.includes(first));
  return Promise.all((named ? [named] : COMMANDS).map((c) => c.load(con)));
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
    .command(await commandsFor(argv, con))
    .demandCommand(1, 'Name a command; see hakube --help')
    // Every command taking --out means a folder by it; an empty name would mean the working folder.
    .check((argv) => {
      if (argv.out === '') throw new UsageError('--out needs a folder name');
      return true;
    })
    .strict()
    .recommendCommands()
    .version(packageVersion())
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
