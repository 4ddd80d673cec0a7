import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_BACK_LIMITS } from '../../src/read-back.js';
import { listFiles } from '../helpers/files.js';
import { hasStackTrace, REPO_ROOT, runCli } from '../helpers/run-cli.js';

/**
 * The property behind test/output/read-back.test.ts: whatever file of a generated folder (and its local Terraform
 * state) is replaced by (a) a symbolic link to a copy of it outside, (b) a symbolic link to /dev/zero, (c) a FIFO or
 * (d) a file over every read-back limit, each command that reads the folder refuses it if it reads that file
 * (exit 1 naming the file, no stack trace; a link to an identical copy must be refused too, not followed), and
 * otherwise exits as on the intact folder; none hangs, none changes the file outside, and the commands that write
 * nothing leave the folder as it was.
 */

const RUNNER = fileURLToPath(new URL('../helpers/read-back-runner.mjs', import.meta.url));
const DIST_MAIN = join(REPO_ROOT, 'dist', 'main.js');
const TUTORIAL_TEXT = readFileSync(join(REPO_ROOT, 'examples/myfirstcluster.yaml'), 'utf8');
const INSTANCE_TYPE: [string, string] = ['    instanceType: t3.medium\n  instanceGroups:', '    instanceType: m6i.large\n  instanceGroups:'];
const VARIANTS = ['link-outside', 'link-dev-zero', 'fifo', 'huge'] as const;
/** Larger than every read-back limit (sparse: it takes no disk). */
const HUGE = Math.max(...Object.values(READ_BACK_LIMITS)) + 1;

interface Command {
  name: string;
  args: string[];
  writes: boolean;
  /** Whether it reads `file` of the folder: then it must refuse each replacement; else it must exit as before. */
  reads: (file: string) => boolean;
}

const isKeyMaterial = (file: string) => file.startsWith('pki/') || file.startsWith('users/');
const STATE = 'terraform.tfstate';

/** Every command that reads the folder back; SPEC and OUT are filled in per case. */
const COMMANDS: Command[] = [
  // The upgrade check: the version file and the kubelet each boot script pins.
  { name: 'validate', args: ['validate', 'SPEC', '--out', 'OUT'], writes: false, reads: (f) => f === 'kubernetes-version.txt' || (f.startsWith('cloud-init/') && f.endsWith('.yaml')) },
  // Everything hakube wrote, with pki/ (its file list too); not the Terraform state.
  { name: 'generate --check', args: ['generate', 'SPEC', '--out', 'OUT', '--check'], writes: false, reads: (f) => f !== STATE },
  { name: 'generate --dry-run', args: ['generate', 'SPEC', '--out', 'OUT', '--dry-run'], writes: false, reads: (f) => f !== STATE },
  // The previous output and both file lists, but no key material.
  { name: 'rollout status', args: ['rollout', 'status', 'SPEC', '--out', 'OUT'], writes: false, reads: (f) => f === 'pki/.hakube-files' || (!isKeyMaterial(f) && f !== STATE) },
  // The key store: pki/ and users/, whose dotfiles are no store content.
  { name: 'certs check', args: ['certs', 'check', 'SPEC', '--out', 'OUT'], writes: false, reads: (f) => isKeyMaterial(f) && f !== 'pki/.hakube-files' },
  { name: 'generate', args: ['generate', 'SPEC', '--out', 'OUT'], writes: true, reads: (f) => f !== STATE },
  // Everything, and the local backend's state first.
  { name: 'rollout next', args: ['rollout', 'next', 'SPEC', '--out', 'OUT'], writes: true, reads: () => true },
];

interface RunResult {
  file: string;
  variant: string;
  command: string;
  path: string;
  linkTarget?: string;
  code: number;
  stderr: string;
  outsideChanged: boolean;
  folderChanged: boolean;
}

