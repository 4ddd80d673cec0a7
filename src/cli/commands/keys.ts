import type { Argv, CommandModule } from 'yargs';
import { UsageError, UserError } from '../../errors.js';
import { DEFAULT_OUT_DIR_SHOWN, defaultOutDir } from '../../output/paths.js';
import { keyStorePaths } from '../../pki/key-store-paths.js';
import { validateFile } from '../../spec/validate.js';
import type { Console } from '../output.js';

/** The environment variable a pipeline sets from its secret: the text of its age identity (AGE-SECRET-KEY-1...). */
const IDENTITY_ENV = 'HAKUBE_AGE_IDENTITY';

interface KeysArgs {
  spec: string;
  out?: string;
  recipients?: string;
  identity?: string;
}

const STORE_SHOWN = '<out>.keys.age beside the output folder';

function specAndOut(y: Argv): Argv<KeysArgs> {
  return y
    .positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file (YAML or JSON)' })
    .option('out', { type: 'string', describe: `Output folder holding pki/ and users/ (default ${DEFAULT_OUT_DIR_SHOWN})` }) as unknown as Argv<KeysArgs>;
}

/** The spec's model, its output folder and the recipients file (default <out>.recipients). */
function target(args: KeysArgs) {
  const { model } = validateFile(args.spec);
  const out = args.out ?? defaultOutDir(model, args.spec);
  return { model, out, recipients: args.recipients ?? keyStorePaths(out).recipients };
}

/** `hakube keys …` again for hints, with the spec and --out as given. */
function again(args: KeysArgs, command: string): string {
  return `hakube keys ${command} ${args.spec}${args.out ? ` --out ${args.out}` : ''}`;
}

function sealCommand(con: Console): CommandModule<object, KeysArgs> {
  return {
    command: 'seal <spec>',
    describe: `Encrypt pki/ and users/ with age to every recipient of the recipients file into the team key store (${STORE_SHOWN}) and its manifest, to commit`,
    builder: (y: Argv) =>
      specAndOut(y).option('recipients', {
        type: 'string',
        describe: 'age recipients file: age or SSH public keys of every teammate and of the pipeline, one a line (default <out>.recipients)',
      }) as unknown as Argv<KeysArgs>,
    handler: async (args) => {
      const { model, out, recipients } = target(args);
      const { sealKeyStore } = await import('../../pki/key-store.js');
      const result = await sealKeyStore(model, out, recipients);
      if (!result.written) {
        con.out(`${result.archive} already holds these ${result.files} files for these ${result.recipients.length} recipient(s); nothing written`);
        return;
      }
      con.out(
        `sealed ${result.files} files of ${out} for ${result.recipients.length} recipient(s) into ${result.archive}; ` +
          `commit it with ${result.manifest} (no plaintext key leaves pki/ and users/)`,
      );
    },
  };
}

function openCommand(con: Console): CommandModule<object, KeysArgs> {
  return {
    command: 'open <spec>',
    describe: `Decrypt the team key store (${STORE_SHOWN}) and restore pki/ and users/; never replaces a file that differs`,
    builder: (y: Argv) =>
      specAndOut(y).option('identity', {
        alias: 'i',
        type: 'string',
        describe: `Your age identity file (age-keygen) or SSH private key; a pipeline can set ${IDENTITY_ENV} to the identity's text instead`,
      }) as unknown as Argv<KeysArgs>,
    handler: async (args) => {
      const fromEnv = process.env[IDENTITY_ENV];
      if (args.identity === undefined && (fromEnv === undefined || fromEnv.trim() === '')) {
        throw new UsageError(`name your age identity with --identity FILE, or set ${IDENTITY_ENV} to its text`);
      }
      const identity = args.identity !== undefined ? { file: args.identity } : { text: fromEnv ?? '' };
      const { model, out } = target(args);
      const { openKeyStore } = await import('../../pki/key-store.js');
      const result = await openKeyStore(model, out, identity);
      if (result.restored.length === 0) {
        con.out(`${out} already holds the ${result.alreadyThere} files of ${result.archive}; nothing written`);
        return;
      }
      con.out(`restored ${result.restored.length} files from ${result.archive} into ${out}${result.alreadyThere > 0 ? ` (${result.alreadyThere} were already there)` : ''}`);
    },
  };
}

function statusCommand(con: Console): CommandModule<object, KeysArgs> {
  return {
    command: 'status <spec>',
    describe: 'Exit 0 when the team key store holds the key material the folder records and, where pki/ is here, exactly its files; exit 1 naming what is stale',
    builder: (y: Argv) =>
      specAndOut(y).option('recipients', { type: 'string', describe: 'age recipients file the store should be encrypted to (default <out>.recipients)' }) as unknown as Argv<KeysArgs>,
    handler: async (args) => {
      const { model, out, recipients } = target(args);
      const { keyStoreStatus } = await import('../../pki/key-store.js');
      const status = keyStoreStatus(model, out, recipients);
      if (!status.exists) {
        throw new UserError(`no team key store beside ${out}: ${status.stale.join('; ')}. Make it with '${again(args, 'seal')}' where the keys are, and commit it`);
      }
      if (status.stale.length > 0) {
        throw new UserError(
          `the key store ${status.archive} is stale:\n${status.stale.map((s) => `  - ${s}`).join('\n')}\n` +
            `  To bring it up to date, run '${again(args, 'seal')}' where the keys are, and commit ${status.archive} with ${status.manifest}.`,
        );
      }
      con.out(
        `the key store ${status.archive} is up to date: ${status.files} files for ${status.recipients.length} recipient(s)` +
          (status.comparedWithFiles ? '' : ` (pki/ not here: compared with the folder's records only; restore it with '${again(args, 'open')} --identity FILE')`),
      );
    },
  };
}

export function keysCommand(con: Console): CommandModule<object, object> {
  return {
    command: 'keys',
    describe: 'Share pki/ and users/ with the team and the pipeline through an age-encrypted key store committed beside the output folder',
    builder: (y: Argv) => y.command(sealCommand(con)).command(openCommand(con)).command(statusCommand(con)).demandCommand(1, 'Name a keys command: seal, open, status'),
    handler: () => undefined,
  };
}
