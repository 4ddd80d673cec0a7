import { addonFileNames, emitAddons } from './emit/addons/index.js';
import { emitCloudInit } from './emit/cloudinit/index.js';
import { emitTerraform } from './emit/terraform/emit-terraform.js';
import { analyzeFailures } from './ha/failure-analysis.js';
import { renderHaSummaryMarkdown } from './ha/render-ha-report.js';
import { mergeTerraformDocuments, planRollout, type RolloutPlan, type TerraformJson } from './ha/rollout-plan.js';
import { bucketObjects } from './model/bucket-layout.js';
import { ADMIN_KUBECONFIG } from './pki/certificate-plan.js';
import type { GeneratedFile } from './output/files.js';
import { defaultOutDir } from './output/paths.js';
import { openOutputFolder, readPreviousTerraform } from './output/output-folder.js';
import { diffOutput, writeOutput, type WriteReport } from './output/writer.js';
import { emitPki, type PkiChange } from './pki/emit.js';
import { readPkiStore } from './pki/store.js';
import { validateFile, type ValidatedCluster } from './spec/validate.js';
import { kubernetesVersionFile } from './upgrade/previous-version.js';
import { checkKubernetesUpgrade } from './upgrade/upgrade-check.js';

export interface GenerateOptions {
  outDir?: string;
  /** The clock, for certificate validity; injectable for tests. */
  now?: Date;
  /** Compute everything and report what would change, but write nothing. */
  dryRun?: boolean;
}

export interface GenerateResult {
  cluster: ValidatedCluster;
  outDir: string;
  report: WriteReport;
  pkiChanges: PkiChange[];
  rollout: RolloutPlan;
  /** Whether the admin kubeconfig could be written (the API's address is known from the spec or an earlier run). */
  adminKubeconfig: boolean;
}

/** Keeps credentials out of git by default; the rest of the folder is meant to be committed. */
const OUTPUT_GITIGNORE = `# Written by hakube. Private keys, secrets and kubeconfigs stay out of git;
# keep pki/ somewhere safe (it is what Terraform uploads to the secrets bucket).
pki/
users/
kubeconfig
# Terraform's own working files.
.terraform/
terraform.tfstate
terraform.tfstate.backup
`;

/**
 * The whole pipeline: load → schema → defaults → rules → model → emitters → atomic write.
 * Only validateFile, openOutputFolder, readPkiStore and readPreviousTerraform read the disk, and only
 * openOutputFolder (finishing an interrupted earlier run) and writeOutput write it.
 */
export async function generate(specFile: string, opts: GenerateOptions = {}): Promise<GenerateResult> {
  const cluster = validateFile(specFile);
  const { model } = cluster;
  const outDir = openOutputFolder(opts.outDir ?? defaultOutDir(model));
  checkKubernetesUpgrade(cluster, outDir);
  const store = readPkiStore(outDir);
  const previousTerraform = readPreviousTerraform(outDir, mergeTerraformDocuments);

  const pki = await emitPki(model, store, opts.now ?? new Date());
  const cloudInit = emitCloudInit(model);
  const addons = emitAddons(model);
  const objects = bucketObjects(model, addonFileNames(model));
  const terraform = emitTerraform(model, objects);
  const files: GeneratedFile[] = [
    ...terraform,
    ...cloudInit,
    ...addons,
    ...pki.files,
    kubernetesVersionFile(model),
    { path: 'HA-REPORT.md', content: renderHaSummaryMarkdown(analyzeFailures(model)) },
    { path: '.gitignore', content: OUTPUT_GITIGNORE },
  ];

  const produced = new Set(files.map((f) => f.path));
  const missing = objects.filter((o) => !produced.has(o.source)).map((o) => o.source);
  if (missing.length > 0) throw new Error(`BUG: the bucket layout names files no emitter produced: ${missing.join(', ')}`);

  const nextTerraform = mergeTerraformDocuments(terraform.map((f) => JSON.parse(String(f.content)) as TerraformJson));
  const diff = diffOutput(outDir, files);
  // A cloud-init change reaches machines through templatefile(), so it does not show in the Terraform JSON.
  const rollout = planRollout(previousTerraform, nextTerraform, diff.changed);
  const report = opts.dryRun ? diff : writeOutput(outDir, files, diff);
  const adminKubeconfig = files.some((f) => f.path === ADMIN_KUBECONFIG);
  return { cluster, outDir, report, pkiChanges: pki.changes, rollout, adminKubeconfig };
}
