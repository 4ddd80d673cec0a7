import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_PLANE_TEMPLATE_VARS } from '../../src/model/bootstrap-contract.js';
import { realisticValues, renderTemplatefile } from '../cloudinit/templatefile.js';
import { snapshotFiles } from '../helpers/files.js';
import { hasStackTrace, REPO_ROOT, runCli } from '../helpers/run-cli.js';

const TUTORIAL_TEXT = readFileSync(join(REPO_ROOT, 'examples/myfirstcluster.yaml'), 'utf8');
const INSTANCE_TYPE: [string, string] = ['    instanceType: t3.medium\n  instanceGroups:', '    instanceType: m6i.large\n  instanceGroups:'];

let work = '';
let base = '';

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'hakube-rollout-cli-'));
  writeFileSync(join(work, 'cluster.yaml'), TUTORIAL_TEXT);
  base = join(work, 'base');
  const r = runCli(['generate', join(work, 'cluster.yaml'), '--out', base]);
  if (r.code !== 0) throw new Error(`test setup: ${r.stderr}`);
});

/** A copy of the generated tutorial and a spec edited from `from` to `to` beside it. */
function scenario(from?: string, to?: string): { spec: string; out: string; dir: string } {
  const dir = mkdtempSync(join(work, 'case-'));
  const out = join(dir, 'out');
  cpSync(base, out, { recursive: true });
  const spec = join(dir, 'cluster.yaml');
  writeFileSync(spec, from && to ? TUTORIAL_TEXT.replace(from, to) : TUTORIAL_TEXT);
  return { spec, out, dir };
}

/** user_data_base64 as Terraform records it: base64gzip of the member's cloud-init rendered by templatefile(). */
function recordedUserData(cloudInit: string): string {
  return gzipSync(renderTemplatefile(cloudInit, realisticValues(Object.values(CONTROL_PLANE_TEMPLATE_VARS)))).toString('base64');
}

/**
 * A Terraform state (format 4) as an apply of the folder `out` leaves it: each member's instance with the instance
 * type its configuration names, its rendered user data (from `userDataFrom`, default `out` itself), and the image
 * data source read.
 */
function stateOf(out: string, instanceTypes: Record<string, string> = {}, userDataFrom = out): string {
  const instances = JSON.parse(readFileSync(join(out, 'control-plane.tf.json'), 'utf8')).resource.aws_instance as Record<string, { instance_type: string; ami: string }>;
  const images = JSON.parse(readFileSync(join(out, 'image-and-ssh-key.tf.json'), 'utf8')).data.aws_ami as Record<string, unknown>;
  const resources = [
    ...Object.keys(images).map((name) => ({ mode: 'data', type: 'aws_ami', name, instances: [{ attributes: { id: `ami-${name.slice(-8)}0000000` } }] })),
    ...Object.entries(instances).map(([name, config]) => {
      const image = /data\.aws_ami\.([^.]+)\.id/.exec(config.ami)![1]!;
      const cloudInit = readFileSync(join(userDataFrom, 'cloud-init', `${name.replace(/_/g, '-')}.yaml`), 'utf8');
      const attributes = { instance_type: instanceTypes[name] ?? config.instance_type, ami: `ami-${image.slice(-8)}0000000`, user_data_base64: recordedUserData(cloudInit) };
      return { mode: 'managed', type: 'aws_instance', name, instances: [{ attributes }] };
    }),
  ];
  return JSON.stringify({ version: 4, terraform_version: '1.11.4', serial: 3, lineage: 'test', resources });
}

/**
 * The same state as `terraform show -json` prints it (Terraform's JSON output format, values representation; the
 * real command's output is checked in test/terraform-real/plan-check-real-plans.test.ts): one entry per instance
 * under values.root_module.resources, `tainted: true` for a tainted one.
 */
function shownStateOf(raw: string): string {
  const state = JSON.parse(raw) as { resources: Array<{ mode: string; type: string; name: string; instances: Array<{ status?: string; attributes: object }> }> };
  const resources = state.resources.flatMap((r) =>
    r.instances.map((i) => ({
      address: `${r.mode === 'data' ? 'data.' : ''}${r.type}.${r.name}`,
      mode: r.mode,
      type: r.type,
      name: r.name,
      provider_name: 'registry.terraform.io/hashicorp/aws',
      schema_version: 1,
      values: i.attributes,
      sensitive_values: {},
      ...(i.status === 'tainted' ? { tainted: true } : {}),
    })),
  );
  return JSON.stringify({ format_version: '1.0', terraform_version: '1.11.4', values: { root_module: { resources } } });
}

