import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyPairAddress, resourceName } from '../../src/emit/terraform/addresses.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { emitEdited, emitFile, type Json } from './synthesized.js';

const SPEC = 'examples/private-multigroup.yaml';
const HOSTILE_VALUE = '${file("${path.module}/pki/ca.key")} %{ if true }x%{ endif }';
const HOSTILE_KEY = 'k${upper("a")}';
const HOSTILE_SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG3pyMHYSmZMGG0QmZ9IwmRx0ql6gbcIvR0PnjPfSUvW ${file("/etc/passwd")}';

const dir = mkdtempSync(join(tmpdir(), 'hakube-tf-escape-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hostileEmission() {
  const tagged = readFileSync(join(REPO_ROOT, SPEC), 'utf8')
    .replace('      team: platform\n', `      team: '${HOSTILE_VALUE}'\n      '${HOSTILE_KEY}': plain\n`)
    .replace('  ssh:\n', `  ssh:\n    publicKey: '${HOSTILE_SSH_KEY}'\n`);
  const file = join(dir, 'hostile.yaml');
  writeFileSync(file, tagged);
  return emitEdited(file, 'plain', 'plain');
}

/**
 * The finding of issue 24: a Terraform expression without a double quote (so the policy is still valid JSON, and
 * passes HK297) that makes `terraform plan` read pki/ca.key of the generated folder into the policy. "/" is the first
 * character of the folder's absolute path, "." is path.module, the words are keys of object constructors.
 */
const KEY_READING_EXPRESSION =
  '${file(join(substr(abspath(path.module),0,1),[one(keys({pki=0})),join(path.module,[one(keys({ca=0})),one(keys({key=0}))])]))}';
const SQS_RESOURCE = '"Resource": "arn:aws:sqs:eu-central-1:123456789012:orders"';

/** The inline policy of orders/queue-worker in the private example with its Resource replaced by `resource`. */
function inlinePolicyEmission(resource: string) {
  return emitEdited(join(REPO_ROOT, SPEC), SQS_RESOURCE, `"Resource": ${JSON.stringify(resource)}`);
}

function inlinePolicyOf(emitted: ReturnType<typeof emitEdited>): string {
  const policies = (emitted.parsed.get('service-account-issuer.tf.json')!.resource as Json).aws_iam_role_policy as Record<string, { policy: string }>;
  return policies.sa_orders__queue_worker_inline!.policy;
}

function defaultTags(doc: Json): Record<string, string> {
  return ((doc.provider as Json).aws as Array<{ default_tags: Array<{ tags: Record<string, string> }> }>)[0].default_tags[0].tags;
}

function keyPairPublicKey(doc: Json): string {
  const [keyPair] = Object.values((doc.resource as Json).aws_key_pair as Record<string, { public_key: string }>);
  return keyPair!.public_key;
}

/** What Terraform makes of `value` written as a JSON string, by `terraform console` on a local holding it. */
function terraformValue(value: unknown): unknown {
  const work = mkdtempSync(join(dir, 'console-'));
  writeFileSync(join(work, 'main.tf.json'), JSON.stringify({ locals: { v: value } }));
  writeFileSync(join(work, 'empty.tfrc'), '');
  const r = spawnSync('terraform', ['console'], {
    cwd: work,
    input: 'jsonencode(local.v)\n',
    encoding: 'utf8',
    env: { ...process.env, TF_CLI_CONFIG_FILE: join(work, 'empty.tfrc'), TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' },
  });
  if (r.status !== 0) throw new Error(`terraform console failed: ${r.stderr}`);
  return JSON.parse(JSON.parse(r.stdout.trim()) as string);
}

const terraformBinary = spawnSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).stdout.trim();

describe('user strings reach Terraform as literals', () => {
  it('tags (keys and values) and the SSH key comment are escaped in the synthesized JSON', () => {
    const { parsed } = hostileEmission();
    const tags = defaultTags(parsed.get('terraform.tf.json')!);
    expect(tags.team).toBe('$${file("$${path.module}/pki/ca.key")} %%{ if true }x%%{ endif }');
    expect(tags['k$${upper("a")}']).toBe('plain');
    expect(keyPairPublicKey(parsed.get('image-and-ssh-key.tf.json')!)).toBe(HOSTILE_SSH_KEY.replace('${', () => '$${'));
    // Named for the key as written (what hakube named it before spec text was shielded): no new key pair on upgrade.
    expect(Object.keys((parsed.get('image-and-ssh-key.tf.json')!.resource as Json).aws_key_pair as Json)).toEqual([resourceName(keyPairAddress(HOSTILE_SSH_KEY))]);
    const workers = JSON.stringify(parsed.get('workers.tf.json'));
    expect(workers).toContain(JSON.stringify('$${file("$${path.module}/pki/ca.key")} %%{ if true }x%%{ endif }'));
    expect(workers).not.toContain(JSON.stringify(HOSTILE_VALUE));
  });

  // terraform is optional here alone (the issue asks for terraform console where the binary exists); the name says which check ran.
  const consoleCheck = terraformBinary
    ? 'terraform console reads them back as the exact strings the user wrote'
    : 'fallback, terraform not installed: unescaping the JSON strings as Terraform would gives the exact strings the user wrote';
  it(consoleCheck, () => {
    const { parsed } = hostileEmission();
    const tags = defaultTags(parsed.get('terraform.tf.json')!);
    const publicKey = keyPairPublicKey(parsed.get('image-and-ssh-key.tf.json')!);
    if (terraformBinary) {
      expect(terraformValue(tags)).toMatchObject({ team: HOSTILE_VALUE, [HOSTILE_KEY]: 'plain' });
      expect(terraformValue(publicKey)).toBe(HOSTILE_SSH_KEY);
    } else {
      const unescape = (t: string) => t.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
      expect(unescape(tags.team)).toBe(HOSTILE_VALUE);
      expect(unescape(publicKey)).toBe(HOSTILE_SSH_KEY);
    }
  });

  it('an inline IAM policy holding a Terraform expression reaches aws_iam_role_policy as literal text', () => {
    const policy = inlinePolicyOf(inlinePolicyEmission(KEY_READING_EXPRESSION));
    expect(policy).toContain(`"Resource": ${JSON.stringify('$' + KEY_READING_EXPRESSION)}`);
    expect(policy).not.toMatch(/(^|[^$])\$\{file/);
  });

  it('an IAM policy variable in an inline policy reaches Terraform as $${aws:username}, which it reads as ${aws:username}', () => {
    const resource = 'arn:aws:s3:::reports/home/${aws:username}/*';
    const policy = inlinePolicyOf(inlinePolicyEmission(resource));
    expect(policy).toContain(JSON.stringify('arn:aws:s3:::reports/home/$${aws:username}/*'));
    const read = terraformBinary ? terraformValue(policy) : policy.replace(/\$\$\{/g, '${');
    expect(JSON.parse(read as string)).toMatchObject({ Statement: [{ Resource: resource }] });
  });

  it('cdktf token markers in spec text stay the text the user wrote (cdktf replaced them with references, or crashed)', () => {
    // Tokens 1 to 3 exist in every synthesis: cdktf numbers its tokens from 1 as the builders make them.
    const values = ['${TfToken[TOKEN.1]}', '#{TfToken[TOKEN.2]}', '&{TfToken[TOKEN.3]}'];
    const edited = values.map((v, i) => `      token${i}: '${v}'\n`).join('');
    const file = join(dir, 'tokens.yaml');
    writeFileSync(file, readFileSync(join(REPO_ROOT, SPEC), 'utf8').replace('      team: platform\n', `      team: platform\n${edited}`));
    const tags = defaultTags(emitFile(file).parsed.get('terraform.tf.json')!);
    expect([tags.token0, tags.token1, tags.token2]).toEqual(['$${TfToken[TOKEN.1]}', '#{TfToken[TOKEN.2]}', '&{TfToken[TOKEN.3]}']);
  });

  it('committed Terraform under generated/ has no unescaped ${ or %{ in any tag (keys and values) or SSH key', () => {
    const generated = join(REPO_ROOT, 'generated');
    const unescaped = /(^|[^$])\$\{|(^|[^%])%\{/;
    // Every tag map (default_tags, tags, tag_specifications) and auto-scaling group tag list, wherever it is.
    const userStrings = (node: unknown, inTags: boolean, found: string[]): string[] => {
      if (Array.isArray(node)) node.forEach((item) => userStrings(item, inTags, found));
      else if (typeof node === 'object' && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if (inTags && typeof value === 'string') found.push(key, value);
          if (key === 'tag' && Array.isArray(value)) for (const t of value as Array<{ key: string; value: string }>) found.push(t.key, String(t.value));
          else if (key === 'public_key' && typeof value === 'string') found.push(value);
          else userStrings(value, key === 'tags', found);
        }
      }
      return found;
    };
    let checked = 0;
    for (const cluster of readdirSync(generated)) {
      for (const file of readdirSync(join(generated, cluster)).filter((f) => f.endsWith('.tf.json'))) {
        const strings = userStrings(JSON.parse(readFileSync(join(generated, cluster, file), 'utf8')), false, []);
        for (const s of strings) expect(s, `${cluster}/${file}`).not.toMatch(unescaped);
        checked += strings.length;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
