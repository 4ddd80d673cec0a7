import type { Argv, CommandModule } from 'yargs';
import { KEY_FILE_LIMIT } from '../../bounded-read.js';
import { UsageError, UserError } from '../../errors.js';
import { writeUserNamedFile } from '../../output/atomic-file.js';
import { DEFAULT_INSTANCE_TYPE, DEFAULT_KUBERNETES_VERSION } from '../../spec/defaults.js';
import { readUserFile } from '../../spec/load.js';
import { PINNED_UBUNTU_IMAGES } from '../../spec/pinned-images.js';
import { validateText } from '../../spec/validate.js';
import type { Console } from '../output.js';

export interface InitOptions {
  name: string;
  zones: string[];
  masterCount: number;
  nodeCount: number;
  kubernetesVersion: string;
  masterSize: string;
  nodeSize: string;
  topology: 'public' | 'private';
  networking: 'calico' | 'cilium' | 'kubenet';
  adminAccess: string[];
  sshAccess: string[];
  sshPublicKey?: string;
  /** Absent: a local state file, which only suits one person on one machine. */
  stateStore?: StateStore;
}

/** Where Terraform keeps this cluster's state in S3. */
export interface StateStore {
  bucket: string;
  key: string;
  region: string;
}

interface InitArgs {
  name: string;
  zones: string;
  'master-count': number;
  'node-count': number;
  'kubernetes-version': string;
  'master-size': string;
  'node-size': string;
  topology: 'public' | 'private';
  networking: 'calico' | 'cilium' | 'kubenet';
  'admin-access': string[];
  'ssh-access': string[];
  'ssh-public-key'?: string;
  'state-store'?: string;
  'state-store-region'?: string;
  output?: string;
  force: boolean;
}

/** Flag values go into YAML as plain scalars when that is unambiguous, else double-quoted (JSON strings are YAML). */
function scalar(value: string): string {
  const plain = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value) && !/^(true|false|yes|no|on|off|null|[-+]?[0-9._]+)$/i.test(value);
  return plain ? value : JSON.stringify(value);
}

/** The environment variable read when --state-store is absent, as kops reads KOPS_STATE_STORE. */
export const STATE_STORE_ENV = 'HAKUBE_STATE_STORE';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/;

/**
 * Parses s3://BUCKET[/PREFIX] into the backend of one cluster. Each cluster gets its own key under the
 * prefix, so one bucket can hold the state of many clusters without two of them sharing a state file.
 * `source` names the flag or variable the value came from, so the error says what to fix.
 */
export function parseStateStore(url: string, source: string, clusterName: string, region: string): StateStore {
  if (!url.startsWith('s3://')) throw new UsageError(`${source} must be an s3:// URL such as s3://my-state-bucket/clusters, got ${JSON.stringify(url)}`);
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? undefined : rest.slice(slash + 1);
  if (!BUCKET_NAME.test(bucket)) {
    throw new UsageError(
      `${source}: ${JSON.stringify(bucket)} is not a valid S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)`,
    );
  }
  if (prefix !== undefined) {
    // An empty, "." or ".." segment would give a key S3 stores literally but people read as a path.
    if (prefix === '' || prefix.startsWith('/') || prefix.endsWith('/')) throw new UsageError(`${source}: the prefix after the bucket must not start or end with "/", got ${JSON.stringify(url)}`);
    if (prefix.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw new UsageError(`${source}: the prefix must not contain "..", "." or an empty segment ("//"), got ${JSON.stringify(url)}`);
    }
    // The spec's backend.key refuses them too; saying so here names the flag or variable to fix.
    if (/[\s\u0000-\u001f\u007f-\u009f]/.test(prefix)) throw new UsageError(`${source}: the prefix must not contain whitespace or control characters, got ${JSON.stringify(url)}`);
  }
  const key = `${prefix === undefined ? '' : `${prefix}/`}${clusterName}/terraform.tfstate`;
  return { bucket, key, region };
}

function yamlList(items: string[]): string {
  return `[${items.map(scalar).join(', ')}]`;
}

