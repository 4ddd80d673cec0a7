import type { Argv, CommandModule } from 'yargs';
import type { ClusterModel } from '../../model/model.js';
import { validateFile } from '../../spec/validate.js';
import { renderStructured, renderTable, type OutputFormat } from '../../render/tables.js';
import type { Console } from '../output.js';

interface GetArgs {
  spec: string;
  output: OutputFormat;
}

export interface InstanceGroupRow {
  name: string;
  role: 'ControlPlane' | 'Node';
  machineType: string;
  minSize: number;
  maxSize: number;
  zones: string[];
}

/** Rows as kops get ig shows them: one per control-plane member (min = max = 1), one per worker group. */
export function instanceGroupRows(model: ClusterModel): InstanceGroupRow[] {
  return [
    ...model.controlPlane.members.map((m) => ({
      name: m.name,
      role: 'ControlPlane' as const,
      machineType: model.controlPlane.instanceType,
      minSize: 1,
      maxSize: 1,
      zones: [m.zone],
    })),
    ...model.instanceGroups.map((g) => ({
      name: g.name,
      role: 'Node' as const,
      machineType: g.instanceType,
      minSize: g.minSize,
      maxSize: g.maxSize,
      zones: g.zones,
    })),
  ];
}

export function getInstanceGroupsCommand(con: Console): CommandModule<object, GetArgs> {
  return {
    command: 'instancegroups <spec>',
    aliases: ['ig', 'instancegroup'],
    describe: 'List the instance groups of a cluster spec (kops get ig)',
    builder: (y: Argv) =>
      y
        .positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file' })
        .option('output', { alias: 'o', choices: ['table', 'json', 'yaml'] as const, default: 'table' as const, describe: 'Output format' }) as unknown as Argv<GetArgs>,
    handler: (args) => {
      const { model } = validateFile(args.spec);
      const rows = instanceGroupRows(model);
      if (args.output === 'table') {
        con.out(
          renderTable(
            ['NAME', 'ROLE', 'MACHINETYPE', 'MIN', 'MAX', 'ZONES'],
            rows.map((r) => [r.name, r.role, r.machineType, String(r.minSize), String(r.maxSize), r.zones.join(',')]),
          ),
        );
      } else {
        con.out(renderStructured(rows, args.output));
      }
    },
  };
}

export function getCommand(con: Console): CommandModule {
  return {
    command: 'get <resource>',
    describe: 'Display resources of a cluster spec',
    builder: (y: Argv) => y.command(getInstanceGroupsCommand(con)).demandCommand(1, 'Name what to get: instancegroups'),
    handler: () => undefined,
  };
}
