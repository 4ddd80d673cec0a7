import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { generate } from '../../src/generate.js';
import { membersReachedByReplacements, replacedResources } from '../../src/rollout/replaced-references.js';
import { committedContents } from '../helpers/files.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const TUTORIAL_TEXT = readFileSync(join(REPO_ROOT, 'examples/myfirstcluster.yaml'), 'utf8');
const INTERNAL: [string, string] = ['loadBalancer: public', 'loadBalancer: internal'];

let work = '';
let base = '';
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hakube-replaced-'));
  writeFileSync(join(work, 'base.yaml'), TUTORIAL_TEXT);
  base = join(work, 'base');
  await generate(join(work, 'base.yaml'), { outDir: base, now: NOW });
});

function scenario(text: string): { spec: string; out: string } {
  const dir = mkdtempSync(join(work, 'case-'));
  const out = join(dir, 'out');
  cpSync(base, out, { recursive: true });
  const spec = join(dir, 'cluster.yaml');
  writeFileSync(spec, text);
  return { spec, out };
}

describe('a shared resource whose replacement reaches every member through a reference', () => {
  it('refuses the API load balancer going internal, naming the resource, the argument, the member argument and the ways out, and writes nothing', async () => {
    expect(TUTORIAL_TEXT).toContain(INTERNAL[0]);
    const { spec, out } = scenario(TUTORIAL_TEXT.replace(...INTERNAL));
    const before = committedContents(out);
    const error = await generate(spec, { outDir: out, now: NOW }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).toMatch(/replaces aws_lb\.api \(a new internal forces a new one\)/);
    expect(message).toMatch(/user_data_base64 of control-plane-1, control-plane-2, control-plane-3 refers to aws_lb\.api/);
    expect(message).toMatch(/docs\/ha\.md.*--all-members-at-once/);
    expect(committedContents(out)).toEqual(before);
  });

  it('writes it as asked with --all-members-at-once, with no rollout record', async () => {
    const { spec, out } = scenario(TUTORIAL_TEXT.replace(...INTERNAL));
    const result = await generate(spec, { outDir: out, now: NOW, rollout: 'all-members' });
    expect(result.pending).toEqual([]);
    const lb = JSON.parse(readFileSync(join(out, 'load-balancer.tf.json'), 'utf8')).resource.aws_lb.api as { internal: boolean };
    expect(lb.internal).toBe(true);
  });

  it('follows replacements through references, and counts only machine-changing member arguments', () => {
    const config = (cidr: string, groupName: string) => ({
      resource: {
        aws_vpc: { main: { cidr_block: cidr, tags: { Name: 'x' } } },
        aws_subnet: { a: { vpc_id: '${aws_vpc.main.id}', cidr_block: '10.0.0.0/24' } },
        aws_security_group: { cp: { name: groupName, vpc_id: 'vpc-1' } },
        aws_instance: {
          m1: { subnet_id: '${aws_subnet.a.id}', vpc_security_group_ids: ['${aws_security_group.cp.id}'], tags: { Name: 'control-plane-1.c' } },
          m2: { subnet_id: 'subnet-fixed', vpc_security_group_ids: ['${aws_security_group.cp.id}'], tags: { Name: 'control-plane-2.c' } },
        },
      },
    });
    const replaced = replacedResources(config('10.0.0.0/16', 'cp'), config('10.1.0.0/16', 'cp2'));
    expect([...replaced.values()]).toEqual([
      { address: 'aws_vpc.main', argument: 'cidr_block' },
      { address: 'aws_security_group.cp', argument: 'name' },
      { address: 'aws_subnet.a', argument: 'vpc_id', via: 'aws_vpc.main' },
    ]);
    // The security group reaches both members in place; the subnet takes control-plane-1 down.
    expect(membersReachedByReplacements(config('10.0.0.0/16', 'cp'), config('10.1.0.0/16', 'cp2')).map((r) => `${r.member}:${r.argument}`)).toEqual(['control-plane-1:subnet_id']);
    // Tags alone replace nothing.
    const retagged = config('10.0.0.0/16', 'cp');
    retagged.resource.aws_vpc.main.tags = { Name: 'y' };
    expect(replacedResources(config('10.0.0.0/16', 'cp'), retagged).size).toBe(0);
  });
});
