import { isAbsolute, join, relative } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { formatIssue } from '../../errors.js';
import { renderRolloutPlan } from '../../ha/render-rollout-plan.js';
import { PKI_DIR } from '../../model/bucket-layout.js';
import type { Console } from '../output.js';

interface GenerateArgs {
  spec: string;
  out?: string;
  'dry-run': boolean;
}

export function generateCommand(con: Console): CommandModule<object, GenerateArgs> {
  return {
    command: 'generate <spec>',
    aliases: ['update'],
    describe: 'Write Terraform JSON, cloud-init and PKI for the cluster into generated/<cluster-name>/ (kops update cluster --target=terraform)',
    builder: (y: Argv) =>
      y
        .positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file' })
        .option('out', { type: 'string', describe: 'Output folder (default generated/<cluster-name>)' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'Show what would change without writing anything' }) as unknown as Argv<GenerateArgs>,
    handler: async (args) => {
      // Loaded on use: the emitters (cdktf above all) take most of a second to import.
      const { generate } = await import('../../generate.js');
      const result = await generate(args.spec, { ...(args.out ? { outDir: args.out } : {}), dryRun: args['dry-run'] });
      for (const w of result.cluster.warnings) con.err(formatIssue(w));
      const { report } = result;
      // Paths inside the working folder read better relative, as the user typed them.
      const inCwd = relative(process.cwd(), result.outDir);
      const outDir = inCwd && !inCwd.startsWith('..') && !isAbsolute(inCwd) ? inCwd : result.outDir;
      const verb = args['dry-run'] ? 'would write' : 'wrote';
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
      lines.push(`PKI (${join(outDir, PKI_DIR)}, kept out of git): ${kept} kept${pkiNotes.length ? ',' : ''}`);
      lines.push(...pkiNotes.map((c) => `  ${c.action.padEnd(10)} ${c.path}${c.reason ? ` (${c.reason})` : ''}`));
      // Files under pki/ and users/ that changed without a certificate changing (the manifest, a kubeconfig).
      const explained = new Set(pkiNotes.map((c) => c.path));
      const unexplained = (p: string) => !shown(p) && !explained.has(p) && !p.endsWith('.key');
      lines.push(...report.created.filter(unexplained).map((p) => `  ${'created'.padEnd(10)} ${p}`));
      lines.push(...report.changed.filter(unexplained).map((p) => `  ${'updated'.padEnd(10)} ${p}`));
      con.out(lines.join('\n'));
      const rollout = renderRolloutPlan(result.rollout);
      if (rollout) con.out(rollout);
      if (report.created.length + report.changed.length + report.removed.length > 0 && !args['dry-run']) {
        con.out(`Next: review the diff, then run terraform init && terraform plan in ${outDir}`);
      }
      if (!result.adminKubeconfig) {
        // Without a DNS name in the spec, the API's address exists only once the load balancer does.
        con.out(
          `After terraform apply, write kubeconfigs for the load balancer's address:\n` +
            `  hakube kubeconfig ${args.spec} --out ${outDir} --server https://$(terraform -chdir=${outDir} output -raw api_endpoint):6443` +
            result.cluster.model.users.map((u) => ` [--user ${u.name}]`).join(''),
        );
      }
    },
  };
}
