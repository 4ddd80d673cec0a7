import { DAY_MS, daysUntil } from './certificate-info.js';
import type { PkiStore } from './store.js';

export interface CertificateExpiry {
  path: string;
  kind: 'ca' | 'leaf';
  subject: string;
  issuer: string;
  sans: string[];
  notAfter: string;
  daysToExpiry: number;
  /** Expires within the warning threshold (or already has). */
  expiring: boolean;
}

/** Every stored certificate with its time to expiry at `now`, sorted by path. Pure. */
export function certificateExpiries(store: PkiStore, now: Date, warnDays: number): CertificateExpiry[] {
  return [...store.pairs.values()]
    .map((pair) => ({
      path: `${pair.base}.crt`,
      kind: pair.info.isCa ? ('ca' as const) : ('leaf' as const),
      subject: pair.info.subject,
      issuer: pair.info.issuer,
      sans: [...pair.info.dnsNames.map((n) => `DNS:${n}`), ...pair.info.ipAddresses.map((ip) => `IP:${ip}`)],
      notAfter: pair.info.notAfter.toISOString(),
      daysToExpiry: daysUntil(pair.info.notAfter, now),
      expiring: pair.info.notAfter.getTime() - now.getTime() < warnDays * DAY_MS,
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
}
