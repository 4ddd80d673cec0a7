import { existsSync } from 'node:fs';
import { generateInto, type GenerateResult } from './generate.js';
import { checkOutputFolder, openOutputFolder } from './output/output-folder.js';
import { defaultOutDir } from './output/paths.js';
import { refuseLostKeyMaterial } from './pki/lost-key-material.js';
import { renewCertificates, type RenewedCertificate } from './pki/renew.js';
import { readPkiStore } from './pki/store.js';
import { validateFile, type ValidatedCluster } from './spec/validate.js';

export interface CertsRenewResult {
  cluster: ValidatedCluster;
  outDir: string;
  /** The folder holds no certificate at all: nothing to renew, generate first. */
  noCertificates: boolean;
  renewed: RenewedCertificate[];
  /** The regeneration that wrote the renewed certificates, when there were any. */
  generated?: GenerateResult;
}

/**
 * `hakube certs renew`: re-issues every leaf due within `withinDays` and regenerates the folder with the new
 * certificates, all under one hold of the folder's lock and in one atomic write of the folder. A generate started
 * meanwhile waits for it (it never reads the old certificates and writes them back), and a failure leaves every
 * file as it was. Nothing is written when nothing is due.
 */
export async function renewAndRegenerate(specFile: string, opts: { outDir?: string; withinDays: number; now?: Date }): Promise<CertsRenewResult> {
  const cluster = validateFile(specFile);
  const { model } = cluster;
  const requested = checkOutputFolder(opts.outDir ?? defaultOutDir(model, specFile));
  // A folder that does not exist holds no certificates; it is not made just to say so.
  if (!existsSync(requested)) return { cluster, outDir: requested, noCertificates: true, renewed: [] };
  const { outDir, lock } = openOutputFolder(requested);
  try {
    const store = await readPkiStore(outDir, model.name);
    // Before anything is written: a clone without the team's pki/ must not go on as if the cluster had no CA.
    refuseLostKeyMaterial(outDir, model, store);
    if (store.pairs.size === 0) return { cluster, outDir, noCertificates: true, renewed: [] };
    const now = opts.now ?? new Date();
    const renewal = await renewCertificates(model, store, now, opts.withinDays);
    if (renewal.renewed.length === 0) return { cluster, outDir, noCertificates: false, renewed: [] };
    const pairs = new Map(store.pairs);
    for (const pair of renewal.pairs) pairs.set(pair.base, pair);
    const generated = await generateInto(cluster, outDir, { now }, { ...store, pairs });
    return { cluster, outDir, noCertificates: false, renewed: renewal.renewed, generated };
  } finally {
    lock.release();
  }
}
