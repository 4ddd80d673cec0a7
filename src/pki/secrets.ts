import { randomBytes, randomInt } from 'node:crypto';
import { parse, stringify } from 'yaml';

/** kubeadm's bootstrap token format: a public id and a secret, lowercase letters and digits. */
export const BOOTSTRAP_TOKEN_PATTERN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomToken(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)];
  return out;
}

/** The content of pki/secrets/bootstrap-token: the token and a newline. */
export function newBootstrapToken(): string {
  return `${randomToken(6)}.${randomToken(16)}\n`;
}

export function checkBootstrapToken(content: string): string | undefined {
  return BOOTSTRAP_TOKEN_PATTERN.test(content.trim()) ? undefined : 'is not a kubeadm bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})';
}

/**
 * An EncryptionConfiguration for Secrets at rest. secretbox (XSalsa20-Poly1305) is authenticated and is the
 * local-key provider the Kubernetes docs recommend over aescbc; identity comes last so Secrets written before
 * encryption was enabled stay readable.
 */
export function newEncryptionConfig(): string {
  const config = {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [
      {
        resources: ['secrets'],
        providers: [{ secretbox: { keys: [{ name: 'key1', secret: randomBytes(32).toString('base64') }] } }, { identity: {} }],
      },
    ],
  };
  return stringify(config);
}

interface EncryptionProvider {
  secretbox?: { keys?: Array<{ secret?: unknown }> };
  aescbc?: { keys?: Array<{ secret?: unknown }> };
}

/** Why a stored encryption config cannot be used, or undefined when it can. */
export function checkEncryptionConfig(content: string): string | undefined {
  let doc: unknown;
  try {
    doc = parse(content);
  } catch (err) {
    return `is not YAML: ${(err as Error).message.split('\n')[0]}`;
  }
  const config = doc as { apiVersion?: unknown; kind?: unknown; resources?: Array<{ resources?: unknown; providers?: EncryptionProvider[] }> };
  if (config?.apiVersion !== 'apiserver.config.k8s.io/v1' || config.kind !== 'EncryptionConfiguration') {
    return 'is not an apiserver.config.k8s.io/v1 EncryptionConfiguration';
  }
  const forSecrets = (config.resources ?? []).find((r) => Array.isArray(r.resources) && r.resources.includes('secrets'));
  const first = forSecrets?.providers?.[0];
  const keys = first?.secretbox?.keys ?? first?.aescbc?.keys ?? [];
  const valid = keys.length > 0 && keys.every((k) => typeof k.secret === 'string' && Buffer.from(k.secret, 'base64').length === 32);
  return valid ? undefined : 'does not encrypt secrets with a 32-byte secretbox or aescbc key first';
}
