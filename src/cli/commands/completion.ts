import yargs, { type Argv, type CommandModule } from 'yargs';
import type { Console } from '../output.js';

const SHELLS = ['bash', 'zsh'] as const;
type Shell = (typeof SHELLS)[number];

interface CompletionArgs {
  shell?: Shell;
}

/**
 * yargs' own completion script for `shell`. yargs 18 chooses between its bash and zsh scripts by $SHELL (or
 * $ZSH_NAME) when a parser is made, so a parser is made here with SHELL naming the shell asked for, whatever the
 * shell running hakube is; without one, yargs' own choice stands (zsh when $SHELL names it, else bash), which is what
 * the script's installation line, `hakube completion >> ~/.bashrc`, relies on. The script runs
 * `hakube --get-yargs-completions`, which every hakube parser answers.
 */
function completionScript(shell: Shell | undefined): string {
  const saved = { SHELL: process.env.SHELL, ZSH_NAME: process.env.ZSH_NAME };
  if (shell !== undefined) {
    process.env.SHELL = `/bin/${shell}`;
    delete process.env.ZSH_NAME;
  }
  try {
    let script = '';
    // With a parse callback yargs hands over what it would print instead of printing it and exiting.
    yargs()
      .scriptName('hakube')
      .completion('completion', false)
      .exitProcess(false)
      .parse(['completion'], {}, (_err, _argv, output) => {
        script = output;
      });
    return script;
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

export function completionCommand(con: Console): CommandModule<object, CompletionArgs> {
  return {
    command: 'completion [shell]',
    describe: 'Print a shell completion script for hakube\'s commands and options, e.g. hakube completion bash >> ~/.bashrc',
    builder: (y: Argv) =>
      y.positional('shell', { choices: SHELLS, describe: 'The shell to complete in (default: zsh when $SHELL names it, else bash)' }) as unknown as Argv<CompletionArgs>,
    handler: (args) => {
      con.out(completionScript(args.shell));
    },
  };
}
