import type { Argv, CommandModule } from 'yargs';
import { formatIssue } from '../../errors.js';
import { DEFAULT_OUT_DIR_SHOWN, defaultOutDir } from '../../output/paths.js';
import { validateFile } from '../../spec/validate.js';
import { checkKubernetesUpgrade } from '../../upgrade/upgrade-check.js';
import type { Console } from '../output.js';

interface ValidateArgs {
  spec: string;
  out?: string;
}

export function validateCommand(con: Console): CommandModule<object, ValidateArgs> {
  return {
    command: 'validate <spec>',
    describe: 'Check a cluster spec against the schema and the semantic rules; print every problem as FILE:LINE:COL  /json/pointer  message',
    builder: (y: Argv) =>
      y
        .positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file (YAML or JSON)' })
        .option('out', {
          type: 'string',
          describe: `Output folder of the previous generate, whose Kubernetes version an upgrade starts from (default ${DEFAULT_OUT_DIR_SHOWN})`,
        }) as unknown as Argv<ValidateArgs>,
    handler: (args) => {
      const result = validateFile(args.spec);
      // One Kubernetes minor at a time, never backwards, counted from the previously generated output.
      checkKubernetesUpgrade(result, args.out ?? defaultOutDir(result.model, args.spec));
      for (const w of result.warnings) con.err(formatIssue(w));
      con.out(
        `${args.spec}: valid cluster ${result.model.name} (${result.model.controlPlane.members.length} control-plane, ` +
          `${result.model.instanceGroups.length} instance group(s), ${result.model.zones.length} zone(s))` +
          (result.warnings.length ? `, ${result.warnings.length} warning(s)` : ''),
      );
    },
  };
}
