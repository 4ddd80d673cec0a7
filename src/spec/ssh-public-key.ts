import { showValue } from '../show-value.js';

/**
 * Decodes an OpenSSH public key line ("type base64-blob [comment]") and says what is wrong with it, if anything.
 * AWS's key-pair import (and every sshd) rejects a key whose blob is not the wire form of RFC 4253 / 5656 / 8709,
 * so a pattern match is not enough: a key that only looks right fails `terraform apply` late.
 */

/** Smallest RSA modulus accepted: AWS and current OpenSSH refuse shorter keys. */
export const MIN_RSA_BITS = 2048;

/** Uncompressed EC point sizes (0x04 || X || Y) per curve. */
const ECDSA_POINT_BYTES: Record<string, number> = { nistp256: 65, nistp384: 97, nistp521: 133 };
const ED25519_KEY_BYTES = 32;

/** Reads the length-prefixed fields of an SSH wire blob. */
class WireReader {
  private offset = 0;
  constructor(private readonly blob: Buffer) {}

  field(): Buffer | undefined {
    if (this.offset + 4 > this.blob.length) return undefined;
    const length = this.blob.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + length > this.blob.length) return undefined;
    this.offset = start + length;
    return this.blob.subarray(start, start + length);
  }

  get remaining(): number {
    return this.blob.length - this.offset;
  }
}

function strictBase64(text: string): Buffer | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** Bit length of an SSH mpint (big-endian, a leading zero byte only keeps it positive). */
function mpintBits(value: Buffer): number {
  let i = 0;
  while (i < value.length && value[i] === 0) i++;
  if (i === value.length) return 0;
  return (value.length - i - 1) * 8 + (32 - Math.clz32(value[i]!));
}

/** Problem with the key material after the type string, or undefined when it is well formed. */
function bodyProblem(type: string, reader: WireReader): string | undefined {
  if (type === 'ssh-ed25519') {
    const key = reader.field();
    if (key?.length !== ED25519_KEY_BYTES) return `an ssh-ed25519 key holds ${ED25519_KEY_BYTES} key bytes (a 51-byte blob); this one is truncated or padded`;
  } else if (type === 'ssh-rsa') {
    const exponent = reader.field();
    const modulus = reader.field();
    if (!exponent || !modulus) return 'the ssh-rsa blob ends before its exponent and modulus';
    const bits = mpintBits(modulus);
    if (bits < MIN_RSA_BITS) return `the RSA modulus has ${bits} bits; AWS and OpenSSH need at least ${MIN_RSA_BITS}`;
  } else {
    const curve = type.slice('ecdsa-sha2-'.length);
    const named = reader.field()?.toString('latin1');
    if (named !== curve) return `the blob names curve ${named === undefined ? '(none)' : showValue(named)}, the type says ${curve}`;
    const point = reader.field();
    if (point?.length !== ECDSA_POINT_BYTES[curve] || point[0] !== 4) {
      return `the ${curve} public point should be ${ECDSA_POINT_BYTES[curve]} bytes, uncompressed; this one is truncated or malformed`;
    }
  }
  if (reader.remaining !== 0) return `the blob has ${reader.remaining} byte(s) after the ${type} key`;
  return undefined;
}

/**
 * Why `line` is not a usable OpenSSH public key, or undefined when it is. Assumes the line already matched
 * the schema's shape ("<type> <base64>[ comment]") only loosely: every part is checked here.
 */
export function sshPublicKeyProblem(line: string): string | undefined {
  const [type, encoded] = line.trim().split(/\s+/);
  if (type === undefined || !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521))$/.test(type)) {
    return `key type ${showValue(type ?? '')} is not one of ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521`;
  }
  const blob = encoded === undefined ? undefined : strictBase64(encoded);
  if (!blob) return 'the key blob after the type is not valid base64 (a copy cut short or wrapped over lines?)';
  const reader = new WireReader(blob);
  const embedded = reader.field()?.toString('latin1');
  if (embedded !== type) {
    return `the blob says it is ${embedded === undefined ? 'nothing readable' : showValue(embedded)} but the line says ${type}: a truncated or mixed-up copy`;
  }
  return bodyProblem(type, reader);
}