/** The spec `init` writes: complete, commented, and in the order a reader reviews it. */
export function renderInitSpec(o: InitOptions): string {
  const region = o.zones[0].replace(/[a-z]$/, '');
  const ssh = o.sshPublicKey
    ? `  ssh:\n    # Installed on every machine as an EC2 key pair.\n    publicKey: ${scalar(o.sshPublicKey)}\n    # Networks allowed to reach port 22; empty means no SSH rule at all.\n    allowedCIDRs: ${yamlList(o.sshAccess)}\n`
    : `  ssh:\n    # No key pair: add publicKey (or publicKeyFile) to log in with SSH.\n    allowedCIDRs: ${yamlList(o.sshAccess)}\n`;
  const backend = o.stateStore
    ? `    # Shared state: every teammate and pipeline job plans against the same state, locked while one applies
    # (Terraform writes encrypt and use_lockfile for every S3 backend; docs/terraform.md#state).
    backend:
      type: s3
      bucket: ${scalar(o.stateStore.bucket)}
      key: ${scalar(o.stateStore.key)}
      region: ${scalar(o.stateStore.region)}
`
    : `    # Local state suits one person on one machine; a team needs an S3 backend (docs/terraform.md#state).
    backend:
      type: local
      path: terraform.tfstate
`;
  return `# hakube cluster spec, written by hakube init. Review it, then run:
#   hakube validate <this file>
#   hakube generate <this file>
# Reference: every field is described in schemas/cluster.schema.json.
apiVersion: hakube/v1alpha1
kind: Cluster
metadata:
  name: ${scalar(o.name)}
spec:
  # Pinned for kubelet, kubeadm and kubectl.
  kubernetesVersion: ${scalar(o.kubernetesVersion)}
  region: ${scalar(region)}
  # One subnet per zone. Three or more zones survive the loss of a zone.
  zones: ${yamlList(o.zones)}
  network:
    vpcCIDR: 172.20.0.0/16
    # public: machines in public subnets. private: private subnets behind a NAT gateway per zone.
    topology: ${o.topology}
    # Subnets are computed from vpcCIDR (one /19 per zone); list network.subnets to choose them.
    podCIDR: 100.96.0.0/11
    serviceCIDR: 100.64.0.0/13
    cni: ${o.networking}
  api:
    # public: internet-facing network load balancer; internal: reachable only inside the VPC.
    loadBalancer: public
    # Networks allowed to reach the Kubernetes API. Narrow this to your own networks.
    allowedCIDRs: ${yamlList(o.adminAccess)}
${ssh}  # The way in: AWS Systems Manager Session Manager (aws ssm start-session --target <instance id>), no port
  # and no key needed; false removes the machines' permissions and stops the agent (docs/access.md).
  ssm:
    enabled: true
  controlPlane:
    # etcd members: 3 or 5, spread over the zones in order.
    count: ${o.masterCount}
    instanceType: ${scalar(o.masterSize)}
    rootVolumeSize: 40
    # Each member keeps etcd on its own encrypted volume that survives machine replacement.
    etcdVolumeSize: 20
    # The etcd leader snapshots to the secrets bucket (etcd-backups/); S3 deletes snapshots after retentionDays.
    etcdBackups:
      intervalMinutes: 30
      retentionDays: 7
    # Guards against termination outside Terraform; Terraform's own replacements still work.
    terminationProtection: true
  instanceGroups:
    - name: nodes
      instanceType: ${scalar(o.nodeSize)}
      # Raise minSize and maxSize to add workers.
      minSize: ${o.nodeCount}
      maxSize: ${o.nodeCount}
  addons:
    dashboard:
      enabled: false
      replicas: 2
    # The tutorial's admin-user ServiceAccount is bound to cluster-admin: opt in for labs only.
    adminUser:
      enabled: false
    metricsServer:
      enabled: true
  # x509 users: CN is the user name, each group an O entry. Example:
  # users:
  #   - name: alice
  #     groups: [developers]
  users: []
  pki:
    keyAlgorithm: ecdsa-p256
    caValidityDays: 3650
    certificateValidityDays: 365
  terraform:
${backend}    tags: {}
    # Let terraform destroy delete the secrets bucket with all object versions.
    forceDestroyBucket: false
  # The machine image, pinned: no apply moves machines to another image until you change this line
  # (workers roll through an instance refresh, control-plane members one per step; see docs/ha.md).
  image:
    name: ${PINNED_UBUNTU_IMAGES['24.04']}
`;
}

function splitList(value: string | string[] | undefined): string[] {
  const items = (Array.isArray(value) ? value : value === undefined ? [] : [value]).flatMap((v) => v.split(','));
  return items.map((s) => s.trim()).filter((s) => s.length > 0);
}

