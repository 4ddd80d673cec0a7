import { dirname, resolve } from 'node:path';
import type { IssueCode } from '../issue-codes.js';
import { describeSize, FileTooLargeError, KEY_FILE_LIMIT, readBounded } from '../bounded-read.js';
import { errorsOf, UserError, type Issue } from '../errors.js';
import { analyzeFailures, type HaReport } from '../ha/failure-analysis.js';
import { haWarnings } from '../ha/ha-warnings.js';
import { buildModel, type ClusterModel } from '../model/model.js';
import { applyDefaults, type ResolvedSpec } from './defaults.js';
import { loadSpecFile, parseSpecText, type LoadedSpec } from './load.js';
import { checkRules } from './rules.js';
import { checkSchema } from './schema.js';
import { showValue } from '../show-value.js';
import { sshPublicKeyProblem } from './ssh-public-key.js';

export interface ValidatedCluster {
  file: string;
  spec: ResolvedSpec;
  model: ClusterModel;
  /** Warnings only: a validated cluster has no errors. */
  warnings: Issue[];
  /** The failure analysis of the model, made once: its warnings are among `warnings`, and it is HA-REPORT.md. */
  haReport: HaReport;
}

const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/;

/**
 * All problems of a loaded document: schema, then semantic rules. Rules run only on schema-valid input: they assume
 * its bounds (a count of 1e15 would have them loop for ever), and the schema's errors are the report otherwise.
 */
export function collectIssues(loaded: LoadedSpec): { issues: Issue[]; spec?: ResolvedSpec; sshPublicKey?: string } {
  const { spec: valid, issues } = checkSchema(loaded);
  if (!valid) return { issues };
  const resolved = applyDefaults(valid);
  const ruleIssues: Issue[] = [];
  const report = (code: IssueCode, pointer: string, message: string, severity: 'error' | 'warning' = 'error') => {
    ruleIssues.push({ code, severity, pointer, message, position: loaded.locate(pointer) });
  };
  checkRules(resolved, report);
  const sshPublicKey = readSshKeyFile(loaded.file, resolved, report);
  return { issues: [...issues, ...ruleIssues], spec: resolved, ...(sshPublicKey ? { sshPublicKey } : {}) };
}

function readSshKeyFile(specFile: string, spec: ResolvedSpec, report: (c: IssueCode, p: string, m: string) => void): string | undefined {
  if (spec.ssh.publicKeyFile === undefined || spec.ssh.publicKey !== undefined) return undefined;
  const path = resolve(dirname(specFile), spec.ssh.publicKeyFile);
  const shown = showValue(spec.ssh.publicKeyFile);
  let text: string;
  try {
    text = readBounded(path, KEY_FILE_LIMIT).toString('utf8').trim();
  } catch (err) {
    const why = err instanceof FileTooLargeError ? `larger than ${describeSize(KEY_FILE_LIMIT)}, so not a public key` : ((err as NodeJS.ErrnoException).code ?? String(err));
    report('HK252', '/spec/ssh/publicKeyFile', `cannot read SSH public key file ${shown}: ${why}`);
    return undefined;
  }
  if (!SSH_KEY.test(text) || text.includes('\n')) {
    report('HK252', '/spec/ssh/publicKeyFile', `${shown} is not one OpenSSH public key (expected "ssh-ed25519 AAAA..." on one line); never point this at a private key`);
    return undefined;
  }
  const keyProblem = sshPublicKeyProblem(text);
  if (keyProblem) {
    report('HK264', '/spec/ssh/publicKeyFile', `${shown} is not a usable OpenSSH public key: ${keyProblem}; ssh-keygen -l -f ${spec.ssh.publicKeyFile} checks it`);
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
  const haReport = analyzeFailures(model);
  const ha = haWarnings(model, haReport).map((w) => ({ ...w, severity: 'warning' as const, position: loaded.locate(w.pointer) }));
  return { file: loaded.file, spec, model, warnings: [...issues, ...ha], haReport };
}

export function validateFile(file: string): ValidatedCluster {
  return validateLoaded(loadSpecFile(file));
}

export function validateText(text: string, file: string): ValidatedCluster {
  return validateLoaded(parseSpecText(text, file));
}
