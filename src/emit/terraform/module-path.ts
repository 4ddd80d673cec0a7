import { Fn, ref, Token } from 'cdktf';

/** Terraform's `path.module`: files the emitters write next to the Terraform are addressed from it. */
const PATH_MODULE = Token.asString(ref('path.module'));

/** `"${path.module}/<relative>"` as a plain attribute value. */
export function modulePath(relative: string): string {
  return `\${path.module}/${relative}`;
}

/**
 * `filesha256(<file>)` of a committed file of the folder: a public file's upload is tracked by its content, which
 * plan reads, without a hash in the Terraform that would change with every fresh key of a test run.
 */
export function moduleFileSha256(relative: string): string {
  return Fn.filesha256(Fn.join('/', [PATH_MODULE, relative]));
}

/**
 * `base64gzip(templatefile(<file>, vars))`: user data rendered by Terraform from a cloud-init file. The path is
 * built with join() because cdktf warns about (and may mangle) `${...}` nested two function calls deep.
 */
export function renderedUserData(relative: string, vars: Record<string, string>): string {
  return Fn.base64gzip(Fn.templatefile(Fn.join('/', [PATH_MODULE, relative]), vars));
}
