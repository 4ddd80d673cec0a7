import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { formatIssue, UsageError, UserError } from '../../errors.js';
import type { GenerateResult } from '../../generate.js';
import { renderRolloutPlan } from '../../ha/render-rollout-plan.js';
import { PKI_DIR } from '../../model/bucket-layout.js';
import { OVERWRITE_EDITS_FLAG } from '../../output/hand-edits.js';
import { NEW_PKI_FLAG } from '../../pki/lost-key-material.js';
import { noteStaleKeyStore } from '../key-store-note.js';
import type { Console } from '../output.js';
import { DEFAULT_OUT_DIR_SHOWN } from '../../output/paths.js';

interface GenerateArgs {
  spec: string;
  out?: string;
  'dry-run': boolean;
  check: boolean;
  'all-members-at-once': boolean;
  'new-pki': boolean;
  'overwrite-edits': boolean;
}

/** A folder as a path that works from the working directory: relative (../ included) when that is shorter. */
export function shownOutDir(outDir: string): string {
  const fromCwd = relative(process.cwd(), outDir);
  const absolute = resolve(outDir);
  return fromCwd && !isAbsolute(fromCwd) && fromCwd.length < absolute.length ? fromCwd : absolute;
}

/** The command that continues a rollout, spelled as the user called generate. */
export function rolloutNextCommand(spec: string, out: string | undefined): string {
  return `hakube rollout next ${spec}${out ? ` --out ${out}` : ''}`;
}

/** A rollout step's name as a sentence part: a member, or the worker groups. */
function describeUnit(unit: string): string {
  return unit === 'workers' ? 'the worker groups (they follow the control plane)' : unit;
}

/** What a generate (or rollout next) run wrote, its PKI notes and its rollout state, for the terminal. */
export function printGenerateResult(con: Console, result: GenerateResult, spec: string, out: string | undefined, verb: string): void {
  for (const w of result.cluster.warnings) con.err(formatIssue(w));
  const { report } = result;
  const outDir = shownOutDir(result.outDir);
  // Key material is summarised by the PKI section below rather than listed file by file.
  const shown = (p: string) => !p.startsWith('pki/') && !p.startsWith('users/');
  const lines = [
    `${result.cluster.model.name}: ${verb} ${outDir}`,
    ...report.created.filter(shown).map((p) => `  created    ${p}`),
    ...report.changed.filter(shown).map((p) => `  changed    ${p}`),
    ...report.removed.filter(shown).map((p) => `  removed    ${p}`),
    `  unchanged  ${report.unchanged.filter(shown).length} file(s)`,
  ];
  const pkiNotes = result.pkiChanges.filter((c) => c.action !== 'kept');
  const kept = result.pkiChanges.length - pkiNotes.length;
  if (result.keyMaterialAbsent) {
    lines.push(`PKI (${join(outDir, PKI_DIR)}): not here, so key files are not compared; their recorded hashes are used`);
  } else {
    lines.push(`PKI (${join(outDir, PKI_DIR)}, kept out of git): ${kept} kept${pkiNotes.length ? ',' : ''}`);
    lines.push(...pkiNotes.map((c) => `  ${c.action.padEnd(10)} ${c.path}${c.reason ? ` (${c.reason})` : ''}`));
    // Files under pki/ and users/ that changed without a certificate changing (the manifest, a kubeconfig).
    const explained = new Set(pkiNotes.map((c) => c.path));
    const unexplained = (p: string) => !shown(p) && !explained.has(p) && !p.endsWith('.key');
    lines.push(...report.created.filter(unexplained).map((p) => `  ${'created'.padEnd(10)} ${p}`));
    lines.push(...report.changed.filter(unexplained).map((p) => `  ${'updated'.padEnd(10)} ${p}`));
  }
  con.out(lines.join('\n'));
  if (result.issuerChange) {
    const { from, to } = result.issuerChange;
    const what = to && from ? `moves the service-account issuer from ${from} to ${to}` : to ? `publishes the service-account issuer ${to}` : `stops publishing the service-account issuer ${from}`;
    con.err(
      `warning: this change ${what} on a running cluster. Its API servers take the issuer from the kubeadm-config ConfigMap, ` +
        'not from this folder: until the manual steps of docs/iam-roles-for-service-accounts.md ("Turning it on") are done, no role for a service account works.',
    );
  }
  const rollout = renderRolloutPlan(result.rollout);
  if (rollout) con.out(rollout);
  if (result.pending.length > 0) {
    const step = result.released ? `This step writes the change of ${describeUnit(result.released)} only. ` : '';
    const held = result.released || result.wasPending.length === 0 ? '' : 'A rollout is in progress and generate never advances it on its own. ';
    con.out(
      `${step}${held}Held back, one step per apply (control-plane members one by one, then the worker groups): ${result.pending.join(', ')} (recorded in rollout-pending.json).\n` +
        `After terraform apply of this folder, check that etcd and the API are healthy (docs/ha.md), then run:\n` +
        `  ${rolloutNextCommand(spec, out)}`,
    );
  } else if (result.released && result.wasPending.length > 0) {
    con.out(`This step writes the change of ${describeUnit(result.released)}, the last pending step: after this apply the rollout is complete.`);
  }
}

