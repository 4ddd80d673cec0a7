import type { InstanceChange, RolloutPlan } from './rollout-plan.js';

const ACTION_TEXT: Record<InstanceChange['action'], string> = {
  create: 'created',
  replace: 'replaced',
  'stop-start': 'stopped and started',
  update: 'updated in place, no restart',
  destroy: 'destroyed',
};

function changeLine(c: InstanceChange): string {
  const why = c.attributes.length > 0 ? ` (${c.attributes.join(', ')})` : '';
  return `  ${c.member}: ${ACTION_TEXT[c.action]}${why}`;
}

/**
 * What an apply does to the control plane, for the terminal after `generate`. Empty when the
 * control-plane machines do not change or are all new (a first apply creates them together).
 */
export function renderRolloutPlan(plan: RolloutPlan): string {
  if (plan.changes.every((c) => c.action === 'create')) return '';
  const lines = ['Control-plane machines in the next terraform apply:', ...plan.changes.map(changeLine)];
  if (!plan.staged) {
    if (plan.disrupted.length === 1) lines.push(`Only ${plan.disrupted[0]} goes down; the other members keep etcd's quorum, so one apply is safe.`);
    return lines.join('\n') + '\n';
  }
  lines.push(
    '',
    `WARNING: one apply would take down ${plan.disrupted.length} control-plane members at once (${plan.disrupted.join(', ')}),`,
    'which can lose etcd quorum. Apply them one at a time instead, waiting for etcd to be healthy in between.',
    'Run the health check on a control-plane machine that is not the one being replaced:',
    '',
    `  until ${plan.healthCheck}; do sleep 10; done`,
    '',
    '  0. check that etcd is healthy before starting (the command above)',
  );
  const destroyed = new Set(plan.changes.filter((c) => c.action === 'destroy').map((c) => c.member));
  plan.steps.forEach((step, i) => {
    if (destroyed.has(step.member)) {
      lines.push(`  ${i + 1}. remove ${step.member} from etcd (etcdctl member remove ID, same certificates), then: ${step.apply}`, '     then wait until etcd is healthy again');
    } else {
      lines.push(`  ${i + 1}. ${step.apply}`, `     then wait until etcd is healthy again, ${step.member} included`);
    }
  });
  lines.push(`  ${plan.steps.length + 1}. ${plan.finalApply}   (everything else; control-plane machines are already up to date)`);
  return lines.join('\n') + '\n';
}
