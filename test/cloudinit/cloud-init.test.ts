import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { emitCloudInit, emitFetchedScripts } from '../../src/emit/cloudinit/index.js';
import { CONTROL_PLANE_TEMPLATE_VARS, NODE_TEMPLATE_VARS, allCloudInitPaths } from '../../src/model/bootstrap-contract.js';
import { emitPki } from '../../src/pki/emit.js';
import { emptyPkiStore } from '../../src/pki/store.js';
import { cloudInitSchemaCheck, parseCloudConfig, vendoredSchemaErrors, writtenFile } from './cloud-config.js';
import { EXAMPLES, exampleModel } from './examples.js';
import { realisticValues, renderTemplatefile } from './templatefile.js';
import { ADDONS_SCRIPT_SOURCE } from '../../src/model/bucket-layout.js';

function writtenFileContent(rendered: string, path: string): string {
  return writtenFile(parseCloudConfig(rendered), path).content;
}
const tmp = mkdtempSync(join(tmpdir(), 'hakube-cloudinit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function variablesOf(path: string): readonly string[] {
  return path.includes('/control-plane-') ? Object.values(CONTROL_PLANE_TEMPLATE_VARS) : Object.values(NODE_TEMPLATE_VARS);
}

function tempFile(name: string, content: string): string {
  const path = join(tmp, `${Math.random().toString(36).slice(2)}-${name}`);
  writeFileSync(path, content);
  return path;
}

/** The kinds of secret hakube makes: PEM private keys, kubeadm bootstrap tokens, EncryptionConfiguration keys. */
const SECRET_PATTERNS = [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/, /secret:\s*["']?[A-Za-z0-9+/]{40,}={0,2}/];

describe.each(EXAMPLES)('cloud-init of %s', (example) => {
  const model = exampleModel(example);
  const files = emitCloudInit(model);

  test('one cloud-config per control-plane member and per instance group, deterministic', () => {
    expect(files.map((f) => f.path).sort()).toEqual(allCloudInitPaths(model).sort());
    expect(emitCloudInit(model)).toEqual(files);
    for (const f of files) {
      expect(String(f.content).startsWith('#cloud-config\n')).toBe(true);
      expect(String(f.content)).not.toContain(process.cwd());
    }
  });

  test('the add-on installer the members fetch from the bucket passes shellcheck', () => {
    const [script] = emitFetchedScripts(model);
    expect(script?.path).toBe(ADDONS_SCRIPT_SOURCE);
    const r = spawnSync('shellcheck', ['--shell=bash', '--severity=style', tempFile('hakube-addons.sh', String(script?.content))], { encoding: 'utf8', timeout: 60_000 });
    expect(`${r.stdout}${r.stderr}${r.error ?? ''}`).toBe('');
    expect(r.status).toBe(0);
  });

  describe.each(files.map((f) => [f.path, String(f.content)] as const))('%s', (path, text) => {
    const variables = variablesOf(path);
    const rendered = renderTemplatefile(text, realisticValues(variables));

    test('uses only the variables Terraform passes to it, and each of them', () => {
      for (const name of variables) expect(text).toContain('${' + name + '}');
      const fewer = Object.fromEntries(Object.entries(realisticValues(variables)).slice(1));
      expect(() => renderTemplatefile(text, fewer)).toThrow(/is not a variable passed/);
    });

    test('passes the real cloud-init schema check', () => {
      const result = cloudInitSchemaCheck(tempFile('user-data.yaml', rendered));
      expect(result.output).toMatch(/Valid cloud-config/);
      expect(result.ok).toBe(true);
    });

    test('passes the vendored cloud-init schema', () => {
      expect(vendoredSchemaErrors(parseCloudConfig(rendered))).toEqual([]);
    });

    test('every shell script passes shellcheck and the fetch script compiles', () => {
      const config = parseCloudConfig(rendered);
      const shells = config.write_files.filter((f) => f.content.startsWith('#!/bin/bash\n'));
      expect(shells.map((f) => f.path)).toContain('/usr/local/sbin/hakube-bootstrap');
      for (const script of shells) {
        const file = tempFile('script.sh', script.content);
        const r = spawnSync('shellcheck', ['--shell=bash', '--severity=style', file], { encoding: 'utf8', timeout: 60_000 });
        expect(`${script.path}: ${r.stdout}${r.stderr}${r.error ?? ''}`).toBe(`${script.path}: `);
        expect(r.status).toBe(0);
      }
      const python = config.write_files.filter((f) => f.content.startsWith('#!/usr/bin/python3\n'));
      expect(python.map((f) => f.path)).toContain('/usr/local/sbin/hakube-fetch');
      for (const script of python) {
        const r = spawnSync('python3', ['-m', 'py_compile', tempFile('script.py', script.content)], { encoding: 'utf8', timeout: 60_000 });
        expect(`${script.path}: ${r.stderr}`).toBe(`${script.path}: `);
        expect(r.status).toBe(0);
      }
    });

    test('every apt-get waits for the locks Ubuntu takes on first boot', () => {
      const script = writtenFileContent(rendered, '/usr/local/sbin/hakube-bootstrap');
      const calls = script.split('\n').filter((line) => /\bapt-get\b/.test(line) && !line.trim().startsWith('#'));
      expect(calls).toHaveLength(1);
      expect(calls[0]).toContain('-o DPkg::Lock::Timeout=');
    });

    test('runs the bootstrap script once, and the script is executable by root only', () => {
      const config = parseCloudConfig(rendered);
      expect(config.runcmd).toEqual([['/usr/local/sbin/hakube-bootstrap']]);
      expect(config.write_files.find((f) => f.path === '/usr/local/sbin/hakube-bootstrap')?.permissions).toBe('0700');
    });

    test('holds no private key, bootstrap token or encryption key', () => {
      for (const pattern of SECRET_PATTERNS) expect(rendered).not.toMatch(pattern);
    });
  });
});

test('none of the secret material hakube generates reaches any user data', async () => {
  const model = exampleModel(EXAMPLES[0]);
  const { files: pki } = await emitPki(model, emptyPkiStore(), new Date('2025-01-01T00:00:00Z'));
  const secrets = pki.filter((f) => f.mode === 0o600).map((f) => Buffer.from(f.content).toString('utf8'));
  expect(secrets.length).toBeGreaterThan(5);
  // Every line of substance of each secret file: base64 rows of keys, the token, the encryption key line.
  const fragments = secrets.flatMap((s) => s.split('\n').map((l) => l.trim()).filter((l) => l.length >= 20 && !l.startsWith('-----')));
  expect(fragments.length).toBeGreaterThan(5);
  const token = secrets.find((s) => /^[a-z0-9]{6}\.[a-z0-9]{16}\s*$/.test(s));
  expect(token).toBeDefined();
  for (const file of emitCloudInit(model)) {
    const text = String(file.content);
    expect(text).not.toContain(token!.trim());
    for (const fragment of fragments) expect(text.includes(fragment), `${file.path} contains secret material`).toBe(false);
  }
});
