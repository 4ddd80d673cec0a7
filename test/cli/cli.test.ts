import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_SPEC, fakePrivateKeyFile, withLine } from '../helpers/spec-text.js';
import { hasStackTrace, REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { TEST_SSH_PUBLIC_KEY } from '../helpers/ssh-keys.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'hakube-cli-'));
}

describe('hakube CLI', () => {
  it('prints help for the program and every command with exit 0', () => {
    const top = runCli(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['init', 'validate', 'get <resource>']) expect(top.stdout).toContain(`hakube ${cmd}`);
    const commands = [['init'], ['validate'], ['generate'], ['get'], ['get', 'instancegroups'], ['ha-report'], ['add-user'], ['kubeconfig'], ['certs'], ['certs', 'check'], ['certs', 'renew'], ['etcd'], ['etcd', 'restore'], ['version'], ['completion']];
    for (const cmd of commands) {
      const r = runCli([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout).toContain('--help');
    }
  });

  it('prints its version with --version and the version command, and as JSON for machines', () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const args of [['--version'], ['version'], ['version', '-o', 'text']]) {
      const r = runCli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
    const json = runCli(['version', '-o', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ version, node: process.version, platform: process.platform, arch: process.arch });
    const bad = runCli(['version', '-o', 'yaml']);
    expect(bad.code).toBe(2);
    expect(hasStackTrace(bad.stderr)).toBe(false);
  });

  it('exits 2 on an unknown flag or command, without a stack trace', () => {
    for (const args of [['validate', 'examples/myfirstcluster.yaml', '--frobnicate'], ['frobnicate'], []]) {
      const r = runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/hakube: .+/);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
  });

  it('exits 1 on a missing spec file, naming it', () => {
    const r = runCli(['validate', 'no/such/spec.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no/such/spec.yaml:1:1');
    expect(r.stderr).toContain('no such file');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('exits 1 on a YAML syntax error and on unknown fields, with FILE:LINE:COL  pointer  message', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'broken.yaml'), 'apiVersion: hakube/v1alpha1\nkind: [Cluster\n');
    const broken = runCli(['validate', join(dir, 'broken.yaml')]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/broken\.yaml:\d+:\d+ {2}\/ {2}error HK002: YAML syntax error/);
    writeFileSync(join(dir, 'unknown.yaml'), withLine('    count: 3', '    count: 3\n    colour: blue'));
    const unknown = runCli(['validate', join(dir, 'unknown.yaml')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`${join(dir, 'unknown.yaml')}:16:5  /spec/controlPlane/colour  error HK101: unknown field "colour"`);
    expect(hasStackTrace(unknown.stderr)).toBe(false);
  });

  it('validates every bundled example', () => {
    for (const example of ['myfirstcluster', 'private-multigroup', 'five-members']) {
      const r = runCli(['validate', `examples/${example}.yaml`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('valid cluster');
    }
  });

  it('init writes the tutorial spec that validate accepts', () => {
    const dir = tmp();
    const file = join(dir, 'c.yaml');
    const init = runCli(['init', '--name', 'myfirstcluster.k8s.local', '--zones', 'us-west-2a,us-west-2b,us-west-2c', '--master-count', '3', '-o', file]);
    expect(init.code, init.stderr).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('name: myfirstcluster.k8s.local');
    expect(text).toContain('# ');
    expect(text).toContain('  ssm:\n    enabled: true\n');
    const validate = runCli(['validate', file]);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain('3 control-plane');
  });

  it('init refuses an even master count or zones of two regions, writing nothing', () => {
    const dir = tmp();
    const file = join(dir, 'c.yaml');
    const even = runCli(['init', '--name', 'x.k8s.local', '--zones', 'us-west-2a,us-west-2b,us-west-2c', '--master-count', '2', '-o', file]);
    expect(even.code).toBe(1);
    expect(even.stderr).toContain('HK200');
    const mixed = runCli(['init', '--name', 'x.k8s.local', '--zones', 'us-west-2a,eu-west-1b', '-o', file]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('HK210');
    expect(existsSync(file)).toBe(false);
    expect(runCli(['init', '--name', 'x.k8s.local', '--zones', ',', '-o', file]).code).toBe(2);
  });

  it('init never overwrites an existing file unless --force', () => {
    const dir = tmp();
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'mine\n');
    const r = runCli(['init', '--name', 'x.k8s.local', '--zones', 'us-west-2a,us-west-2b,us-west-2c', '-o', file]);
    expect(r.code).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
    expect(runCli(['init', '--name', 'x.k8s.local', '--zones', 'us-west-2a,us-west-2b,us-west-2c', '-o', file, '--force']).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('x.k8s.local');
  });

  it('init puts an SSH public key inline and refuses a private key', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'id.pub'), `${TEST_SSH_PUBLIC_KEY} me@host\n`);
    writeFileSync(join(dir, 'id'), fakePrivateKeyFile());
    const ok = runCli(['init', '--name', 'x.k8s.local', '--zones', 'us-west-2a,us-west-2b,us-west-2c', '--ssh-public-key', join(dir, 'id.pub')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`publicKey: "${TEST_SSH_PUBLIC_KEY} me@host"`);
    const bad = runCli(['init', '--name', 'x.k8s.local', '--zones', 'us-west-2a,us-west-2b,us-west-2c', '--ssh-public-key', join(dir, 'id')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).not.toContain('abc');
  });

  it('get instancegroups lists control-plane members and groups as table, json and yaml', () => {
    const table = runCli(['get', 'instancegroups', 'examples/myfirstcluster.yaml']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+ROLE\s+MACHINETYPE\s+MIN\s+MAX\s+ZONES$/);
    expect(table.stdout).toMatch(/nodes\s+Node\s+t3\.medium\s+2\s+2\s+us-west-2a,us-west-2b,us-west-2c/);
    const json = JSON.parse(runCli(['get', 'ig', 'examples/private-multigroup.yaml', '-o', 'json']).stdout);
    expect(json.map((r: { name: string }) => r.name)).toEqual(['control-plane-1', 'control-plane-2', 'control-plane-3', 'general', 'memory', 'ingress']);
    const yaml = runCli(['get', 'ig', 'examples/five-members.yaml', '-o', 'yaml']);
    expect(yaml.stdout).toContain('- name: control-plane-5');
  });

  it('exits 1 for an even control-plane count with the line of the count', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'even.yaml'), withLine('    count: 3', '    count: 4', BASE_SPEC));
    const r = runCli(['validate', join(dir, 'even.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'even.yaml')}:15:12  /spec/controlPlane/count  error HK200`);
  });

  it('init -o refuses a folder and a path under a file, writing nothing', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'afile'), 'mine');
    const base = ['init', '--name', 'x.k8s.local', '--zones', 'us-west-2a,us-west-2b,us-west-2c', '--force', '-o'];
    const folder = runCli([...base, dir]);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain('is a folder');
    const underFile = runCli([...base, join(dir, 'afile', 'c.yaml')]);
    expect(underFile.code).toBe(1);
    expect(underFile.stderr).toContain('is not a folder');
    expect(hasStackTrace(folder.stderr + underFile.stderr)).toBe(false);
    expect(readFileSync(join(dir, 'afile'), 'utf8')).toBe('mine');
  });

  it('kubeconfig -o never replaces an existing file without --force', () => {
    const dir = tmp();
    const out = join(dir, 'out');
    expect(runCli(['generate', 'examples/myfirstcluster.yaml', '--out', out]).code).toBe(0);
    const mine = join(dir, 'config');
    writeFileSync(mine, 'important: data\n');
    const args = ['kubeconfig', 'examples/myfirstcluster.yaml', '--out', out, '--server', 'https://api.example.com:6443', '-o', mine];
    const refused = runCli(args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already exists; choose another file or pass --force');
    expect(readFileSync(mine, 'utf8')).toBe('important: data\n');
    expect(runCli([...args, '--force']).code).toBe(0);
    expect(readFileSync(mine, 'utf8')).toContain('server: https://api.example.com:6443');
  });

  it('.hakube-files names exactly the committed files, while hakube still removes its stale local ones and keeps foreign ones', () => {
    const dir = tmp();
    const out = join(dir, 'out');
    const spec = 'examples/myfirstcluster.yaml';
    const server = ['--server', 'https://api.example.com:6443'];
    expect(runCli(['generate', spec, '--out', out]).code).toBe(0);
    expect(runCli(['add-user', spec, '--name', 'bob', '--out', out, ...server]).code).toBe(0);
    expect(runCli(['kubeconfig', spec, '--out', out, ...server]).code).toBe(0);
    writeFileSync(join(out, 'notes.md'), 'mine\n');
    writeFileSync(join(out, 'extra.tf.json'), '{}\n');
    expect(runCli(['generate', spec, '--out', out]).code).toBe(0);

    // Each line is `<sha256>  <path>`.
    const listed = (dir: string) => readFileSync(join(dir, '.hakube-files'), 'utf8').split('\n').filter((l) => l !== '').map((l) => l.slice(66));
    const committed = listed(out);
    expect(committed.filter((p) => p.startsWith('pki/') || p.startsWith('users/') || p === 'kubeconfig')).toEqual([]);
    const local = readFileSync(join(out, 'pki/.hakube-files'), 'utf8');
    for (const p of ['pki/ca.key', 'pki/admin.kubeconfig', 'users/bob/kubeconfig', 'users/alice/alice.key']) expect(local).toContain(`${p}\n`);
    // What git would commit of the folder is what the manifest lists, the user's own files and the manifest itself.
    expect(spawnSync('git', ['init', '-q', out]).status).toBe(0);
    expect(spawnSync('git', ['add', '-A'], { cwd: out }).status).toBe(0);
    const tracked = spawnSync('git', ['ls-files'], { cwd: out, encoding: 'utf8' }).stdout.split('\n').filter((l) => l !== '');
    expect(tracked.sort()).toEqual([...committed, '.hakube-files', 'extra.tf.json', 'notes.md'].sort());

    // Without its certificate, bob's kubeconfig is hakube's stale file: removed, while the user's files stay.
    rmSync(join(out, 'users/bob/bob.crt'));
    rmSync(join(out, 'users/bob/bob.key'));
    const again = runCli(['generate', spec, '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('removed    users/bob/kubeconfig');
    expect(existsSync(join(out, 'users/bob/kubeconfig'))).toBe(false);
    expect(readFileSync(join(out, 'notes.md'), 'utf8')).toBe('mine\n');
    expect(readFileSync(join(out, 'extra.tf.json'), 'utf8')).toBe('{}\n');
    expect(listed(out)).toEqual(committed);
  });

  it('kubeconfig -o - prints the kubeconfig, admin key included, and writes no file', () => {
    const dir = tmp();
    const out = join(dir, 'out');
    const spec = join(REPO_ROOT, 'examples/myfirstcluster.yaml');
    expect(runCli(['generate', spec, '--out', out]).code).toBe(0);
    const r = runCli(['kubeconfig', spec, '--out', out, '--server', 'https://api.example.com:6443', '-o', '-'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, '-'))).toBe(false);
    expect(existsSync(join(out, 'pki/admin.kubeconfig'))).toBe(false);
    // Saved by the test, as a shell redirection would (kubectl cannot read /dev/stdin from a spawned process's socket).
    const saved = join(tmp(), 'config');
    writeFileSync(saved, r.stdout);
    const view = spawnSync('kubectl', ['config', 'view', `--kubeconfig=${saved}`, '--raw', '-o', 'json'], { encoding: 'utf8' });
    expect(view.status, view.stderr).toBe(0);
    const config = JSON.parse(view.stdout) as { clusters: Array<{ cluster: { server: string } }>; users: Array<{ name: string; user: { 'client-key-data': string } }> };
    expect(config.clusters[0]?.cluster.server).toBe('https://api.example.com:6443');
    expect(config.users[0]?.name).toBe('kubernetes-admin');
    expect(Buffer.from(config.users[0]?.user['client-key-data'] ?? '', 'base64').toString('utf8')).toBe(readFileSync(join(out, 'pki/admin.key'), 'utf8'));
    expect(runCli(['kubeconfig', '--help']).stdout).toContain('or - for standard output; it holds the private key');
  });

  it('completion bash and zsh print yargs\' scripts for hakube, the bash one completing commands; fish is a usage error', () => {
    const bash = runCli(['completion', 'bash']);
    expect(bash.code, bash.stderr).toBe(0);
    const dir = tmp();
    const script = join(dir, 'hakube.bash');
    writeFileSync(script, bash.stdout);
    const syntax = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
    expect(syntax.status, syntax.stderr).toBe(0);
    // The script runs `hakube --get-yargs-completions`: a hakube on PATH that is this build answers it.
    writeFileSync(join(dir, 'hakube'), `#!/bin/sh\nexec '${process.execPath}' '${join(REPO_ROOT, 'bin/hakube.js')}' "$@"\n`, { mode: 0o755 });
    const complete = (words: string) =>
      spawnSync('bash', ['-c', `source ${script}; COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _hakube_yargs_completions; printf '%s\\n' "\${COMPREPLY[@]}"`], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` },
      }).stdout;
    expect(complete('hakube gen')).toBe('generate\n');
    expect(complete('hakube completion z')).toBe('zsh\n');

    const zsh = runCli(['completion', 'zsh']);
    expect(zsh.code, zsh.stderr).toBe(0);
    expect(zsh.stdout.startsWith('#compdef hakube\n')).toBe(true);
    expect(zsh.stdout).toContain('compdef _hakube_yargs_completions hakube');

    const fish = runCli(['completion', 'fish']);
    expect(fish.code).toBe(2);
    expect(fish.stderr).toContain('Choices: "bash", "zsh"');
    expect(hasStackTrace(fish.stderr)).toBe(false);
  });

  it('quotes flag values that YAML would misread, so the spec keeps them as written', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'id.pub'), `${TEST_SSH_PUBLIC_KEY} me: at # home\n`);
    const r = runCli(['init', '--name', 'x.k8s.local', '--zones', 'us-west-2a,us-west-2b,us-west-2c', '--ssh-public-key', join(dir, 'id.pub')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`publicKey: "${TEST_SSH_PUBLIC_KEY} me: at # home"`);
  });
});

