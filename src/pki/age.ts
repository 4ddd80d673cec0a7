import { spawnSync } from 'node:child_process';
import { UserError } from '../errors.js';

/**
 * hakube encrypts the team key store with the `age` program (https://age-encryption.org, by Filippo Valsorda; Debian
 * and Ubuntu package `age`, Homebrew `age`) rather than with its own cryptography: its recipients are age X25519 or
 * SSH public keys, and its file format is a published specification other tools read. Flags as in `age --help` of
 * age 1.1.1: -R recipients file, -d -i identity file ("-" reads it from standard input).
 */
const AGE = 'age';

/** The decrypted store is a few hundred KiB at most; its bound is the archive reader's (key-store-archive.ts). */
const OUTPUT_LIMIT = 128 * 1024 * 1024;

function runAge(args: string[], input: Buffer | string | undefined, what: string): Buffer {
  const r = spawnSync(AGE, args, { input, maxBuffer: OUTPUT_LIMIT, stdio: ['pipe', 'pipe', 'pipe'] });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(
        `hakube keys needs the age program on PATH to ${what}, and it is not installed: apt-get install age (Debian, Ubuntu), ` +
          'brew install age (macOS), or a release from https://github.com/FiloSottile/age/releases',
      );
    }
    if ((r.error as NodeJS.ErrnoException).code === 'ENOBUFS') throw new UserError(`age gave more than ${OUTPUT_LIMIT} bytes; the key store is not one hakube made`);
    throw new UserError(`could not run age to ${what}: ${r.error.message}`);
  }
  if (r.status !== 0) {
    // age ends its errors with a line asking to report unhelpful ones; the error itself is enough here.
    const said = r.stderr
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.includes('report unexpected or unhelpful errors'))
      .map((line) => line.replace(/^age: (error: )?/, ''))
      .join('; ');
    throw new UserError(`age could not ${what}: ${said || `exit code ${String(r.status)}`}`);
  }
  return r.stdout;
}

/** `plaintext` encrypted to every recipient listed in `recipientsFile` (one per line, # comments). */
export function ageEncrypt(plaintext: Buffer, recipientsFile: string): Buffer {
  return runAge(['--encrypt', '-R', recipientsFile], plaintext, `encrypt to the recipients in ${recipientsFile}`);
}

/** The plaintext of the age file at `path`, with the identity in a file or given as text (passed on standard input, never written). */
export function ageDecrypt(path: string, identity: { file: string } | { text: string }): Buffer {
  if ('file' in identity) return runAge(['--decrypt', '-i', identity.file, path], undefined, `decrypt ${path} with the identity in ${identity.file}`);
  return runAge(['--decrypt', '-i', '-', path], identity.text, `decrypt ${path} with the identity given in the environment`);
}
