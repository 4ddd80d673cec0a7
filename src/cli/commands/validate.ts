import type { Argv, CommandModule } from 'yargs';
import { formatIssue } from '../../errors.js';
import { validateFile } from '../../spec/validate.js';
import type { Console } from '../output.js';

interface ValidateArgs {
  spec: string;
}

export function validateCommand(con: Console): CommandModule<object, ValidateArgs> {
  return {
    command: 'validate <spec>',
    describe: 'Check a cluster spec against the schema and the semantic rules; print every problem as FILE:LINE:COL  /json/pointer  message',
    builder: (y: Argv) =>
      y.positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file (YAML or JSON)' }) as Argv<ValidateArgs>,
    handler: (args) => {
      const result = validateFile(args.spec);
      for (const w of result.warnings) con.err(formatIssue(w));
      con.out(
        `${args.spec}: valid cluster ${result.model.name} (${result.model.controlPlane.members.length} control-plane, ` +
          `${result.model.instanceGroups.length} instance group(s), ${result.model.zones.length} zone(s))` +
          (result.warnings.length ? `, ${result.warnings.length} warning(s)` : ''),
      );
    },
  };
}
