import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Issue } from '../../errors.js';
import {
  CONTROL_PLANE_TEMPLATE_VARS,
  NODE_TEMPLATE_VARS,
  TEMPLATE_VALUE_MAX_LENGTH,
  controlPlaneCloudInitPath,
  instanceGroupCloudInitPath,
} from '../../model/bootstrap-contract.js';
import type { ClusterModel } from '../../model/model.js';
import type { GeneratedFile } from '../../output/files.js';
import { fillTemplatefile } from './templatefile-syntax.js';

/**
 * EC2 takes at most 16 KB of user data: "User data is limited to 16 KB, in raw form, before it is base64-encoded"
 * (EC2 User Guide, "Run commands when you launch an EC2 instance with user data input"). A control-plane instance is
 * given gzip bytes (user_data_base64 = base64gzip(...)), so its raw form is the gzip; a launch template, which the
 * workers use, documents only "You must provide base64-encoded text. User data is limited to 16 KB" (EC2 API
 * Reference, RequestLaunchTemplateData), so for the workers the base64 text itself is held to the limit.
 */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

/**
 * Terraform's base64gzip is Go's compress/gzip at its default level (hashicorp/terraform internal/lang/funcs,
 * Base64GzipFunc: `gzip.NewWriter(&b)`, then Flush and Close); this measures with zlib at the same level, whose
 * output differs by a few bytes either way, so the limit is kept with this much room.
 */
export const COMPRESSOR_MARGIN_BYTES = 256;

export interface UserDataSize {
  /** The cloud-init file under the output folder. */
  path: string;
  /** The spec field of the machine or group it is for. */
  pointer: string;
  machine: string;
  /** The bytes EC2 counts, with the longest values Terraform can fill in. */
  bytes: number;
  counted: 'gzip' | 'base64';
}

/**
 * The longest value of a variable, of characters that do not compress (a deterministic hash stream): the worst case
 * of what Terraform's templatefile() can put there.
 */
function worstCaseValue(name: string): string {
  const length = TEMPLATE_VALUE_MAX_LENGTH[name];
  if (length === undefined) throw new Error(`BUG: no maximum length for the template variable ${name}`);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let block = 0; out.length < length; block++) {
    for (const byte of createHash('sha256').update(`${name}:${block}`).digest()) out += alphabet[byte % alphabet.length];
  }
  return out.slice(0, length);
}

function worstCaseValues(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, worstCaseValue(name)]));
}

/** Each machine's user data as Terraform renders it with the longest values it can fill in. */
export function worstCaseUserData(model: ClusterModel, files: readonly GeneratedFile[]): Array<Omit<UserDataSize, 'bytes'> & { text: string }> {
  const content = new Map(files.map((f) => [f.path, f.content]));
  const machines = [
    ...model.controlPlane.members.map((m) => ({ path: controlPlaneCloudInitPath(m), pointer: '/spec/controlPlane', machine: m.name, counted: 'gzip' as const, vars: Object.values(CONTROL_PLANE_TEMPLATE_VARS) })),
    ...model.instanceGroups.map((g, i) => ({ path: instanceGroupCloudInitPath(g), pointer: `/spec/instanceGroups/${i}`, machine: `instance group ${g.name}`, counted: 'base64' as const, vars: Object.values(NODE_TEMPLATE_VARS) })),
  ];
  return machines.map(({ vars, ...machine }) => {
    const template = content.get(machine.path);
    if (typeof template !== 'string') throw new Error(`BUG: no cloud-init file ${machine.path}`);
    return { ...machine, text: fillTemplatefile(template, worstCaseValues(vars)) };
  });
}

/** The size EC2 counts of each machine's user data in `files` (the cloud-init emitter's output). */
export function userDataSizes(model: ClusterModel, files: readonly GeneratedFile[]): UserDataSize[] {
  return worstCaseUserData(model, files).map(({ text, ...machine }) => {
    const gzip = gzipSync(text);
    return { ...machine, bytes: machine.counted === 'gzip' ? gzip.length : gzip.toString('base64').length };
  });
}

/** HK234 for each machine whose user data may exceed EC2's limit: the apply would fail to launch it. */
export function oversizedUserData(model: ClusterModel, files: readonly GeneratedFile[]): Issue[] {
  const allowed = USER_DATA_LIMIT_BYTES - COMPRESSOR_MARGIN_BYTES;
  return userDataSizes(model, files)
    .filter((s) => s.bytes > allowed)
    .map((s) => ({
      code: 'HK234',
      severity: 'error' as const,
      pointer: s.pointer,
      message:
        `the user data of ${s.machine} (${s.path}) takes up to ${s.bytes} bytes (${s.counted === 'gzip' ? 'gzip' : 'gzip, base64-encoded'}), ` +
        `more than the ${allowed} that EC2's limit of ${USER_DATA_LIMIT_BYTES} leaves room for: the machine could not be launched; ` +
        'use fewer labels, taints or add-ons for it',
    }));
}
