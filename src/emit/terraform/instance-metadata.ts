/**
 * Instance metadata of every machine: IMDSv2 only, and one hop, so it answers the host alone. A pod outside the
 * host network is one hop further and cannot read the machine role's credentials (the control-plane role reads
 * the cluster's CA and etcd keys from the bucket). What needs them runs on the host network (docs/terraform.md).
 */
export const INSTANCE_METADATA_OPTIONS = { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 } as const;
