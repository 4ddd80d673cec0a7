import { parse, stringify } from 'yaml';
import { showValue } from '../show-value.js';

export interface KubeconfigInput {
  clusterName: string;
  /** https URL of the API server, e.g. https://api.example.com:6443. */
  server: string;
  caPem: string | Uint8Array;
  /** Name of the user entry; the context is <user>@<cluster>, as kubeadm names it. */
  user: string;
  certPem: string | Uint8Array;
  keyPem: string | Uint8Array;
}

const b64 = (pem: string | Uint8Array) => Buffer.from(pem).toString('base64');

/** A self-contained kubeconfig: certificates and key embedded, one cluster, user and context. Deterministic. */
export function renderKubeconfig(input: KubeconfigInput): string {
  const context = `${input.user}@${input.clusterName}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.clusterName, cluster: { server: input.server, 'certificate-authority-data': b64(input.caPem) } }],
    users: [{ name: input.user, user: { 'client-certificate-data': b64(input.certPem), 'client-key-data': b64(input.keyPem) } }],
    contexts: [{ name: context, context: { cluster: input.clusterName, user: input.user } }],
    'current-context': context,
    preferences: {},
  });
}

/** The server URL of a kubeconfig's current context; throws with the reason when there is none. */
export function kubeconfigServer(text: string): string {
  const doc = parse(text) as {
    'current-context'?: string;
    contexts?: Array<{ name?: string; context?: { cluster?: string } }>;
    clusters?: Array<{ name?: string; cluster?: { server?: unknown } }>;
  } | null;
  const context = doc?.contexts?.find((c) => c.name === doc['current-context']);
  const cluster = doc?.clusters?.find((c) => c.name === context?.context?.cluster);
  const server = cluster?.cluster?.server;
  if (typeof server !== 'string' || server === '') throw new Error('its current context has no cluster server');
  return server;
}

/** Checks a --server value: an absolute https URL, as kubectl needs for client-certificate authentication. */
export function checkServerUrl(server: string): string | undefined {
  const shown = showValue(server);
  // new URL silently drops tabs and line breaks and accepts "https:host", so the URL it parses need not be the
  // string written to the kubeconfig: the string itself must be the URL.
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(server)) return `${shown} contains whitespace or a control character; expected for example https://api.example.com:6443`;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return `${shown} is not a URL; expected for example https://api.example.com:6443`;
  }
  if (url.protocol !== 'https:' || !/^https:\/\//i.test(server)) return `${shown} must be an https:// URL (client certificates need TLS)`;
  return undefined;
}
