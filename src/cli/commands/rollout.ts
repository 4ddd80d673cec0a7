import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors.js';
import { mergeTerraformDocuments, type TerraformJson } from '../../ha/rollout-plan.js';
import { readPreviousOutput } from '../../output/output-folder.js';
import { DEFAULT_OUT_DIR_SHOWN, defaultOutDir } from '../../output/paths.js';
import { renderStructured, renderTable } from '../../render/tables.js';
import { parseTerraformState, unappliedMembers } from '../../rollout/applied-state.js';
import { parseRolloutRecord, ROLLOUT_RECORD_FILE } from '../../rollout/rollout-record.js';
import { validateFile } from '../../spec/validate.js';
import type { Console } from '../output.js';
import { printGenerateResult, rolloutNextCommand, shownOutDir } from './generate.js';
import { readBack } from '../../read-back.js';

interface RolloutArgs {
  spec: string;
  out?: string;
}

interface StatusArgs extends RolloutArgs {
  output: 'table' | 'json';
}

interface NextArgs extends RolloutArgs {
  state?: string;
  withoutAppliedState?: boolean;
}

/** The loud name of the one way to advance with no evidence that the previous step was applied. */
const WITHOUT_APPLIED_STATE = '--without-applied-state';

function folderState(specFile: string, out: string | undefined) {
  const cluster = validateFile(specFile);
  const outDir = out ?? defaultOutDir(cluster.model, specFile);
  // No folder is not "nothing pending": it is a folder that was never generated (or a mistyped --out).
  if (!existsSync(outDir)) throw new UserError(`${outDir} does not exist: run hakube generate ${specFile}${out ? ` --out ${out}` : ''} first`);
  const previous = readPreviousOutput(outDir);
  const text = previous.get(ROLLOUT_RECORD_FILE);
  const record = text === undefined ? { pending: [] } : parseRolloutRecord(text, join(outDir, ROLLOUT_RECORD_FILE));
  return { cluster, outDir, previous, pending: record.pending };
}

function statusCommand(con: Console): CommandModule<object, StatusArgs> {
  return {
    command: 'status <spec>',
    describe: 'Which control-plane members still wait for their change (one member per apply)',
    builder: (y: Argv) =>
      y
        .positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file' })
        .option('out', { type: 'string', describe: `Output folder (default ${DEFAULT_OUT_DIR_SHOWN})` })
        .option('output', { alias: 'o', choices: ['table', 'json'] as const, default: 'table' as const, describe: 'Output format' }) as unknown as Argv<StatusArgs>,
    handler: (args) => {
      const { cluster, outDir, pending } = folderState(args.spec, args.out);
      const members = cluster.model.controlPlane.members.map((m) => m.name);
      const inSpec = new Set(members);
      const waiting = new Set(pending);
      const rows = [...members, ...pending.filter((p) => !inSpec.has(p))].map((name) => ({ name, state: waiting.has(name) ? 'pending' : 'up to date' }));
      if (args.output === 'json') {
        con.out(renderStructured({ cluster: cluster.model.name, outDir: shownOutDir(outDir), pending, members: rows }, 'json'));
        return;
      }
      con.out(renderTable(['MEMBER', 'STATE'], rows.map((r) => [r.name, r.state])));
      con.out(
        pending.length === 0
          ? 'No rollout in progress: every member is written as the spec says.'
          : `Next, after the last step is applied and the cluster is healthy: ${rolloutNextCommand(args.spec, args.out)}`,
      );
    },
  };
}

