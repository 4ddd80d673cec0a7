import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { MAX_JSON_DEPTH, parseReadBackJson, READ_BACK_LIMITS, readBack } from '../src/read-back.js';

const dir = mkdtempSync(join(tmpdir(), 'hakube-read-back-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

function nested(depth: number): string {
  return `${'['.repeat(depth - 1)}{}${']'.repeat(depth - 1)}`;
}

describe('readBack', () => {
  it('reads a regular file, and nothing when there is none', () => {
    writeFileSync(join(dir, 'plain'), '1.34.2\n');
    expect(readBack(join(dir, 'plain'), 'version')).toBe('1.34.2\n');
    expect(readBack(join(dir, 'absent'), 'version')).toBeUndefined();
  });

  it('refuses a link (even to a regular file), a FIFO, a device and a folder as not a regular file', () => {
    writeFileSync(join(dir, 'target'), 'x');
    symlinkSync(join(dir, 'target'), join(dir, 'link'));
    symlinkSync(join(dir, 'gone'), join(dir, 'dangling'));
    expect(spawnSync('mkfifo', [join(dir, 'fifo')]).status).toBe(0);
    mkdirSync(join(dir, 'folder'));
    for (const path of [join(dir, 'link'), join(dir, 'dangling'), join(dir, 'fifo'), '/dev/zero', join(dir, 'folder')]) {
      expect(refusal(() => readBack(path, 'document'))).toContain(`${path} is not a regular file`);
    }
  });

  it('follows a link only when asked (a path the user named), still only to a regular file', () => {
    expect(readBack(join(dir, 'link'), 'state', { followLink: true })).toBe('x');
    expect(refusal(() => readBack('/dev/zero', 'state', { followLink: true }))).toContain('/dev/zero is not a regular file');
  });

  it('refuses a file over its kind\'s limit without reading it', () => {
    const path = join(dir, 'huge');
    writeFileSync(path, '');
    truncateSync(path, READ_BACK_LIMITS.version + 1);
    expect(refusal(() => readBack(path, 'version'))).toContain(`${path} is larger than 1 KiB`);
    expect(readBack(path, 'document')).toHaveLength(READ_BACK_LIMITS.version + 1);
  });
});

describe('parseReadBackJson', () => {
  it(`takes a value ${MAX_JSON_DEPTH} levels deep and refuses one level more, or 20,000, naming the file`, () => {
    expect(parseReadBackJson(nested(MAX_JSON_DEPTH), 'f.json')).toBeDefined();
    expect(refusal(() => parseReadBackJson(nested(MAX_JSON_DEPTH + 1), 'f.json'))).toContain(`f.json holds a value nested more than ${MAX_JSON_DEPTH} deep`);
    expect(refusal(() => parseReadBackJson(nested(20_000), 'f.json'))).toContain('nested more than');
  });

  it('names the file of invalid JSON and never quotes key material from it', () => {
    // Not a key: text shaped like the start of a PEM private key (header built here so no key-like line is committed).
    const keyShapedText = `-----BEGIN RSA ${'PRIVATE'} KEY-----\nMIIEowIBAAKCAQEA`;
    const message = refusal(() => parseReadBackJson(keyShapedText, 'k.json'));
    expect(message).toContain('k.json is not valid JSON');
    expect(message).not.toContain('MIIE');
  });
});
