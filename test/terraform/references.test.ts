import { describe, expect, it } from 'vitest';
import { CONTROL_PLANE_TEMPLATE_VARS, NODE_TEMPLATE_VARS, controlPlaneCloudInitPath, instanceGroupCloudInitPath } from '../../src/model/bootstrap-contract.js';
import { terraformId } from '../../src/model/model.js';
import {
  EXAMPLES,
  declaredAddresses,
  emitFile,
  interpolations,
  resources,
  stringLiterals,
  strings,
  withoutStringLiterals,
  type Emitted,
} from './synthesized.js';

/** Terraform functions the emitter may call; anything else is a typo Terraform would reject. */
const FUNCTIONS = new Set(['base64gzip', 'templatefile', 'join', 'contains', 'filesha256']);

/** aws_x.name, data.aws_x.name or local.name at the start of a reference. */
const REFERENCE = /\b(data\.[a-z0-9_]+\.[A-Za-z0-9_]+|aws_[a-z0-9_]+\.[A-Za-z0-9_]+|local\.[a-z0-9_]+)/g;

function allInterpolations(emitted: Emitted): Array<{ where: string; expression: string }> {
  return [...emitted.parsed].flatMap(([file, json]) =>
    strings(json).flatMap((s) => interpolations(s.value).map((expression) => ({ where: `${file}:${s.path.join('/')}`, expression }))),
  );
}

/** The templatefile() calls of an expression: the file it renders and the names of the variables passed. */
function templatefileCalls(expression: string): Array<{ file: string; variables: string[] }> {
  const calls: Array<{ file: string; variables: string[] }> = [];
  let at = 0;
  while ((at = expression.indexOf('templatefile(', at)) >= 0) {
    const open = expression.indexOf('{', at);
    let depth = 0;
    let end = open;
    for (; end < expression.length; end++) {
      if (expression[end] === '{') depth++;
      if (expression[end] === '}' && --depth === 0) break;
    }
    const pathPart = expression.slice(at, open);
    const file = stringLiterals(pathPart).find((s) => s.startsWith('cloud-init/')) ?? '';
    const variables = [...expression.slice(open, end + 1).matchAll(/"([A-Za-z0-9_]+)"\s*=/g)].map((m) => m[1] ?? '');
    calls.push({ file, variables });
    at = end;
  }
  return calls;
}

describe.each(EXAMPLES)('references in %s', (example) => {
  const emitted = emitFile(example);
  const declared = declaredAddresses(emitted);

  it('points every ${...} reference at a declared resource or data source', () => {
    const found = allInterpolations(emitted);
    expect(found.length).toBeGreaterThan(50);
    for (const { where, expression } of found) {
      const code = withoutStringLiterals(expression);
      for (const [, address] of code.matchAll(REFERENCE)) expect(declared.has(address ?? ''), `${where}: ${address}`).toBe(true);
      for (const [, name] of code.matchAll(/([a-z0-9_]+)\(/g)) expect(FUNCTIONS.has(name ?? ''), `${where}: ${name}()`).toBe(true);
      // Whatever is left once references, functions and path.module are gone must be punctuation or object keys.
      // A lifecycle condition may read its own object (self) and compare: ==, &&, a [*] splat.
      const condition = where.includes('/lifecycle/');
      const own = condition ? code.replace(/\b(self|true|false)\b/g, '') : code;
      const rest = own.replace(REFERENCE, '').replace(/\.[a-z_]+/g, '').replace(/[a-z0-9_]+\(/g, '').replace(/path\.module|path/g, '');
      expect(rest, where).toMatch(condition ? /^[\s"(),[\]{}=&*]*$/ : /^[\s"(),[\]{}=]*$/);
    }
  });

  it('points every depends_on entry at a declared resource', () => {
    for (const json of emitted.parsed.values()) {
      for (const s of strings(json).filter((x) => x.path.includes('depends_on'))) expect(declared.has(s.value), s.value).toBe(true);
    }
  });

  it('renders each member and group its own cloud-init file with exactly the bootstrap-contract variables', () => {
    const { model } = emitted;
    const instances = resources(emitted, 'aws_instance');
    for (const member of model.controlPlane.members) {
      const userData = instances.get(terraformId(member.name))?.user_data_base64 as string;
      expect(instances.get(terraformId(member.name))?.user_data_replace_on_change).toBe(true);
      const calls = interpolations(userData).flatMap(templatefileCalls);
      expect(calls).toEqual([{ file: controlPlaneCloudInitPath(member), variables: Object.values(CONTROL_PLANE_TEMPLATE_VARS) }]);
      expect(userData).toContain(`"etcd_volume_id" = aws_ebs_volume.etcd_${terraformId(member.name)}.id`);
      expect(userData).toMatch(/^\$\{base64gzip\(templatefile\(join\("\/", \[path\.module, "cloud-init\/[^"]+"\]\)/);
    }
    const templates = resources(emitted, 'aws_launch_template');
    for (const group of model.instanceGroups) {
      const userData = templates.get(group.id)?.user_data as string;
      const calls = interpolations(userData).flatMap(templatefileCalls);
      expect(calls).toEqual([{ file: instanceGroupCloudInitPath(group), variables: Object.values(NODE_TEMPLATE_VARS) }]);
    }
    const everyCall = allInterpolations(emitted).flatMap((i) => templatefileCalls(i.expression));
    expect(everyCall.length).toBe(model.controlPlane.members.length + model.instanceGroups.length);
  });

  it('gives machines the Route53 name as API endpoint when the spec has one, else the load balancer DNS name', () => {
    const expected = emitted.model.api.dns ? 'aws_route53_record.api.fqdn' : 'aws_lb.api.dns_name';
    for (const instance of resources(emitted, 'aws_instance').values()) {
      expect(instance.user_data_base64).toContain(`"api_endpoint" = ${expected}`);
    }
    const outputs = emitted.parsed.get('outputs.tf.json') as { output: Record<string, { value: unknown }> };
    expect(outputs.output.api_endpoint?.value).toBe(`\${${expected}}`);
  });
});
