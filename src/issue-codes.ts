/**
 * Every code an Issue may carry, with its severity and the rule it reports: the one place a code is defined.
 * Issue.code (src/errors.ts) is typed by this registry, so a code missing here does not compile, and
 * docs/issue-codes.md is generated from it (npm run gen:docs; a test checks the committed file).
 * Descriptions are Markdown, one line each.
 */

export interface IssueCodeInfo {
  /** Whether the issue stops the command (error) or is only shown (warning). */
  severity: 'error' | 'warning';
  /** The rule, as the user reads it in the docs. */
  rule: string;
}

/** The sections of docs/issue-codes.md: codes are grouped by their hundreds digit. */
export const ISSUE_CODE_SECTIONS = {
  0: 'Reading the spec',
  1: 'Schema',
  2: 'Semantic rules',
  3: 'High-availability warnings',
  4: 'Key material and the output folder',
  5: 'Upgrades against the previous output',
} as const;

export const ISSUE_CODES = {
  HK001: { severity: 'error', rule: 'a file named on the command line (the spec, `init --ssh-public-key`) cannot be read: missing, a folder, or no permission' },
  HK002: { severity: 'error', rule: 'the spec is not valid YAML: a syntax error, a key repeated in one mapping, or more than 100 alias expansions' },
  HK003: { severity: 'error', rule: 'a file named on the command line is larger than its limit (1 MiB for a spec, 16 KiB for an SSH public key), refused before it is read' },
  HK004: { severity: 'error', rule: 'the document is nested too deeply to read (reported at the first bracket past 64 levels)' },

  HK100: { severity: 'error', rule: 'a value outside a schema bound (minimum, maximum, number of items, length) or against another schema constraint' },
  HK101: { severity: 'error', rule: 'an unknown field (the message lists the fields allowed there)' },
  HK102: { severity: 'error', rule: 'a required field is missing' },
  HK103: { severity: 'error', rule: 'a value not among the allowed ones (an enum, a constant, or the `type` of a choice of objects)' },
  HK104: { severity: 'error', rule: 'a value of the wrong type (for example a string where a number belongs)' },
  HK105: { severity: 'error', rule: 'a value that does not match its pattern or format (names, CIDRs, versions, `terraform.awsProviderVersion`, ...)' },
  HK106: { severity: 'error', rule: 'a list whose entries must be unique holds one twice' },

  HK200: { severity: 'error', rule: 'the control-plane count is odd' },
  HK201: { severity: 'warning', rule: 'a single control-plane node is allowed, but is not HA' },
  HK202: { severity: 'error', rule: 'no zone holds a quorum of etcd members (the message names the zone whose loss breaks quorum)' },
  HK203: { severity: 'error', rule: 'control-plane zones are among the cluster zones' },
  HK210: { severity: 'error', rule: 'cluster zones exist and belong to the region' },
  HK211: { severity: 'error', rule: 'instance-group zones are among the cluster zones' },
  HK212: { severity: 'error', rule: 'subnet ids (`id`, `utilityId`) only with an existing VPC (`network.networkID`)' },
  HK213: { severity: 'error', rule: 'an existing VPC: every zone has a subnet entry with the id of its existing machine subnet' },
  HK214: { severity: 'error', rule: 'an existing VPC: utility subnets (`utilityId`) where the topology needs them (a public API in the private topology), and only there' },
  HK215: { severity: 'error', rule: 'an existing VPC: no subnet named twice' },
  HK216: { severity: 'warning', rule: "an existing VPC in the private topology with a public API: machines reach it through the VPC's own NAT gateways, which `api.allowedCIDRs` must admit" },
  HK220: { severity: 'error', rule: 'CIDRs (VPC, pod, service, subnets, API and SSH access) are valid: the VPC /16 to /28, the service range /12 to /24, subnets no smaller than /28' },
  HK221: { severity: 'error', rule: 'subnets (machine and utility) lie inside the VPC' },
  HK222: { severity: 'error', rule: 'VPC, pod and service ranges do not overlap' },
  HK223: { severity: 'error', rule: 'the subnets do not overlap' },
  HK224: { severity: 'error', rule: 'explicit subnets cover every zone, once each, and only zones of the cluster; the private topology has utility subnets, the public one none' },
  HK225: { severity: 'error', rule: 'without explicit subnets, the VPC is large enough (/22 or larger) to compute them' },
  HK226: { severity: 'error', rule: "each subnet holds every machine its zone may run at the groups' `maxSize`, the load balancer, and the 5 addresses AWS reserves (a /24 is not enough for 256 nodes)" },
  HK227: { severity: 'error', rule: 'the pod CIDR gives every possible node its /24' },
  HK230: { severity: 'error', rule: 'kubenet allows at most 50 nodes (one VPC route per node)' },
  HK231: { severity: 'error', rule: 'kubenet needs the public topology (one route table for pod routes)' },
  HK232: { severity: 'error', rule: 'instance-group labels the kubelet may not set on its own node (`node-role.kubernetes.io/`, other `kubernetes.io/` and `k8s.io/` keys except `kubelet.kubernetes.io/`, `node.kubernetes.io/` and its well-known labels)' },
  HK234: { severity: 'error', rule: "`generate` only: every machine's user data, filled with the longest values Terraform can pass, fits in EC2's 16 KB (the gzip for a control-plane instance, its base64 text for a launch template) with 256 bytes to spare; else nothing is written (docs/node-boot.md)" },
  HK240: { severity: 'error', rule: 'instance-group names are unique' },
  HK241: { severity: 'error', rule: "an instance group's `minSize ≤ maxSize`" },
  HK242: { severity: 'error', rule: '`kubernetesVersion` is inside the supported window' },
  HK243: { severity: 'warning', rule: "more than 97 instance groups, whose EventBridge rules (one per group, three more) take over a third of the default event bus's quota of 300 rules per account and region" },
  HK244: { severity: 'error', rule: 'two groups whose EventBridge lifecycle rules get the same name once cut at 64 characters (a long cluster name with long group names sharing their start): EventBridge keeps one rule per name, so the apply would fail or a group\'s workers would not be drained' },
  HK245: { severity: 'warning', rule: '`capacityRebalance` on a group without Spot (no `mixedInstancesPolicy`)' },
  HK246: { severity: 'error', rule: "`mixedInstancesPolicy`: the group's `instanceType` is one of its `instances`" },
  HK247: { severity: 'error', rule: '`mixedInstancesPolicy`: `onDemandBase ≤ maxSize`' },
  HK248: { severity: 'error', rule: '`mixedInstancesPolicy`: `spotInstancePools` only with `lowest-price`' },
  HK249: { severity: 'warning', rule: 'the cluster-autoscaler is on but no group may change size' },
  HK250: { severity: 'error', rule: 'user names are unique' },
  HK251: { severity: 'warning', rule: 'a user in the `system:masters` group (in the spec or with `add-user`), which bypasses RBAC and cannot be revoked' },
  HK252: { severity: 'error', rule: '`ssh.publicKeyFile` can be read and holds one OpenSSH public key on one line' },
  HK253: { severity: 'error', rule: "user names of hakube's own identities (`kubernetes-admin`, ...) are refused, also for `add-user`" },
  HK260: { severity: 'error', rule: 'one SSH key source: `ssh.publicKey` or `ssh.publicKeyFile`, not both' },
  HK261: { severity: 'warning', rule: 'SSH is opened to `ssh.allowedCIDRs` but no public key is installed' },
  HK262: { severity: 'warning', rule: 'a public API with an empty `api.allowedCIDRs`, which nobody outside the VPC may reach' },
  HK263: { severity: 'error', rule: 'a public API behind narrow CIDRs needs the private topology (NAT addresses are admitted) or an internal load balancer' },
  HK264: { severity: 'error', rule: 'an SSH public key (inline or `publicKeyFile`) decodes: known type, valid base64, the type inside the blob matches, ed25519 32 key bytes, RSA ≥ 2048 bits, ECDSA points of their curve (what AWS key import checks)' },
  HK265: { severity: 'warning', rule: 'a private Route53 zone (`api.dns.privateZone`) for a public API load balancer, whose name outside clients cannot resolve' },
  HK266: { severity: 'error', rule: "`api.dns.associateVpc` only for a private zone (`privateZone: true`) in an existing VPC (`network.networkID`): hakube always associates the VPC it creates, and an existing VPC's association is otherwise only checked at plan time" },
  HK270: { severity: 'error', rule: 'the image is pinned by `image.name` or `image.ami`, not both' },
  HK271: { severity: 'error', rule: 'a named image matches `image.ubuntuRelease`' },
  HK280: { severity: 'error', rule: '`terraform.awsProviderVersion` admits a `hashicorp/aws` provider hakube supports (`>= 6.25.0, < 7.0.0`); its syntax, a Terraform version constraint, is checked by the schema (HK105)' },
  HK290: { severity: 'error', rule: 'an explicit `architecture` (control plane or group) agrees with its `instanceType`' },
  HK291: { severity: 'error', rule: '`image.ami` is not used when the cluster has both amd64 and arm64 machines (one AMI cannot serve both)' },
  HK292: { severity: 'error', rule: "every type of a group's `mixedInstancesPolicy` is of the group's architecture (its launch template has one image)" },
  HK293: { severity: 'error', rule: '`serviceAccountIssuerDiscovery.discoveryStore` is a bucket name usable in the issuer URL (no dots)' },
  HK294: { severity: 'error', rule: '`iam.serviceAccountExternalPermissions` needs `serviceAccountIssuerDiscovery` with its OIDC provider (`enableAWSOIDCProvider`)' },
  HK295: { severity: 'error', rule: '`iam.serviceAccountExternalPermissions` lists each namespace/name once' },
  HK296: { severity: 'error', rule: '`aws.policyARNs` are IAM managed policy ARNs' },
  HK297: { severity: 'error', rule: '`aws.inlinePolicy` is a JSON policy document with `Statement`' },
  HK298: { severity: 'error', rule: 'each service account gets some permission (`aws.policyARNs`, `aws.inlinePolicy` or both)' },
  HK299: { severity: 'error', rule: 'no two service accounts share a role name (hyphens and dots in names map alike)' },

  HK301: { severity: 'warning', rule: 'the cluster spans fewer than 3 zones' },
  HK302: { severity: 'warning', rule: "an instance group runs in one zone only (of several): losing it loses all the group's workers and the auto-scaling group cannot refill them elsewhere" },
  HK303: { severity: 'warning', rule: 'an instance group has `minSize: 1`: losing that machine leaves the group without workers until a replacement boots' },
  HK304: { severity: 'warning', rule: 'an instance group may run only Spot machines at `minSize` (`onDemandBase: 0`, `onDemandAboveBase: 0`): one reclaim leaves it without workers' },

  HK401: { severity: 'error', rule: 'a certificate or key in `pki/` or `users/` that does not parse, or a file where the `pki/` or `users/` folder belongs ([docs/pki.md](pki.md))' },
  HK402: { severity: 'error', rule: 'a key that does not match its certificate, or an `sa.pub` that is not the pair of `sa.key`' },
  HK403: { severity: 'error', rule: 'a leaf not signed by its CA in the store, or a CA that is not a self-signed CA certificate' },
  HK404: { severity: 'error', rule: 'a certificate without its key, or the reverse (also `sa.key` without `sa.pub`)' },
  HK405: { severity: 'error', rule: 'a malformed bootstrap token or encryption config' },
  HK406: { severity: 'error', rule: 'a kubeconfig (`pki/admin.kubeconfig`, `users/<name>/kubeconfig`) hakube cannot read' },
  HK420: { severity: 'error', rule: 'a symbolic link, FIFO or device in `pki/` or `users/`, which hakube never follows or opens' },
  HK421: { severity: 'error', rule: "the local backend's `terraform.backend.path` names neither a file or folder hakube writes nor leaves the generated folder" },
  HK440: { severity: 'error', rule: 'a certificate file holding any PEM block besides its certificate (a key appended to `ca.crt` would otherwise travel to every node and kubeconfig), or an `sa.pub` holding more than its public key' },
  HK441: { severity: 'error', rule: 'a key file holding more than one key' },
  HK442: { severity: 'error', rule: 'a file in `pki/` or `users/` over its size limit (16 KiB for keys, certificates and tokens)' },
  HK443: { severity: 'error', rule: "the folder's `pki/manifest.json` names another cluster (or is not JSON hakube wrote)" },
  HK444: { severity: 'error', rule: 'a certificate would be issued from an expired CA (naming the CA file and its `notAfter`)' },

  HK501: { severity: 'error', rule: 'against the previous output (`--out`): the Kubernetes version moves one minor up at a time, never back ([docs/upgrades.md](upgrades.md))' },
  HK502: { severity: 'error', rule: 'against the previous output: etcd moves to 3.6 (Kubernetes 1.34) only when every member already runs etcd 3.5.32 or later ([docs/upgrades.md](upgrades.md#etcd-35--36))' },
} as const satisfies Record<`HK${number}`, IssueCodeInfo>;

/** A code hakube reports; one not in ISSUE_CODES does not compile. */
export type IssueCode = keyof typeof ISSUE_CODES;
