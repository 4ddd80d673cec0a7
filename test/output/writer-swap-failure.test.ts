import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { UserError } from '../../src/errors.js';
import { writeOutput } from '../../src/output/writer.js';
import { listFiles } from '../helpers/files.js';

/**
 * Faults no real file system makes on demand at the exact moment: the swap's second rename failing after the first
 * succeeded, or any single file-system call of writeOutput failing. `fault` runs before each wrapped call.
 */
const injected = vi.hoisted(() => ({
  fault: undefined as ((call: string, args: unknown[]) => void) | undefined,
  wrapped: ['renameSync', 'rmSync', 'mkdirSync', 'openSync', 'writeSync', 'linkSync', 'symlinkSync', 'chmodSync', 'fchmodSync', 'fsyncSync'] as const,
}));

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const wrapped: Record<string, unknown> = { ...actual };
  for (const name of injected.wrapped) {
    const real = actual[name] as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      injected.fault?.(name, args);
      return real(...args);
    };
  }
  return { ...wrapped, default: wrapped };
});

function errno(code: string, call: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault, ${call}`), { code });
}

function freshOutput(): string {
  const out = join(mkdtempSync(join(tmpdir(), 'hakube-swap-')), 'out');
  writeOutput(out, [
    { path: 'a.tf.json', content: '1' },
    { path: 'pki/ca.key', content: 'KEY1', mode: 0o600 },
  ]);
  return out;
}

/** What writer.ts puts in a swap folder before anything else. */
const IGNORE_ALL = '# Written by hakube: a staging or backup copy of an output folder; never commit it.\n*\n';

const NEXT = [
  { path: 'a.tf.json', content: '2' },
  { path: 'b.tf.json', content: 'new' },
  { path: 'pki/ca.key', content: 'KEY1', mode: 0o600 },
];

/** The second rename of the swap: the staged tree into the output path. */
const isSwapIn = (out: string) => (call: string, args: unknown[]) => call === 'renameSync' && args[1] === out && String(args[0]).includes('.hakube-new-');

function attempt(out: string): unknown {
  try {
    writeOutput(out, NEXT);
    return undefined;
  } catch (err) {
    return err;
  } finally {
    injected.fault = undefined;
  }
}

/** Every copy of pki/ca.key beside or in the output folder, by path relative to its parent. */
function caKeys(out: string): string[] {
  return listFiles(dirname(out)).filter((f) => f.endsWith('pki/ca.key') && readFileSync(join(dirname(out), f), 'utf8') === 'KEY1');
}

describe('the swap of the output folder failing', () => {
  it('puts the previous output back when the staged tree cannot be renamed into place', () => {
    const out = freshOutput();
    const swapIn = isSwapIn(out);
    injected.fault = (call, args) => {
      if (swapIn(call, args)) throw errno('EACCES', call);
    };
    const err = attempt(out);
    expect(err).toBeInstanceOf(UserError);
    expect(readFileSync(join(out, 'pki/ca.key'), 'utf8')).toBe('KEY1');
    expect(readFileSync(join(out, 'a.tf.json'), 'utf8')).toBe('1');
    expect(readdirSync(dirname(out))).toEqual(['out']);
  });

  it('never deletes the backup when something took the output path meanwhile: the CA key is kept where the error says', () => {
    const out = freshOutput();
    const swapIn = isSwapIn(out);
    injected.fault = (call, args) => {
      // Another writer (as certs renew was, without the lock) makes the folder again between the two renames.
      if (swapIn(call, args)) {
        injected.fault = undefined;
        mkdirSync(join(out, 'pki'), { recursive: true });
        writeFileSync(join(out, 'pki/intruder.crt'), 'theirs');
      }
    };
    const err = attempt(out);
    expect(err).toBeInstanceOf(UserError);
    expect(readFileSync(join(out, 'pki/intruder.crt'), 'utf8')).toBe('theirs');
    const kept = caKeys(out).filter((f) => !f.startsWith('out/'));
    expect(kept).toHaveLength(1);
    const keptFolder = join(dirname(out), kept[0] as string, '../..');
    expect((err as Error).message).toContain(keptFolder);
    // A kept backup is never taken for a dead run's leftover: the next run leaves it alone.
    expect(readFileSync(join(keptFolder, '../.gitignore'), 'utf8')).toContain('*');
  });

  it('keeps the backup when putting it back fails too, and says where it is', () => {
    const out = freshOutput();
    injected.fault = (call, args) => {
      if (call === 'renameSync' && args[1] === out) throw errno('EACCES', call);
    };
    const err = attempt(out);
    expect(err).toBeInstanceOf(UserError);
    const kept = caKeys(out);
    expect(kept).toHaveLength(1);
    expect((err as Error).message).toContain(join(dirname(out), kept[0] as string, '../..'));
  });
});

describe('property: any one file-system call of writeOutput failing', () => {
  it('ends in a UserError or a complete write, and the CA key survives: in the output, or in the one folder the error names', () => {
    let cases = 0;
    for (const code of ['EACCES', 'ENOSPC', 'EEXIST']) {
      for (let n = 1; ; n++) {
        const out = freshOutput();
        let calls = 0;
        injected.fault = (call) => {
          if (++calls === n) throw errno(code, call);
        };
        const err = attempt(out);
        cases++;
        const fired = calls >= n;
        const label = `${code} at call ${n}: ${String(err)}`;
        if (err === undefined) {
          // Succeeded, also when the failing call was the removal of a swap folder after the swap.
          expect(readFileSync(join(out, 'b.tf.json'), 'utf8'), label).toBe('new');
          expect(readFileSync(join(out, 'pki/ca.key'), 'utf8'), label).toBe('KEY1');
        } else {
          expect(err, label).toBeInstanceOf(UserError);
          const keys = caKeys(out);
          if (existsSync(join(out, 'pki/ca.key'))) {
            expect(keys, label).toContain('out/pki/ca.key');
          } else {
            // Not in place: kept, and the error says where.
            expect(keys, label).toHaveLength(1);
            expect((err as Error).message, label).toContain(join(dirname(out), keys[0] as string, '../..'));
          }
        }
        // Whatever is left beside the folder (a swap folder that could not be removed) is ignored by git.
        for (const name of readdirSync(dirname(out)).filter((f) => f !== 'out')) {
          const folder = join(dirname(out), name);
          expect([label, name, readdirSync(folder).length === 0 || readFileSync(join(folder, '.gitignore'), 'utf8') === IGNORE_ALL]).toEqual([label, name, true]);
        }
        if (!fired) {
          expect(readdirSync(dirname(out)), label).toEqual(['out']);
          break;
        }
      }
    }
    // At least the calls of a two-file write, for each of the three faults.
    expect(cases).toBeGreaterThan(3 * 20);
    console.log(`writer-swap-failure: ${cases} cases`);
  });
});
