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
 * (d) a file over every read-back limit, each command that reads the folder either refuses it, exiting 1 naming the
 * file without a stack trace, or does not read it and exits as on the intact folder; none hangs, none changes the
 * file outside, and the commands that write nothing leave the folder as it was.
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
  /** Reads every file hakube wrote to the folder (not the Terraform state), so it must refuse each replaced one. */
  readsAll: boolean;
}

/** Every command that reads the folder back; SPEC and OUT are filled in per case. */
const COMMANDS: Command[] = [
  { name: 'validate', args: ['validate', 'SPEC', '--out', 'OUT'], writes: false, readsAll: false },
  { name: 'generate --check', args: ['generate', 'SPEC', '--out', 'OUT', '--check'], writes: false, readsAll: true },
  { name: 'generate --dry-run', args: ['generate', 'SPEC', '--out', 'OUT', '--dry-run'], writes: false, readsAll: true },
  { name: 'rollout status', args: ['rollout', 'status', 'SPEC', '--out', 'OUT'], writes: false, readsAll: false },
  { name: 'certs check', args: ['certs', 'check', 'SPEC', '--out', 'OUT'], writes: false, readsAll: false },
  { name: 'generate', args: ['generate', 'SPEC', '--out', 'OUT'], writes: true, readsAll: true },
  { name: 'rollout next', args: ['rollout', 'next', 'SPEC', '--out', 'OUT'], writes: true, readsAll: true },
];

/** Files the folder holds that a command reading everything hakube wrote still does not read: the Terraform state. */
const NOT_READ_BY_ALL: Record<string, string[]> = {
  'terraform.tfstate': ['generate --check', 'generate --dry-run', 'generate'],
};

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

describe('every file a generated folder holds, replaced by a link, a FIFO or a huge file', () => {
  it('is refused naming it, or not read; never a hang, a stack trace or a change outside', async () => {
    // About 30 runs a second in one process; the timeout only bounds a hang.
    const timeoutMs = 600_000;
    const [baseline, ...byVariant] = await Promise.all([runVariant('none', timeoutMs), ...VARIANTS.map((v) => runVariant(v, timeoutMs))]);
    const before = new Map(baseline!.map((r) => [r.command, r.code]));
    for (const command of COMMANDS) expect(before.get(command.name), `${command.name} on the intact folder: ${baseline!.find((r) => r.command === command.name)?.stderr}`).toBe(0);

    const results = byVariant.flat();
    expect(results).toHaveLength(files.length * VARIANTS.length * COMMANDS.length);
    const problems: string[] = [];
    let refused = 0;
    for (const r of results) {
      const name = `${r.command} with ${r.file} as ${r.variant}`;
      const command = COMMANDS.find((c) => c.name === r.command)!;
      if (hasStackTrace(r.stderr) || r.code === 70 || r.code === -2) problems.push(`${name}: a crash (${r.code})\n${r.stderr}`);
      else if (r.code === 1) {
        if (!r.stderr.includes(r.path)) problems.push(`${name}: exit 1 without naming ${r.path}\n${r.stderr}`);
        else refused++;
      } else if (r.code !== before.get(r.command)) problems.push(`${name}: exit ${r.code}\n${r.stderr}`);
      else if (command.readsAll && !(NOT_READ_BY_ALL[r.file] ?? []).includes(r.command)) problems.push(`${name}: exit ${r.code}, but it reads every file hakube wrote`);
      if (r.outsideChanged) problems.push(`${name}: changed ${r.linkTarget} outside the folder`);
      if (!command.writes && r.folderChanged) problems.push(`${name}: changed the folder`);
    }
    expect(problems, problems.slice(0, 20).join('\n\n')).toEqual([]);
    // Every case counts: one per file, replacement and command (printed for the record of what the suite covers).
    console.log(`read-back property: ${results.length} hostile cases (${files.length} files x ${VARIANTS.length} replacements x ${COMMANDS.length} commands), ${refused} refused naming the file`);
  });
});
