import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors.js';
import { renderHaReport } from '../../ha/render-ha-report.js';
import { validateFile } from '../../spec/validate.js';
import type { Console } from '../output.js';

interface HaReportArgs {
  spec: string;
  output: 'table' | 'json';
  require?: 'zone' | 'machine';
}

export function haReportCommand(con: Console): CommandModule<object, HaReportArgs> {
  return {
    command: 'ha-report <spec>',
    describe: 'Say what the cluster keeps after losing any one zone or any one machine: etcd quorum, API targets, workers per group',
    builder: (y: Argv) =>
      y
        .positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file' })
        .option('output', { alias: 'o', choices: ['table', 'json'] as const, default: 'table' as const, describe: 'Output format' })
        .option('require', {
          choices: ['zone', 'machine'] as const,
          describe: 'Exit 1 unless every single-zone outage (zone) or single-machine loss (machine) keeps etcd quorum and the API',
        }) as unknown as Argv<HaReportArgs>,
    handler: (args) => {
      const report = validateFile(args.spec).haReport;
      con.out(renderHaReport(report, args.output));
      if (args.require === undefined) return;
      const required = args.require === 'zone' ? report.overall.zoneOutage : report.overall.machineLoss;
      if (!required.survives) {
        const what = args.require === 'zone' ? 'zone outage' : 'machine loss';
        throw new UserError(`--require ${args.require}: a single ${what} loses etcd quorum or the API (losing ${required.failing.join(' or ')})`);
      }
    },
  };
}
