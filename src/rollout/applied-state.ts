import { gunzipSync } from 'node:zlib';
import { renderedFromTemplatefile } from '../emit/cloudinit/templatefile-syntax.js';
import { memberAddresses } from '../emit/terraform/addresses.js';
import { describeSize } from '../bounded-read.js';
import { UserError } from '../errors.js';
import type { TerraformJson } from '../ha/rollout-plan.js';
import { controlPlaneCloudInitPath } from '../model/bootstrap-contract.js';
import { parseReadBackJson } from '../read-back.js';
import { showValue } from '../show-value.js';

/**
 * Most bytes recorded user data may inflate to. EC2 takes at most 16 KB of user data ("User data is limited to 16 KB,
 * in raw form, before it is base64-encoded", AWS EC2 User Guide, instancedata-add-user-data), and deflate inflates
 * at most about 1032:1, so no user data EC2 accepts comes near this; a gzip bomb stops here.
 */
export const USER_DATA_LIMIT = 17 * 1024 * 1024;

const FROM_TERRAFORM = 'pass the output of terraform show -json (or terraform state pull)';

/** One resource of a Terraform state, as far as hakube reads it (from either form parseTerraformState takes). */
export interface StateResource {
  mode: string;
  type: string;
  name: string;
  instances: Array<{ status?: string; attributes: Record<string, unknown> }>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The resources of a Terraform state read from `stateName`, in either form: the JSON output format of
 * `terraform show -json` (Terraform's supported machine-readable form; told by its format_version) or the raw
 * state (format 4, as `terraform state pull` prints it or a local terraform.tfstate). A UserError naming the file
 * for anything else (not JSON, nested deeper than any state, another version, a resource or instance of the wrong
 * shape), so nothing later meets a null or an endless nesting.
 */
export function parseTerraformState(stateText: string, stateName: string): StateResource[] {
  const state = parseReadBackJson(stateText, stateName, FROM_TERRAFORM);
  if (isRecord(state) && state.format_version !== undefined) return shownStateResources(state, stateName);
  const notAState = (why: string) => new UserError(`${stateName} is not a Terraform state (version 4): ${why}; ${FROM_TERRAFORM}`);
  if (!isRecord(state) || state.version !== 4 || !Array.isArray(state.resources)) throw notAState('no version 4 and resources list at its top');
  return state.resources.map((resource: unknown, i: number) => {
    if (!isRecord(resource) || typeof resource.mode !== 'string' || typeof resource.type !== 'string' || typeof resource.name !== 'string' || !Array.isArray(resource.instances)) {
      throw notAState(`resources[${i}] is not a resource with a mode, type, name and instances`);
    }
    const instances = resource.instances.map((instance: unknown, j: number) => {
      const attributes = isRecord(instance) ? (instance.attributes ?? {}) : undefined;
      if (!isRecord(instance) || !isRecord(attributes) || (instance.status !== undefined && typeof instance.status !== 'string')) {
        throw notAState(`resources[${i}].instances[${j}] is not an instance with attributes`);
      }
      return { ...(typeof instance.status === 'string' ? { status: instance.status } : {}), attributes };
    });
    return { mode: resource.mode, type: resource.type, name: resource.name, instances };
  });
}

/**
 * The root module's resources of `terraform show -json` of a state (Terraform's JSON Output Format, "values
 * representation": values.root_module.resources, one entry per instance with address, mode, type, name, optional
 * index, values, and `tainted: true` for a tainted object; confirmed in developer.hashicorp.com/terraform/internals/
 * json-format and by terraform 1.11.4 here). Major format_version 1 only: the format promises to raise it for any
 * incompatible change. hakube's folder declares no module, so child_modules are not its members. An empty state
 * prints no values: no resources. A deposed object (deposed_key) is not the current instance.
 */
function shownStateResources(shown: Record<string, unknown>, stateName: string): StateResource[] {
  const notShown = (why: string) => new UserError(`${stateName} is not a state as terraform show -json prints it: ${why}; ${FROM_TERRAFORM}`);
  if (typeof shown.format_version !== 'string' || !/^1\.\d+$/.test(shown.format_version)) {
    throw notShown(`format_version ${showValue(shown.format_version)}, where hakube reads 1.x`);
  }
  if (shown.values === undefined) return [];
  if (!isRecord(shown.values) || !isRecord(shown.values.root_module)) throw notShown('values holds no root_module');
  const listed = shown.values.root_module.resources ?? [];
  if (!Array.isArray(listed)) throw notShown('values.root_module.resources is not a list');
  const byAddress = new Map<string, StateResource>();
  listed.forEach((entry: unknown, i: number) => {
    if (
      !isRecord(entry) ||
      typeof entry.mode !== 'string' ||
      typeof entry.type !== 'string' ||
      typeof entry.name !== 'string' ||
      !isRecord(entry.values ?? {}) ||
      (entry.tainted !== undefined && typeof entry.tainted !== 'boolean')
    ) {
      throw notShown(`values.root_module.resources[${i}] is not a resource with a mode, type, name and values`);
    }
    if (entry.deposed_key !== undefined) return;
    const key = `${entry.mode}.${entry.type}.${entry.name}`;
    const resource = byAddress.get(key) ?? { mode: entry.mode, type: entry.type, name: entry.name, instances: [] };
    byAddress.set(key, resource);
    resource.instances.push({ ...(entry.tainted === true ? { status: 'tainted' } : {}), attributes: (entry.values ?? {}) as Record<string, unknown> });
  });
  return [...byAddress.values()];
}

/**
 * The user data Terraform recorded (base64gzip of the rendered cloud-init), or undefined when it is not that;
 * inflated to at most USER_DATA_LIMIT bytes, past which it is refused.
 */
function recordedUserData(attributes: Record<string, unknown>, stateName: string, member: string): string | undefined {
  const encoded = attributes.user_data_base64;
  if (typeof encoded !== 'string' || encoded === '') return undefined;
  try {
    return gunzipSync(Buffer.from(encoded, 'base64'), { maxOutputLength: USER_DATA_LIMIT }).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new UserError(`${stateName} records user data larger than ${describeSize(USER_DATA_LIMIT)} once inflated for ${member}, more than EC2 accepts; ${FROM_TERRAFORM}`);
    }
    return undefined;
  }
}

/**
 * Checks the resources of a Terraform state (parseTerraformState) against the folder's current Terraform: every
 * control-plane member the folder declares exists, is not tainted, and runs the instance type, image and user data
 * (the folder's cloud-init file, `cloudInit` by path) the folder asks for. Returns what does not match: empty when
 * the folder's last step was applied. Pure; the caller reads the files.
 */
export function unappliedMembers(resources: StateResource[], stateName: string, folder: TerraformJson, members: string[], cloudInit: ReadonlyMap<string, string>): string[] {
  const find = (mode: string, type: string, name: string) => resources.find((r) => r.mode === mode && r.type === type && r.name === name)?.instances[0];
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
    const attributes = instance.attributes;
    if (typeof config.instance_type === 'string' && attributes.instance_type !== config.instance_type) {
      problems.push(`${member}: runs ${showValue(attributes.instance_type)}, the folder asks for ${showValue(config.instance_type)}`);
    }
    // The image is an AMI id, or a data source whose id the state recorded when it was read.
    const dataSource = typeof config.ami === 'string' ? /^\$\{data\.aws_ami\.([A-Za-z0-9_-]+)\.id\}$/.exec(config.ami)?.[1] : undefined;
    const imageInState = dataSource ? find('data', 'aws_ami', dataSource)?.attributes?.id : undefined;
    const wantedImage = typeof config.ami === 'string' && config.ami.startsWith('ami-') ? config.ami : typeof imageInState === 'string' ? imageInState : undefined;
    if (wantedImage && attributes.ami !== wantedImage) problems.push(`${member}: runs image ${showValue(attributes.ami)}, the folder asks for ${showValue(wantedImage)}`);
    // A changed cloud-init file replaces the member; the state then records the new file's rendering.
    const path = controlPlaneCloudInitPath({ name: member });
    const template = cloudInit.get(path);
    const recorded = recordedUserData(attributes, stateName, member);
    if (template !== undefined && recorded !== undefined && !renderedFromTemplatefile(template, recorded)) {
      problems.push(`${member}: runs user data other than the folder's ${path} (the step that changed it is not applied)`);
    }
  }
  return problems;
}
