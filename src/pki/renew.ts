import { DAY_MS } from './certificate-info.js';
import { describeCertificate } from './x509-certificate.js';
import { issuerOf, plannedCertificates, USERS_DIR, userPlan, type CertificatePlan } from './certificate-plan.js';
import { signingCaOf } from './emit.js';
import { certificatePem, cutShortWarning, issueLeaf, leafDaysCutByCa } from './issue.js';
import { importSigningKey } from './keys.js';
import type { ClusterModel } from '../model/model.js';
import type { GeneratedFile } from '../output/files.js';
import type { PkiStore, StoredPair } from './store.js';

export interface RenewedCertificate {
  /** Output-relative path of the certificate; its key is unchanged. */
  path: string;
  subject: string;
  oldSerial: string;
  newSerial: string;
  oldNotAfter: string;
  newNotAfter: string;
  /** Set when the CA expires before certificateValidityDays have passed, so the new certificate is cut short. */
  warning?: string;
}

export interface Renewal {
  /** The new certificates only: keys are kept, so no key file is written. */
  files: GeneratedFile[];
  /** The same certificates with their kept keys, as a store holds them: what the folder is regenerated from. */
  pairs: StoredPair[];
  renewed: RenewedCertificate[];
}

/** What a stored leaf should say now: the spec's plan, or for a user made by add-user, its own subject. */
function planOf(pair: StoredPair, plans: Map<string, CertificatePlan>): CertificatePlan | undefined {
  const planned = plans.get(pair.base);
  if (planned) return planned;
  if (pair.base.startsWith(`${USERS_DIR}/`)) return userPlan(pair.info.commonName, pair.info.organizations);
  // A leaf the spec no longer calls for: the next generate removes it.
  return undefined;
}

/** Stored leaves (never CAs) that expire within `withinDays` of `now`, sorted by path. */
export function leavesDue(store: PkiStore, now: Date, withinDays: number): StoredPair[] {
  return [...store.pairs.values()]
    .filter((pair) => !pair.info.isCa && pair.info.notAfter.getTime() - now.getTime() < withinDays * DAY_MS)
    .sort((a, b) => a.base.localeCompare(b.base));
}

/**
 * Re-issues every leaf due within `withinDays` from its own CA, for its existing key, valid for the spec's
 * `certificateValidityDays` from `now`. Keys are kept on purpose: a machine then swaps one file (the certificate)
 * and never holds a certificate that does not match its key, and private keys are never rewritten on disk. CAs are
 * never touched. Pure apart from fresh serial numbers.
 */
export async function renewCertificates(model: ClusterModel, store: PkiStore, now: Date, withinDays: number): Promise<Renewal> {
  const plans = new Map(plannedCertificates(model).map((p) => [p.base, p]));
  const files: GeneratedFile[] = [];
  const pairs: StoredPair[] = [];
  const renewed: RenewedCertificate[] = [];
  for (const pair of leavesDue(store, now, withinDays)) {
    const plan = planOf(pair, plans);
    if (!plan) continue;
    const caPair = store.pairs.get(issuerOf(pair.base));
    if (!caPair) throw new Error(`BUG: the store accepted ${pair.base}.crt without its CA`);
    const ca = await signingCaOf(caPair);
    const validityDays = model.pki.certificateValidityDays;
    const cutTo = leafDaysCutByCa(ca, now, validityDays);
    const cert = await issueLeaf(plan, await importSigningKey(pair.keyBytes), ca, now, validityDays);
    const info = describeCertificate(cert);
    const pem = certificatePem(cert);
    files.push({ path: `${pair.base}.crt`, content: pem, mode: 0o644 });
    pairs.push({ base: pair.base, certBytes: Buffer.from(pem, 'utf8'), keyBytes: pair.keyBytes, info });
    renewed.push({
      path: `${pair.base}.crt`,
      subject: info.subject,
      oldSerial: pair.info.serial,
      newSerial: info.serial,
      oldNotAfter: pair.info.notAfter.toISOString(),
      newNotAfter: info.notAfter.toISOString(),
      ...(cutTo === undefined ? {} : { warning: cutShortWarning(ca, cutTo, validityDays) }),
    });
  }
  return { files, pairs, renewed };
}
