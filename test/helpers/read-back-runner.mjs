// Runs hakube's CLI in-process over many hostile folders, for test/output/read-back-property.test.ts: one process
// per kind of replacement, so loading the bundle is paid once, not once per command. Usage:
//   node read-back-runner.mjs DIST_MAIN JOB_JSON
// JOB_JSON: { base, spec, work, variant, files: [relative paths], commands: [{ name, args, writes }], hugeSize }.
// For each file: a fresh copy of `base` with that file replaced by `variant`, every command run on it (a fresh copy
// each for commands that write), and one JSON line per run on standard output. A line {"start": ...} comes first,
// written synchronously, so the parent can name the case a run hung in once it kills this process.
import { spawnSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';

const { main } = await import(process.argv[2]);
const job = JSON.parse(readFileSync(process.argv[3], 'utf8'));

function emit(value) {
  writeSync(1, JSON.stringify(value) + '\n');
}

/**
 * Every entry under `dir` (no link followed) with its kind, inode, size and modification time: any write, rename or
 * replacement changes one of them. Cheap enough to take around every run.
 */
function snapshot(dir) {
  const out = {};
  const walk = (rel) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      const stats = lstatSync(join(dir, child));
      out[child] = `${stats.mode}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
      if (stats.isDirectory()) walk(child);
    }
  };
  walk('');
  return JSON.stringify(out);
}

/** Replaces `file` in `out` by the variant; returns the file outside the folder a link leads to, if any. */
function replace(out, file, outsideDir) {
  const path = join(out, file);
  if (job.variant === 'none') return undefined;
  if (job.variant === 'link-outside') {
    // The same bytes outside, so following the link would go unnoticed but for the check.
    const target = join(outsideDir, basename(file));
    writeFileSync(target, readFileSync(path));
    rmSync(path);
    symlinkSync(target, path);
    return target;
  }
  rmSync(path);
  if (job.variant === 'link-dev-zero') symlinkSync('/dev/zero', path);
  else if (job.variant === 'fifo') {
    const made = spawnSync('mkfifo', [path], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`mkfifo: ${made.stderr}`);
  } else if (job.variant === 'huge') {
    writeFileSync(path, '');
    truncateSync(path, job.hugeSize);
  } else if (job.variant !== 'none') throw new Error(`unknown variant ${job.variant}`);
  return undefined;
}

async function runCommand(command, out) {
  const stdout = [];
  const stderr = [];
  const con = { out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
  const args = command.args.map((a) => (a === 'SPEC' ? job.spec : a === 'OUT' ? out : a));
  let code;
  try {
    code = await main(args, con);
  } catch (err) {
    code = -2;
    stderr.push(`runner: main threw ${err && err.stack}`);
  }
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

for (const file of job.files) {
  const caseDir = mkdtempSync(join(job.work, 'case-'));
  const outsideDir = join(caseDir, 'outside');
  mkdirSync(outsideDir);
  const prepare = (name) => {
    const out = join(caseDir, name);
    cpSync(job.base, out, { recursive: true });
    return { out, target: replace(out, file, outsideDir) };
  };
  const shared = prepare('read-only');
  const sharedBefore = snapshot(shared.out);
  for (const command of job.commands) {
    const { out, target } = command.writes ? prepare(`write-${command.name.replace(/\W+/g, '-')}`) : shared;
    const outsideBefore = snapshot(outsideDir);
    emit({ start: { file, variant: job.variant, command: command.name } });
    const result = await runCommand(command, out);
    emit({
      file,
      variant: job.variant,
      command: command.name,
      path: join(out, file),
      linkTarget: target,
      code: result.code,
      stderr: result.stderr.slice(0, 4000),
      outsideChanged: snapshot(outsideDir) !== outsideBefore,
      // Only asked of the commands that write nothing, which share one copy.
      folderChanged: !command.writes && snapshot(out) !== sharedBefore,
    });
  }
  rmSync(caseDir, { recursive: true, force: true });
}
emit({ done: true });
