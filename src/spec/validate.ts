import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errorsOf, UserError, type Issue } from '../errors.js';
import { haWarnings } from '../ha/ha-warnings.js';
import { buildModel, type ClusterModel } from '../model/model.js';
import { applyDefaults, type ResolvedSpec } from './defaults.js';
import { loadSpecFile, parseSpecText, type LoadedSpec } from './load.js';
import { checkRules } from './rules.js';
import { checkSchema } from './schema.js';
import { sshPublicKeyProblem } from './ssh-public-key.js';
import type { ClusterSpec } from './cluster-spec.generated.js';

export interface ValidatedCluster {
  file: string;
  spec: ResolvedSpec;
  model: ClusterModel;
  /** Warnings only: a validated cluster has no errors. */
  warnings: Issue[];
}

const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/;

/** All problems of a loaded document: schema, then semantic rules (even when the schema failed, to show everything at once). */
export function collectIssues(loaded: LoadedSpec): { issues: Issue[]; spec?: ResolvedSpec; sshPublicKey?: string } {
  const { spec: valid, issues } = checkSchema(loaded);
  const schemaPointers = issues.map((i) => i.pointer);
  const underSchemaIssue = (pointer: string) =>
    schemaPointers.some((p) => pointer === p || pointer.startsWith(p + '/') || p.startsWith(pointer + '/'));
  let resolved: ResolvedSpec | undefined;
  try {
    resolved = applyDefaults((valid ?? loaded.data) as ClusterSpec);
  } catch {
    // The document is too malformed to default; its schema issues say why.
    return { issues };
  }
  const ruleIssues: Issue[] = [];
  const report = (code: string, pointer: string, message: string, severity: 'error' | 'warning' = 'error') => {
    ruleIssues.push({ code, severity, pointer, message, position: loaded.locate(pointer) });
  };
  let sshPublicKey: string | undefined;
  try {
    checkRules(resolved, report);
    sshPublicKey = readSshKeyFile(loaded.file, resolved, report);
  } catch (err) {
    if (valid) throw err;
    // Rules assume schema-valid input; with schema errors present, those errors are the report.
  }
  const all = [...issues, ...ruleIssues.filter((i) => !valid && i.severity === 'error' ? !underSchemaIssue(i.pointer) : true)];
  return { issues: all, ...(valid ? { spec: resolved } : {}), ...(sshPublicKey ? { sshPublicKey } : {}) };
}

function readSshKeyFile(specFile: string, spec: ResolvedSpec, report: (c: string, p: string, m: string) => void): string | undefined {
  if (spec.ssh.publicKeyFile === undefined || spec.ssh.publicKey !== undefined) return undefined;
  const path = resolve(dirname(specFile), spec.ssh.publicKeyFile);
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    report('HK252', '/spec/ssh/publicKeyFile', `cannot read SSH public key file ${spec.ssh.publicKeyFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return undefined;
  }
  if (!SSH_KEY.test(text) || text.includes('\n')) {
    report('HK252', '/spec/ssh/publicKeyFile', `${spec.ssh.publicKeyFile} is not one OpenSSH public key (expected "ssh-ed25519 AAAA..." on one line); never point this at a private key`);
    return undefined;
  }
  const keyProblem = sshPublicKeyProblem(text);
  if (keyProblem) {
    report('HK264', '/spec/ssh/publicKeyFile', `${spec.ssh.publicKeyFile} is not a usable OpenSSH public key: ${keyProblem}; ssh-keygen -l -f ${spec.ssh.publicKeyFile} checks it`);
    return undefined;
  }
  return text;
}

/** The front half of the pipeline: load, schema, defaults, rules, model. Throws UserError with every problem. */
export function validateLoaded(loaded: LoadedSpec): ValidatedCluster {
  const { issues, spec, sshPublicKey } = collectIssues(loaded);
  const errors = errorsOf(issues);
  if (errors.length > 0 || !spec) {
    throw new UserError(`${loaded.file}: ${errors.length} problem(s) found`, issues);
  }
  const model = buildModel(spec, sshPublicKey);
  const ha = haWarnings(model).map((w) => ({ ...w, severity: 'warning' as const, position: loaded.locate(w.pointer) }));
  return { file: loaded.file, spec, model, warnings: [...issues, ...ha] };
}

export function validateFile(file: string): ValidatedCluster {
  return validateLoaded(loadSpecFile(file));
}

export function validateText(text: string, file: string): ValidatedCluster {
  return validateLoaded(parseSpecText(text, file));
}
