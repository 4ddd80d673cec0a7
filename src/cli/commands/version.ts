import type { Argv, CommandModule } from 'yargs';
import type { Console } from '../output.js';
import { packageVersion } from '../package-version.js';

interface VersionArgs {
  output: 'text' | 'json';
}

export function versionCommand(con: Console): CommandModule<object, VersionArgs> {
  return {
    command: 'version',
    describe: 'Print hakube\'s version (as --version does); -o json adds the Node.js version and platform, for bug reports and scripts',
    builder: (y: Argv) =>
      y.option('output', { alias: 'o', choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Output format' }) as unknown as Argv<VersionArgs>,
    handler: (args) => {
      if (args.output === 'text') {
        con.out(packageVersion());
        return;
      }
      con.out(JSON.stringify({ version: packageVersion(), node: process.version, platform: process.platform, arch: process.arch }, null, 2));
    },
  };
}