describe('hakube generate --check', () => {
  it('exits 0 when the folder is up to date and 1 listing what differs when the spec moved on, writing nothing', () => {
    const { spec, out } = scenario();
    const upToDate = runCli(['generate', spec, '--out', out, '--check']);
    expect(upToDate.code, upToDate.stderr).toBe(0);
    expect(upToDate.stdout).toContain(`is up to date with ${spec}`);
    writeFileSync(spec, TUTORIAL_TEXT.replace('      maxSize: 2', '      maxSize: 3'));
    const before = snapshotFiles(out);
    const stale = runCli(['generate', spec, '--out', out, '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('is stale; hakube generate would write:\n  changed    workers.tf.json');
    expect(stale.stderr).toContain('run it and commit the result');
    expect(hasStackTrace(stale.stderr)).toBe(false);
    expect(snapshotFiles(out)).toEqual(before);
  });

  it('works without pki/ (a CI runner has no keys), comparing the committed files with the recorded hashes', () => {
    const { spec, out } = scenario();
    for (const secret of ['pki', 'users']) rmSync(join(out, secret), { recursive: true, force: true });
    const before = snapshotFiles(out);
    const r = runCli(['generate', spec, '--out', out, '--check']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('(pki/ not here: key files not compared)');
    expect(snapshotFiles(out)).toEqual(before);
    expect(existsSync(join(out, 'pki'))).toBe(false);
  });

  it('takes neither --dry-run nor --all-members-at-once (usage error)', () => {
    const { spec, out } = scenario();
    const r = runCli(['generate', spec, '--out', out, '--check', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--check writes nothing');
  });
});

describe('hakube rollout status and next', () => {
  it('lists the pending members, advances exactly one per next, and ends with nothing pending', () => {
    const { spec, out } = scenario(...INSTANCE_TYPE);
    expect(runCli(['generate', spec, '--out', out]).code).toBe(0);
    const status = runCli(['rollout', 'status', spec, '--out', out, '-o', 'json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).pending).toEqual(['control-plane-2', 'control-plane-3']);
    const table = runCli(['rollout', 'status', spec, '--out', out]);
    expect(table.stdout).toMatch(/control-plane-1 +up to date\ncontrol-plane-2 +pending\ncontrol-plane-3 +pending/);

    // The local backend's state shows the first step applied: next may go on.
    writeFileSync(join(out, 'terraform.tfstate'), stateOf(out));
    const second = runCli(['rollout', 'next', spec, '--out', out]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('the previous step is applied');
    expect(second.stdout).toContain('This step writes the change of control-plane-2 only.');
    expect(second.stdout).toContain('endpoint health --cluster');
    expect(JSON.parse(runCli(['rollout', 'status', spec, '--out', out, '-o', 'json']).stdout).pending).toEqual(['control-plane-3']);

    writeFileSync(join(out, 'terraform.tfstate'), stateOf(out));
    const third = runCli(['rollout', 'next', spec, '--out', out]);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toContain('the last pending step');
    expect(existsSync(join(out, 'rollout-pending.json'))).toBe(false);
    expect(JSON.parse(runCli(['rollout', 'status', spec, '--out', out, '-o', 'json']).stdout).pending).toEqual([]);
    const done = runCli(['rollout', 'next', spec, '--out', out]);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('no rollout in progress; nothing to do');
  });

  it('refuses to advance while the state shows the previous step unapplied or a member tainted, changing nothing', () => {
    const { spec, out } = scenario(...INSTANCE_TYPE);
    expect(runCli(['generate', spec, '--out', out]).code).toBe(0);
    const statePath = join(out, 'terraform.tfstate');
    writeFileSync(statePath, stateOf(out, { control_plane_1: 't3.medium' }));
    const before = snapshotFiles(out);
    const r = runCli(['rollout', 'next', spec, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the previous step is not applied yet');
    expect(r.stderr).toContain('control-plane-1: runs "t3.medium", the folder asks for "m6i.large"');
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(snapshotFiles(out)).toEqual(before);

    const tainted = JSON.parse(stateOf(out)) as { resources: Array<{ name: string; instances: Array<{ status?: string }> }> };
    tainted.resources.find((x) => x.name === 'control_plane_2')!.instances[0]!.status = 'tainted';
    const pulled = join(out, '..', 'pulled.json');
    writeFileSync(pulled, JSON.stringify(tainted));
    const t = runCli(['rollout', 'next', spec, '--out', out, '--state', pulled]);
    expect(t.code).toBe(1);
    expect(t.stderr).toContain('control-plane-2: tainted');
  });

  it('a rollout record beyond what hakube writes (20,000 entries, a repeated or impossible member) is refused, never a crash', () => {
    const { spec, out } = scenario(...INSTANCE_TYPE);
    expect(runCli(['generate', spec, '--out', out]).code).toBe(0);
    const record = join(out, 'rollout-pending.json');
    const written = JSON.parse(readFileSync(record, 'utf8')) as Record<string, unknown>;
    const cases: Array<[string[], RegExp]> = [
      // 20,000 entries stay under the 1 MiB hakube reads of a record (src/read-back.ts); a larger one is refused by size.
      [Array.from({ length: 20_000 }, (_, i) => `control-plane-${i + 1}`), /holds 20,000 entries; hakube writes at most 8/],
      [['control-plane-2', 'control-plane-2'], /names control-plane-2 twice/],
      [['control-plane-8'], /names control-plane-8; a spec has at most 7 control-plane members/],
    ];
    for (const [pending, message] of cases) {
      writeFileSync(record, JSON.stringify({ ...written, pending }));
      const before = snapshotFiles(out);
      for (const args of [['status'], ['status', '-o', 'json'], ['next']]) {
        const r = runCli(['rollout', ...args, spec, '--out', out]);
        expect(r.code, `${args.join(' ')}: ${r.stderr.slice(0, 300)}`).toBe(1);
        expect(r.stderr).toMatch(/rollout-pending\.json is not a rollout record hakube wrote \(/);
        expect(r.stderr).toMatch(message);
        expect(r.stderr.length).toBeLessThan(1000);
        expect(hasStackTrace(r.stderr)).toBe(false);
      }
      const generate = runCli(['generate', spec, '--out', out]);
      expect(generate.code).toBe(1);
      expect(generate.stderr).toMatch(message);
      expect(snapshotFiles(out)).toEqual(before);
    }
  });

  it('reads a state only from a regular file of at most 256 MiB: an endless one (/dev/zero) is a clean error', () => {
    const { spec, out, dir } = scenario(...INSTANCE_TYPE);
    expect(runCli(['generate', spec, '--out', out]).code).toBe(0);
    const r = runCli(['rollout', 'next', spec, '--out', out, '--state', '/dev/zero']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/dev/zero is not a regular file');
    expect(hasStackTrace(r.stderr)).toBe(false);
    const huge = join(dir, 'huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, 256 * 1024 * 1024 + 1);
    const t = runCli(['rollout', 'next', spec, '--out', out, '--state', huge]);
    expect(t.code).toBe(1);
    expect(t.stderr).toContain(`${huge} is larger than 256 MiB`);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('refuses to advance while a member still runs the user data of the previous step (a version bump changes only that)', () => {
    const { spec, out, dir } = scenario('kubernetesVersion: 1.34.2', 'kubernetesVersion: 1.34.3');
    const applied = join(dir, 'applied');
    cpSync(out, applied, { recursive: true });
    expect(runCli(['generate', spec, '--out', out]).code).toBe(0);
    expect(readFileSync(join(out, 'cloud-init/control-plane-1.yaml'), 'utf8')).not.toBe(readFileSync(join(applied, 'cloud-init/control-plane-1.yaml'), 'utf8'));
    const before = snapshotFiles(out);
    writeFileSync(join(out, 'terraform.tfstate'), stateOf(out, {}, applied));
    const stale = runCli(['rollout', 'next', spec, '--out', out]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("control-plane-1: runs user data other than the folder's cloud-init/control-plane-1.yaml");
    expect(stale.stderr).not.toContain('control-plane-2:');
    const { 'terraform.tfstate': _state, ...unchanged } = Object.fromEntries(snapshotFiles(out));
    expect(unchanged).toEqual(Object.fromEntries([...before].filter(([f]) => f !== 'terraform.tfstate')));
    writeFileSync(join(out, 'terraform.tfstate'), stateOf(out));
    const next = runCli(['rollout', 'next', spec, '--out', out]);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain('This step writes the change of control-plane-2 only.');
  });

  it('refuses to advance with no state to check (none given, none in the folder), naming --state and the override, changing nothing', () => {
    const { spec, out } = scenario(...INSTANCE_TYPE);
    expect(runCli(['generate', spec, '--out', out]).code).toBe(0);
    const before = snapshotFiles(out);
    for (let i = 0; i < 2; i++) {
      const r = runCli(['rollout', 'next', spec, '--out', out]);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toContain('no Terraform state to check that the previous step was applied');
      expect(r.stderr).toContain(`the local backend's state ${join(out, 'terraform.tfstate')} does not exist`);
      expect(r.stderr).toContain('terraform show -json');
      expect(r.stderr).toContain('--state FILE');
      expect(r.stderr).toContain('--without-applied-state');
      expect(hasStackTrace(r.stderr)).toBe(false);
      expect(snapshotFiles(out)).toEqual(before);
    }
    expect(JSON.parse(runCli(['rollout', 'status', spec, '--out', out, '-o', 'json']).stdout).pending).toEqual(['control-plane-2', 'control-plane-3']);
  });

  it('refuses with a remote (S3) backend too, where no state file is at hand: the normal case for a team', () => {
    const { spec, dir } = scenario();
    const out = join(dir, 's3-out');
    const s3 = TUTORIAL_TEXT.replace(/^spec:\n/m, 'spec:\n  terraform:\n    backend:\n      type: s3\n      bucket: hakube-test-state\n      key: myfirstcluster/terraform.tfstate\n');
    expect(s3).not.toBe(TUTORIAL_TEXT);
    writeFileSync(spec, s3);
    const first = runCli(['generate', spec, '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    writeFileSync(spec, s3.replace(...INSTANCE_TYPE));
    const second = runCli(['generate', spec, '--out', out]);
    expect(second.code, second.stderr).toBe(0);
    expect(existsSync(join(out, 'rollout-pending.json'))).toBe(true);
    const before = snapshotFiles(out);
    const r = runCli(['rollout', 'next', spec, '--out', out]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toContain('no Terraform state to check that the previous step was applied, so the next member must wait');
    expect(r.stderr).toContain('--without-applied-state');
    expect(snapshotFiles(out)).toEqual(before);
  });

  it('--without-applied-state advances one member with a loud warning; it does not go with --state', () => {
    const { spec, out, dir } = scenario(...INSTANCE_TYPE);
    expect(runCli(['generate', spec, '--out', out]).code).toBe(0);
    const r = runCli(['rollout', 'next', spec, '--out', out, '--without-applied-state']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('WARNING: --without-applied-state: nothing checks that the previous step was applied');
    expect(r.stdout).toContain('This step writes the change of control-plane-2 only.');
    expect(JSON.parse(runCli(['rollout', 'status', spec, '--out', out, '-o', 'json']).stdout).pending).toEqual(['control-plane-3']);
    const state = join(dir, 'state.json');
    writeFileSync(state, shownStateOf(stateOf(out)));
    const both = runCli(['rollout', 'next', spec, '--out', out, '--state', state, '--without-applied-state']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/mutually exclusive/);
  });

  it('reads --state in the terraform show -json form: advances once applied, refuses an unapplied or tainted member as the raw form does', () => {
    const { spec, out, dir } = scenario(...INSTANCE_TYPE);
    expect(runCli(['generate', spec, '--out', out]).code).toBe(0);
    const shown = join(dir, 'shown.json');
    writeFileSync(shown, shownStateOf(stateOf(out, { control_plane_1: 't3.medium' })));
    const before = snapshotFiles(out);
    const stale = runCli(['rollout', 'next', spec, '--out', out, '--state', shown]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('the previous step is not applied yet');
    expect(stale.stderr).toContain('control-plane-1: runs "t3.medium", the folder asks for "m6i.large"');
    expect(hasStackTrace(stale.stderr)).toBe(false);
    expect(snapshotFiles(out)).toEqual(before);

    const tainted = JSON.parse(stateOf(out)) as { resources: Array<{ name: string; instances: Array<{ status?: string }> }> };
    tainted.resources.find((x) => x.name === 'control_plane_1')!.instances[0]!.status = 'tainted';
    writeFileSync(shown, shownStateOf(JSON.stringify(tainted)));
    const t = runCli(['rollout', 'next', spec, '--out', out, '--state', shown]);
    expect(t.code).toBe(1);
    expect(t.stderr).toContain('control-plane-1: tainted');
    expect(snapshotFiles(out)).toEqual(before);

    // An empty state prints no values: nothing applied.
    writeFileSync(shown, JSON.stringify({ format_version: '1.0' }));
    const empty = runCli(['rollout', 'next', spec, '--out', out, '--state', shown]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain(`control-plane-1: not in ${shown} yet`);

    writeFileSync(shown, JSON.stringify({ format_version: '2.0', values: { root_module: {} } }));
    const future = runCli(['rollout', 'next', spec, '--out', out, '--state', shown]);
    expect(future.code).toBe(1);
    expect(future.stderr).toContain('format_version "2.0", where hakube reads 1.x');
    writeFileSync(shown, JSON.stringify({ format_version: '1.0', values: { root_module: { resources: [null] } } }));
    const broken = runCli(['rollout', 'next', spec, '--out', out, '--state', shown]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('is not a state as terraform show -json prints it: values.root_module.resources[0]');
    expect(hasStackTrace(broken.stderr)).toBe(false);
    expect(snapshotFiles(out)).toEqual(before);

    writeFileSync(shown, shownStateOf(stateOf(out)));
    const next = runCli(['rollout', 'next', spec, '--out', out, '--state', shown]);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain(`${shown}: the previous step is applied.`);
    expect(next.stdout).toContain('This step writes the change of control-plane-2 only.');
  });
});
