import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors.js';
import { addonFileNames } from '../../emit/addons/index.js';
import { bucketObjects } from '../../model/bucket-layout.js';
import { assessPlan } from '../../plan-check/assess-plan.js';
import { loadPlan } from '../../plan-check/load-plan.js';
import { renderPlanCheck, type PlanCheckFormat } from '../../plan-check/render-plan-check.js';
import { validateFile } from '../../spec/validate.js';
import type { Console } from '../output.js';

interface PlanCheckArgs {
  spec: string;
  plan: string;
  output: PlanCheckFormat;
  module?: string;
}

export function planCheckCommand(con: Console): CommandModule<object, PlanCheckArgs> {
  return {
    command: 'plan-check <spec> <plan>',
    describe:
      'Say what applying a real Terraform plan does to the cluster (etcd quorum, etcd data, CAs and keys, control-plane traffic); exit 1 when it is unsafe',
    builder: (y: Argv) =>
      y
        .positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file' })
        .positional('plan', { type: 'string', demandOption: true, describe: 'The plan as JSON: terraform plan -out plan.out && terraform show -json plan.out > plan.json' })
        .option('output', {
          alias: 'o',
          choices: ['table', 'json', 'markdown'] as const,
          default: 'table' as const,
          describe: 'table for a terminal, json for machines, markdown for a pull-request comment',
        })
        .option('module', {
          type: 'string',
          describe: 'The module holding the cluster when the plan has several (module.cluster; "." for the root); found on its own otherwise',
        })
        .example('$0 plan-check cluster.yaml plan.json -o markdown > comment.md', 'a pull-request comment; the exit code fails the check when unsafe') as unknown as Argv<PlanCheckArgs>,
    handler: (args) => {
      const { model } = validateFile(args.spec);
      const plan = loadPlan(args.plan);
      const assessment = assessPlan(model, bucketObjects(model, addonFileNames(model)), plan, args.module === undefined ? {} : { module: args.module });
      con.out(renderPlanCheck(assessment, args.output));
      if (assessment.verdict === 'unsafe') {
        const errors = assessment.findings.filter((f) => f.severity === 'error').length;
        throw new UserError(`the plan is unsafe to apply: ${errors} problem(s) above`);
      }
    },
  };
}