function nextCommand(con: Console): CommandModule<object, NextArgs> {
  return {
    command: 'next <spec>',
    describe: 'Write the change of the next pending control-plane member (exactly one), once the previous step is applied and healthy',
    builder: (y: Argv) =>
      y
        .positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file' })
        .option('out', { type: 'string', describe: `Output folder (default ${DEFAULT_OUT_DIR_SHOWN})` })
        .option('state', {
          type: 'string',
          describe:
            "Terraform state showing the previous step applied: terraform show -json > state.json (or terraform state pull) after the apply; default the local backend's state file when there is one. Required otherwise",
        })
        .option('without-applied-state', {
          type: 'boolean',
          describe: 'Advance with no state to check that the previous step was applied (dangerous: two steps unapplied replace two members in one apply)',
        })
        .conflicts('state', 'without-applied-state') as unknown as Argv<NextArgs>,
    handler: async (args) => {
      const { cluster, outDir, previous, pending } = folderState(args.spec, args.out);
      if (pending.length === 0) {
        con.out(`${cluster.model.name}: no rollout in progress; nothing to do.`);
        return;
      }
      const backend = cluster.model.terraform.backend;
      const localPath = backend.type === 'local' ? (backend.path ?? 'terraform.tfstate') : undefined;
      const localState = localPath === undefined ? undefined : isAbsolute(localPath) ? localPath : join(outDir, localPath);
      // --state is the user's own choice (a link to it is followed); the local backend's state is read back from the
      // folder like its other files. Either must be a regular file within the state limit (src/read-back.ts).
      const statePath = args.state ?? localState;
      const stateText = statePath === undefined ? undefined : readBack(statePath, 'state', { followLink: args.state !== undefined });
      if (args.state !== undefined && stateText === undefined) throw new UserError(`cannot read the state ${args.state}: no such file (ENOENT)`);
      const members = cluster.model.controlPlane.members.map((m) => m.name);
      if (statePath !== undefined && stateText !== undefined) {
        const resources = parseTerraformState(stateText, statePath);
        const folder = mergeTerraformDocuments([...previous].filter(([p]) => p.endsWith('.tf.json')).map(([, t]) => JSON.parse(t) as TerraformJson));
        const problems = unappliedMembers(resources, statePath, folder, members, previous);
        if (problems.length > 0) {
          throw new UserError(`the previous step is not applied yet, so the next member must wait:\n  ${problems.join('\n  ')}\nRun terraform apply in ${shownOutDir(outDir)} first.`);
        }
        con.out(`${statePath}: the previous step is applied.`);
      } else if (args.withoutAppliedState) {
        con.err(
          `WARNING: ${WITHOUT_APPLIED_STATE}: nothing checks that the previous step was applied. If it was not, the next apply replaces two control-plane members at once, and etcd can lose its quorum.`,
        );
      } else {
        // No evidence is no go: advancing twice without an apply would put two members' replacement in one apply.
        const local = localState === undefined ? '' : ` (the local backend's state ${localState} does not exist)`;
        throw new UserError(
          [
            `no Terraform state to check that the previous step was applied${local}, so the next member must wait.`,
            `After terraform apply in ${shownOutDir(outDir)}, save the output of terraform show -json run there to a file outside the repository (a state holds secrets) and pass it as --state FILE.`,
            `To advance without that check, at your own risk, pass ${WITHOUT_APPLIED_STATE}.`,
          ].join('\n'),
        );
      }
      const { generate } = await import('../../generate.js');
      const result = await generate(args.spec, { ...(args.out ? { outDir: args.out } : {}), rollout: 'next' });
      printGenerateResult(con, result, args.spec, args.out, 'wrote');
      con.out(
        [
          'Before applying, check that the cluster is healthy (on a control-plane machine; docs/ha.md):',
          `  ${result.rollout.healthCheck}`,
          '  kubectl get nodes   (every control-plane node Ready)',
        ].join('\n'),
      );
    },
  };
}

export function rolloutCommand(con: Console): CommandModule<object, object> {
  return {
    command: 'rollout',
    describe: 'Roll a change out to the control plane one member per apply (status, next)',
    builder: (y: Argv) => y.command(statusCommand(con)).command(nextCommand(con)).demandCommand(1, 'Name a rollout command: status or next'),
    handler: () => undefined,
  };
}
