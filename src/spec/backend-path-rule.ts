import { posix } from 'node:path';
import type { IssueCode } from '../issue-codes.js';
import { namesHakubeFile } from '../output/owned-files.js';
import type { ResolvedSpec } from './defaults.js';
import { showValue } from '../show-value.js';

type Report = (code: IssueCode, pointer: string, message: string, severity?: 'error' | 'warning') => void;

const POINTER = '/spec/terraform/backend/path';

/**
 * HK421: the local backend's state file lives in the generated folder beside hakube's files. Naming one of them
 * (pki/ca.key, a *.tf.json, .hakube-files) would have Terraform overwrite it, and hakube replace or remove the
 * state; a path leaving the folder is not where the spec's reader looks for it.
 */
export function checkBackendPath(spec: ResolvedSpec, report: Report): void {
  const { backend } = spec.terraform;
  if (backend.type !== 'local' || backend.path === undefined) return;
  const path = backend.path;
  const normal = posix.normalize(path.replaceAll('\\', '/'));
  if (posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../') || /^[A-Za-z]:/.test(normal)) {
    report('HK421', POINTER, `terraform.backend.path ${showValue(path)} leaves the generated folder; name a file inside it, e.g. terraform.tfstate`);
  } else if (normal === '.' || normal.endsWith('/') || namesHakubeFile(normal)) {
    report(
      'HK421',
      POINTER,
      `terraform.backend.path ${showValue(path)} names ${normal === '.' || normal.endsWith('/') ? 'a folder' : 'a file hakube writes (its Terraform, cloud-init, add-ons, PKI or records)'}; ` +
        'Terraform would overwrite it and hakube replace the state: use a name of its own, e.g. terraform.tfstate or state/terraform.tfstate',
    );
  }
}
