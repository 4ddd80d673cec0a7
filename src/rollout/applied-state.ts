import { gunzipSync } from 'node:zlib';
import { renderedFromTemplatefile } from '../emit/cloudinit/templatefile-syntax.js';
import { memberAddresses } from '../emit/terraform/addresses.js';
import type { TerraformJson } from '../ha/rollout-plan.js';
import { controlPlaneCloudInitPath } from '../model/bootstrap-contract.js';

/** The user data Terraform recorded (base64gzip of the rendered cloud-init), or undefined when it is not that. */
function recordedUserData(attributes: Record<string, unknown>): string | undefined {
  const encoded = attributes.user_data_base64;
  if (typeof encoded !== 'string' || encoded === '') return undefined;
  try {
    return gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * Checks a Terraform state (format 4, as `terraform state pull` prints it or a local terraform.tfstate) against the
 * folder's current Terraform: every control-plane member the folder declares exists, is not tainted, and runs the
 * instance type, image and user data (the folder's cloud-init file, `cloudInit` by path) the folder asks for.
 * Returns what does not match: empty when the folder's last step was applied. Pure; the caller reads the files.
 */
export function unappliedMembers(stateText: string, stateName: string, folder: TerraformJson, members: string[], cloudInit: ReadonlyMap<string, string>): string[] {
  let state: unknown;
  try {
    state = JSON.parse(stateText);
  } catch {
    return [`${stateName} is not JSON; pass the output of terraform state pull`];
  }
  const resources = (state as { version?: unknown; resources?: unknown } | null)?.resources;
  if ((state as { version?: unknown } | null)?.version !== 4 || !Array.isArray(resources)) {
    return [`${stateName} is not a Terraform state (version 4); pass the output of terraform state pull`];
  }
  type StateResource = { mode?: string; type?: string; name?: string; instances?: Array<{ status?: string; attributes?: Record<string, unknown> }> };
  const find = (mode: string, type: string, name: string) =>
    (resources as StateResource[]).find((r) => r.mode === mode && r.type === type && r.name === name)?.instances?.[0];
  const configured = (folder.resource as Record<string, Record<string, Record<string, unknown>>> | undefined)?.aws_instance ?? {};
  const problems: string[] = [];
  for (const member of members) {
    const address = memberAddresses({ name: member }).instance;
    const name = address.slice('aws_instance.'.length);
    const config = configured[name];
    if (!config) continue;
    const instance = find('managed', 'aws_instance', name);
    if (!instance) {
      problems.push(`${member}: not in ${stateName} yet`);
      continue;
    }
    if (instance.status === 'tainted') problems.push(`${member}: tainted in ${stateName} (a failed create or a terraform taint); the next apply replaces it`);
    const attributes = instance.attributes ?? {};
    if (typeof config.instance_type === 'string' && attributes.instance_type !== config.instance_type) {
      problems.push(`${member}: runs ${String(attributes.instance_type)}, the folder asks for ${config.instance_type}`);
    }
    // The image is an AMI id, or a data source whose id the state recorded when it was read.
    const dataSource = typeof config.ami === 'string' ? /^\$\{data\.aws_ami\.([A-Za-z0-9_-]+)\.id\}$/.exec(config.ami)?.[1] : undefined;
    const imageInState = dataSource ? find('data', 'aws_ami', dataSource)?.attributes?.id : undefined;
    const wantedImage = typeof config.ami === 'string' && config.ami.startsWith('ami-') ? config.ami : typeof imageInState === 'string' ? imageInState : undefined;
    if (wantedImage && attributes.ami !== wantedImage) problems.push(`${member}: runs image ${String(attributes.ami)}, the folder asks for ${wantedImage}`);
    // A changed cloud-init file replaces the member; the state then records the new file's rendering.
    const path = controlPlaneCloudInitPath({ name: member });
    const template = cloudInit.get(path);
    const recorded = recordedUserData(attributes);
    if (template !== undefined && recorded !== undefined && !renderedFromTemplatefile(template, recorded)) {
      problems.push(`${member}: runs user data other than the folder's ${path} (the step that changed it is not applied)`);
    }
  }
  return problems;
}