export function generateCommand(con: Console): CommandModule<object, GenerateArgs> {
  return {
    command: 'generate <spec>',
    aliases: ['update'],
    describe: `Write Terraform JSON, cloud-init and PKI for the cluster into ${DEFAULT_OUT_DIR_SHOWN} (kops update cluster --target=terraform)`,
    builder: (y: Argv) =>
      y
        .positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file' })
        .option('out', { type: 'string', describe: `Output folder (default ${DEFAULT_OUT_DIR_SHOWN})` })
        .option('dry-run', { type: 'boolean', default: false, describe: 'Show what would change without writing anything' })
        .option('check', {
          type: 'boolean',
          default: false,
          describe: 'Exit 0 when the folder is exactly what generate would write, 1 listing what differs; writes nothing (needs no pki/)',
        })
        .option('all-members-at-once', {
          type: 'boolean',
          default: false,
          describe:
            'EMERGENCY ONLY: write the change of every control-plane member at once instead of one per apply; one terraform apply may then take down several etcd members and lose quorum',
        })
        .option('new-pki', {
          type: 'boolean',
          default: false,
          describe:
            'DELIBERATE ONLY: when key material this folder recorded (a CA, pki/sa.key, the encryption config, a user) is missing, make it anew instead of refusing; the next terraform apply gives every machine a new cluster CA, so every machine must be replaced',
        })
        .option('overwrite-edits', {
          type: 'boolean',
          default: false,
          describe:
            'Replace generated files edited by hand since hakube wrote them (.hakube-files records their hashes) with what the spec gives, instead of refusing; never a file a rollout holds back',
        }) as unknown as Argv<GenerateArgs>,
    handler: async (args) => {
      // yargs counts a boolean's default as given, so its conflicts() cannot tell these apart.
      if (args.check && (args['dry-run'] || args['all-members-at-once'] || args['new-pki'] || args['overwrite-edits'])) {
        throw new UsageError(`--check writes nothing and takes neither --dry-run, --all-members-at-once, ${NEW_PKI_FLAG} nor ${OVERWRITE_EDITS_FLAG}`);
      }
      // Loaded on use: the emitters (cdktf above all) take most of a second to import.
      const { generate } = await import('../../generate.js');
      const result = await generate(args.spec, {
        ...(args.out ? { outDir: args.out } : {}),
        dryRun: args['dry-run'],
        check: args.check,
        ...(args['all-members-at-once'] ? { rollout: 'all-members' as const } : {}),
        newPki: args['new-pki'],
        overwriteEdits: args['overwrite-edits'],
      });
      const { report } = result;
      const differs = report.created.length + report.changed.length + report.removed.length > 0;
      if (args.check) {
        const outDir = shownOutDir(result.outDir);
        if (result.handEdited.length > 0) {
          throw new UserError(
            `${outDir} has files that differ from what hakube last wrote there (edited by hand, or changed outside hakube): ${result.handEdited.join(', ')}; ` +
              `restore them from git and put the change into the spec`,
          );
        }
        if (!differs) {
          con.out(`${result.cluster.model.name}: ${outDir} is up to date with ${args.spec}${result.keyMaterialAbsent ? ' (pki/ not here: key files not compared)' : ''}`);
          return;
        }
        con.out(
          [
            `${result.cluster.model.name}: ${outDir} is stale; hakube generate would write:`,
            ...report.created.map((p) => `  created    ${p}`),
            ...report.changed.map((p) => `  changed    ${p}`),
            ...report.removed.map((p) => `  removed    ${p}`),
          ].join('\n'),
        );
        throw new UserError(`${outDir} is not what hakube generate ${args.spec} writes; run it and commit the result`);
      }
      printGenerateResult(con, result, args.spec, args.out, args['dry-run'] ? 'would write' : 'wrote');
      if (result.replacedKeyMaterial.length > 0) {
        con.err(
          `warning: ${NEW_PKI_FLAG}: new key material in place of the recorded ${result.replacedKeyMaterial.join(', ')}. ` +
            'The next terraform apply uploads it to every machine; the running ones do not trust a new CA or service-account key and cannot read Secrets encrypted with the old key: replace every machine, and hand out the new kubeconfigs.',
        );
      }
      const outDir = shownOutDir(result.outDir);
      if (!args['dry-run']) await noteStaleKeyStore(con, result.cluster.model, outDir, args.spec, args.out);
      if (differs && !args['dry-run']) con.out(`Next: review the diff, then run terraform init && terraform plan in ${outDir}`);
      if (!result.adminKubeconfig) {
        // Without a DNS name in the spec, the API's address exists only once the load balancer does.
        con.out(
          `After terraform apply, write kubeconfigs for the load balancer's address:\n` +
            `  hakube kubeconfig ${args.spec}${args.out ? ` --out ${args.out}` : ''} --server https://$(terraform -chdir=${outDir} output -raw api_endpoint):6443` +
            result.cluster.model.users.map((u) => ` [--user ${u.name}]`).join(''),
        );
      }
    },
  };
}