export function initCommand(con: Console): CommandModule<object, InitArgs> {
  return {
    command: 'init',
    describe: 'Write a complete, commented cluster spec with sensible defaults (kops create cluster)',
    builder: (y: Argv) =>
      y
        .option('name', { type: 'string', demandOption: true, describe: 'Cluster name, a DNS name such as myfirstcluster.k8s.local' })
        .option('zones', { type: 'string', demandOption: true, describe: 'Comma-separated availability zones, e.g. us-west-2a,us-west-2b,us-west-2c' })
        .option('master-count', { type: 'number', default: 3, describe: 'Control-plane machines (etcd members): 3 or 5' })
        .option('node-count', { type: 'number', default: 2, describe: 'Worker machines in the "nodes" group (min = max)' })
        .option('kubernetes-version', { type: 'string', default: DEFAULT_KUBERNETES_VERSION, describe: 'Kubernetes version' })
        .option('master-size', { type: 'string', default: DEFAULT_INSTANCE_TYPE, describe: 'Control-plane instance type' })
        .option('node-size', { type: 'string', default: DEFAULT_INSTANCE_TYPE, describe: 'Worker instance type' })
        .option('topology', { choices: ['public', 'private'] as const, default: 'public' as const, describe: 'Subnet topology' })
        .option('networking', { choices: ['calico', 'cilium', 'kubenet'] as const, default: 'calico' as const, describe: 'CNI' })
        .option('admin-access', { type: 'string', array: true, default: ['0.0.0.0/0'], describe: 'CIDRs allowed to reach the API (comma-separated or repeated)' })
        .option('ssh-access', { type: 'string', array: true, default: [], describe: 'CIDRs allowed to reach SSH (default: none)' })
        .option('ssh-public-key', { type: 'string', describe: 'OpenSSH public key file to install on the machines' })
        .option('state-store', { type: 'string', describe: `Keep the Terraform state in S3: s3://BUCKET[/PREFIX] (default: $${STATE_STORE_ENV}, else a local file)` })
        .option('state-store-region', { type: 'string', describe: 'Region of the state bucket (default: the cluster region)' })
        .option('output', { alias: 'o', type: 'string', describe: 'Write the spec to FILE instead of standard output' })
        .option('force', { type: 'boolean', default: false, describe: 'Replace FILE if it exists' })
        .example('$0 init --name myfirstcluster.k8s.local --zones us-west-2a,us-west-2b,us-west-2c --master-count 3 -o cluster.yaml', 'the tutorial cluster') as unknown as Argv<InitArgs>,
    handler: (args) => {
      const zones = splitList(args.zones);
      if (zones.length === 0) throw new UsageError('--zones needs at least one zone, e.g. us-west-2a,us-west-2b,us-west-2c');
      for (const [flag, value] of [['--master-count', args['master-count']], ['--node-count', args['node-count']]] as const) {
        if (!Number.isInteger(value) || value < 0) throw new UsageError(`${flag} must be a whole number, got ${String(value)}`);
      }
      let sshPublicKey: string | undefined;
      if (args['ssh-public-key'] !== undefined) {
        sshPublicKey = readUserFile(args['ssh-public-key'], 'SSH public key', KEY_FILE_LIMIT).trim();
        if (sshPublicKey.includes('PRIVATE KEY')) {
          throw new UserError(`${args['ssh-public-key']} holds a private key; pass the .pub file`);
        }
      }
      const region = zones[0].replace(/[a-z]$/, '');
      const stateRegion = args['state-store-region'] ?? region;
      if (args['state-store-region'] !== undefined && !REGION.test(stateRegion)) {
        throw new UsageError(`--state-store-region must be an AWS region such as us-west-2, got ${JSON.stringify(stateRegion)}`);
      }
      // The flag wins over the environment; an empty variable counts as unset, as in kops.
      const envStore = process.env[STATE_STORE_ENV];
      const storeUrl = args['state-store'] ?? (envStore === undefined || envStore === '' ? undefined : envStore);
      const storeSource = args['state-store'] !== undefined ? '--state-store' : STATE_STORE_ENV;
      const stateStore = storeUrl === undefined ? undefined : parseStateStore(storeUrl, storeSource, args.name, stateRegion);
      if (stateStore === undefined && args['state-store-region'] !== undefined) throw new UsageError('--state-store-region needs --state-store');
      const text = renderInitSpec({
        name: args.name,
        zones,
        masterCount: args['master-count'],
        nodeCount: args['node-count'],
        kubernetesVersion: args['kubernetes-version'],
        masterSize: args['master-size'],
        nodeSize: args['node-size'],
        topology: args.topology,
        networking: args.networking,
        adminAccess: splitList(args['admin-access']),
        sshAccess: splitList(args['ssh-access']),
        ...(sshPublicKey !== undefined ? { sshPublicKey } : {}),
        ...(stateStore !== undefined ? { stateStore } : {}),
      });
      // The spec is checked exactly as validate would check it, before anything is written.
      const target = args.output === undefined ? '<init output>' : `${args.output} (not written)`;
      const result = validateText(text, target);
      if (args.output === undefined) {
        con.out(text);
      } else {
        writeUserNamedFile(args.output, text, { force: args.force, flag: '-o' });
        con.err(`wrote ${args.output}: cluster ${args.name}, ${args['master-count']} control-plane, ${args['node-count']} worker(s) in ${zones.join(', ')}`);
      }
      if (stateStore === undefined) {
        con.err(`note: the Terraform state stays in a local terraform.tfstate, which the generated .gitignore keeps out of git;`);
        con.err(`a team or pipeline needs a shared state store: --state-store s3://BUCKET/PREFIX (or $${STATE_STORE_ENV}), see docs/terraform.md#state`);
      } else {
        con.err(`state: s3://${stateStore.bucket}/${stateStore.key} in ${stateStore.region}`);
      }
      for (const w of result.warnings) con.err(`warning ${w.code}: ${w.pointer}: ${w.message}`);
    },
  };
}