let work = '';
let base = '';
let spec = '';
let files: string[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'hakube-read-back-all-'));
  base = join(work, 'base');
  spec = join(work, 'cluster.yaml');
  writeFileSync(spec, TUTORIAL_TEXT);
  const first = runCli(['generate', spec, '--out', base]);
  if (first.code !== 0) throw new Error(`test setup: ${first.stderr}`);
  // A rollout in progress, so the folder also holds rollout-pending.json and rollout next reads the state.
  writeFileSync(spec, TUTORIAL_TEXT.replace(...INSTANCE_TYPE));
  const second = runCli(['generate', spec, '--out', base]);
  if (second.code !== 0) throw new Error(`test setup: ${second.stderr}`);
  // The local backend's state, showing the first step applied (no user data recorded: not compared).
  const instances = JSON.parse(readFileSync(join(base, 'control-plane.tf.json'), 'utf8')).resource.aws_instance as Record<string, { instance_type: string }>;
  const resources = Object.entries(instances).map(([name, config]) => ({ mode: 'managed', type: 'aws_instance', name, instances: [{ attributes: { instance_type: config.instance_type } }] }));
  writeFileSync(join(base, 'terraform.tfstate'), JSON.stringify({ version: 4, resources }));
  files = listFiles(base);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Runs the runner for `variant` over every file; a run that hangs is named when the runner is killed. */
function runVariant(variant: string, timeoutMs: number): Promise<RunResult[]> {
  const jobFile = join(work, `job-${variant}.json`);
  writeFileSync(jobFile, JSON.stringify({ base, spec, work, variant, files: variant === 'none' ? ['.gitignore'] : files, commands: COMMANDS, hugeSize: HUGE }));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, DIST_MAIN, jobFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const lines = stdout.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Partial<RunResult> & { start?: object; done?: boolean });
      if (!lines.some((l) => l.done)) {
        const last = lines.filter((l) => l.start).at(-1)?.start;
        reject(new Error(`the ${variant} runner ended (${signal ?? code}) before finishing, in ${JSON.stringify(last)}: a hang or a crash\n${stderr.slice(0, 4000)}`));
        return;
      }
      resolve(lines.filter((l) => l.command !== undefined && !l.start) as RunResult[]);
    });
  });
}

/** Kills a runner that has not finished: a hang. Below vitest's ten-minute backstop, so the hang is named. */
const RUNNER_TIMEOUT_MS = 540_000;

describe('every file a generated folder holds, replaced by a link, a FIFO or a huge file', () => {
  let before = new Map<string, number>();
  beforeAll(async () => {
    const baseline = await runVariant('none', RUNNER_TIMEOUT_MS);
    before = new Map(baseline.map((r) => [r.command, r.code]));
    for (const r of baseline) if (r.code !== 0) throw new Error(`test setup: ${r.command} on the intact folder exits ${r.code}: ${r.stderr}`);
  });

  // One runner per replacement, in turn: each stays well inside the backstop on a busy machine.
  it.each(VARIANTS)('%s: refused naming the file by each command that reads it, else not read; never a hang, a stack trace or a change outside', async (variant) => {
    const results = await runVariant(variant, RUNNER_TIMEOUT_MS);
    expect(results).toHaveLength(files.length * COMMANDS.length);
    const problems: string[] = [];
    let refused = 0;
    for (const r of results) {
      const name = `${r.command} with ${r.file} as ${r.variant}`;
      const command = COMMANDS.find((c) => c.name === r.command)!;
      if (hasStackTrace(r.stderr) || r.code === 70 || r.code === -2) problems.push(`${name}: a crash (${r.code})\n${r.stderr}`);
      else if (command.reads(r.file)) {
        if (r.code !== 1 || !r.stderr.includes(r.path)) problems.push(`${name}: exit ${r.code}, not 1 naming ${r.path}\n${r.stderr}`);
        else refused++;
      } else if (r.code !== before.get(r.command)) problems.push(`${name}: exit ${r.code}, but it does not read that file\n${r.stderr}`);
      if (r.outsideChanged) problems.push(`${name}: changed ${r.linkTarget} outside the folder`);
      if (!command.writes && r.folderChanged) problems.push(`${name}: changed the folder`);
    }
    expect(problems, problems.slice(0, 20).join('\n\n')).toEqual([]);
    // Every case counts: one per file and command (for the record of what the suite covers).
    console.log(`read-back property, ${variant}: ${results.length} hostile cases (${files.length} files x ${COMMANDS.length} commands), ${refused} refused naming the file`);
  });
});
