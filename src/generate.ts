import { addonFileNames, emitAddons } from './emit/addons/index.js';
import { emitCloudInit, emitFetchedScripts } from './emit/cloudinit/index.js';
import { oversizedUserData } from './emit/cloudinit/user-data-size.js';
import { DISCOVERY_FILES, discoveryDocuments, OPENID_CONFIGURATION_FILE } from './emit/oidc/discovery-documents.js';
import { BUCKET_OBJECT_HASHES_FILE, recordedObjectHashes } from './emit/terraform/bucket-object-hashes.js';
import { emitTerraform } from './emit/terraform/emit-terraform.js';
import { UserError } from './errors.js';
import { renderHaSummaryMarkdown } from './ha/render-ha-report.js';
import type { RolloutPlan } from './ha/rollout-plan.js';
import { bucketObjects, PKI_DIR } from './model/bucket-layout.js';
import { ADMIN_KUBECONFIG, SERVICE_ACCOUNT_PUB, USERS_DIR } from './pki/certificate-plan.js';
import { contentHash, type GeneratedFile } from './output/files.js';
import { defaultOutDir } from './output/paths.js';
import { checkOutputFolder, openOutputFolder, readPreviousOutput } from './output/output-folder.js';
import { handEditedFiles, refuseHandEdits } from './output/hand-edits.js';
import { diffOutput, MANIFEST_FILE, readRecordedHashes, writeOutput, type WriteReport } from './output/writer.js';
import { emitPki, type PkiChange } from './pki/emit.js';
import { refuseLostKeyMaterial } from './pki/lost-key-material.js';
import { readPkiStore, type PkiStore } from './pki/store.js';
import { parseRolloutRecord, renderRolloutRecord, ROLLOUT_RECORD_FILE } from './rollout/rollout-record.js';
import { stageMemberChanges, type StagingMode } from './rollout/stage-members.js';
import { loadSpecFile } from './spec/load.js';
import { validateFile, type ValidatedCluster } from './spec/validate.js';
import { kubernetesVersionFile } from './upgrade/previous-version.js';
import { checkKubernetesUpgrade } from './upgrade/upgrade-check.js';

/**
 * How control-plane member changes are written. `generate`: at most one member, unless a rollout is already in
 * progress (then none: it never advances on its own). `next`: the next pending member (`hakube rollout next`).
 * `all-members`: every member at once, for emergencies.
 */
export type RolloutRequest = 'generate' | 'next' | 'all-members';

export interface GenerateOptions {
  outDir?: string;
  /** The clock, for certificate validity; injectable for tests. */
  now?: Date;
  /** Compute everything and report what would change, but write nothing. */
  dryRun?: boolean;
  /**
   * Like dryRun, for a pipeline checking that the committed folder is up to date. Without pki/ (a CI runner has
   * no keys) no key material is made: the hashes of key files are taken as recorded, and pki/ and users/ are not
   * compared.
   */
  check?: boolean;
  rollout?: RolloutRequest;
  /**
   * Make new key material in place of recorded key material that is missing (`generate --new-pki`): a new cluster
   * CA for every machine. Without it such a folder is refused (src/pki/lost-key-material.ts).
   */
  newPki?: boolean;
  /** Replace files edited by hand since hakube wrote them with what the spec gives (`generate --overwrite-edits`). */
  overwriteEdits?: boolean;
}

export interface GenerateResult {
  cluster: ValidatedCluster;
  outDir: string;
  report: WriteReport;
  pkiChanges: PkiChange[];
  /** What one terraform apply of the written folder does to the control-plane machines. */
  rollout: RolloutPlan;
  /** Control-plane members whose change is held back for later steps (`hakube rollout next`). */
  pending: string[];
  /** The member whose change this run wrote out of a staged rollout, if any. */
  released?: string;
  /** Whether a rollout was in progress before this run (pending members recorded). */
  wasPending: string[];
  /** Whether the admin kubeconfig could be written (the API's address is known from the spec or an earlier run). */
  adminKubeconfig: boolean;
  /** Files that differ from what hakube last wrote (.hakube-files records their hashes): reported by check mode. */
  handEdited: string[];
  /** check mode without pki/: key material was not compared. */
  keyMaterialAbsent: boolean;
  /** Recorded key material that was missing and is made anew (only with newPki), relative to the folder. */
  replacedKeyMaterial: string[];
  /**
   * The service-account issuer of a cluster that already runs changes (turned on, off, or moved): its API servers
   * take the issuer from the kubeadm-config ConfigMap, so only a manual step moves them
   * (docs/iam-roles-for-service-accounts.md). The issuer before and after; absent when nothing runs yet or nothing
   * changes.
   */
  issuerChange?: { from?: string; to?: string };
}

/** The issuer a previous output published, from its committed discovery document. */
function publishedIssuer(previous: Map<string, string>): string | undefined {
  const text = previous.get(OPENID_CONFIGURATION_FILE);
  if (text === undefined) return undefined;
  try {
    const issuer = (JSON.parse(text) as { issuer?: unknown }).issuer;
    return typeof issuer === 'string' ? issuer : undefined;
  } catch {
    return undefined;
  }
}

/** EC2 launches no machine whose user data is over its limit: refused here (HK234), before anything is written. */
function refuseOversizedUserData(cluster: ValidatedCluster, cloudInit: GeneratedFile[]): void {
  const issues = oversizedUserData(cluster.model, cloudInit);
  if (issues.length === 0) return;
  const spec = loadSpecFile(cluster.file);
  throw new UserError(
    `${cluster.file}: user data over EC2's limit`,
    issues.map((issue) => ({ ...issue, position: spec.locate(issue.pointer) })),
  );
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
 * Files that hold key material (not committed) or list it (.hakube-files, committed: refuseLostKeyMaterial reads it),
 * so not compared without pki/.
 */
function holdsKeyMaterial(path: string): boolean {
  return path.startsWith(`${PKI_DIR}/`) || path.startsWith(`${USERS_DIR}/`) || path === ADMIN_KUBECONFIG || path === MANIFEST_FILE;
}

/**
 * The whole pipeline: load → schema → defaults → rules → model → emitters → one-member-per-apply staging → atomic
 * write. Only validateFile, the output folder's checks, readPkiStore (with the record refuseLostKeyMaterial reads) and readPreviousOutput read the disk, and only
 * openOutputFolder (its lock; finishing an interrupted earlier run) and writeOutput write it, never for --dry-run or
 * --check.
 */
export async function generate(specFile: string, opts: GenerateOptions = {}): Promise<GenerateResult> {
  const cluster = validateFile(specFile);
  const { model } = cluster;
  const requested = opts.outDir ?? defaultOutDir(model, specFile);
  // A run that writes nothing takes no lock and finishes no earlier run's swap: it leaves the disk as it is.
  if (opts.dryRun || opts.check) return generateInto(cluster, checkOutputFolder(requested), opts);
  const { outDir, lock } = openOutputFolder(requested);
  try {
    return await generateInto(cluster, outDir, opts);
  } finally {
    lock.release();
  }
}

/**
 * The OIDC discovery documents, from pki/sa.pub. They hold only the public key and are committed, so a check
 * without pki/ takes them as they are in the folder.
 */
function publishedDiscovery(model: ValidatedCluster['model'], pkiFiles: GeneratedFile[], previous: Map<string, string>, outDir: string): GeneratedFile[] {
  const issuer = model.serviceAccountIssuer;
  if (!issuer) return [];
  const publicKey = pkiFiles.find((f) => f.path === SERVICE_ACCOUNT_PUB)?.content;
  if (publicKey !== undefined) return discoveryDocuments(issuer, typeof publicKey === 'string' ? publicKey : Buffer.from(publicKey).toString('utf8'));
  const recorded = DISCOVERY_FILES.map((path) => ({ path, content: previous.get(path) }));
  const namesIssuer = (f: { path: string }) => f.path !== OPENID_CONFIGURATION_FILE || publishedIssuer(previous) === issuer.url;
  const missing = recorded.filter((f) => f.content === undefined || !namesIssuer(f)).map((f) => f.path);
  if (missing.length > 0) {
    throw new UserError(`${outDir} is stale: the spec publishes the service-account issuer, but ${missing.join(', ')} is missing or names another issuer; run hakube generate where pki/ is kept and commit the result`);
  }
  return recorded.map((f) => ({ path: f.path, content: f.content as string }));
}

/**
 * generate for a folder that is open: checked, and for a run that writes, locked by the caller, who holds the lock
 * across all of its writes (certs renew regenerates the folder within its own hold). `store` is the key material to
 * generate from when the caller has read it under that lock (certs renew: with its renewed certificates).
 */
export async function generateInto(cluster: ValidatedCluster, outDir: string, opts: GenerateOptions, store?: PkiStore): Promise<GenerateResult> {
  const { model } = cluster;
  const previous = readPreviousOutput(outDir);
  const recordText = previous.get(ROLLOUT_RECORD_FILE);
  const record = recordText === undefined ? undefined : parseRolloutRecord(recordText, `${outDir}/${ROLLOUT_RECORD_FILE}`);
  checkKubernetesUpgrade(cluster, outDir);
  store ??= await readPkiStore(outDir, model.name);
  const keyMaterialAbsent = opts.check === true && store.pairs.size === 0;
  // Refused before any key is made, also for --dry-run, whose report would otherwise show a new CA as the plan.
  const replacedKeyMaterial = keyMaterialAbsent ? [] : refuseLostKeyMaterial(outDir, model, store, opts.newPki);

  const cloudInit = emitCloudInit(model);
  refuseOversizedUserData(cluster, cloudInit);
  const pki = keyMaterialAbsent ? { files: [], changes: [] } : await emitPki(model, store, opts.now ?? new Date());
  const addons = emitAddons(model);
  const objects = bucketObjects(model, addonFileNames(model));
  const discovery = publishedDiscovery(model, pki.files, previous, outDir);
  const produced = [...cloudInit, ...emitFetchedScripts(model), ...addons, ...pki.files, ...discovery];
  const hashOfSource = new Map(produced.map((f) => [f.path, contentHash(f.content)]));
  if (keyMaterialAbsent) {
    // The committed hashes stand in for the key files this machine does not have.
    const recorded = recordedObjectHashes(JSON.parse(previous.get(BUCKET_OBJECT_HASHES_FILE) ?? 'null'));
    for (const object of objects) {
      const hash = recorded.get(object.key);
      if (!hashOfSource.has(object.source) && hash) hashOfSource.set(object.source, hash);
    }
    const unrecorded = objects.filter((o) => !hashOfSource.has(o.source)).map((o) => o.source);
    if (unrecorded.length > 0) {
      throw new UserError(
        `${outDir} is stale: the spec needs key material that is not recorded (${[...new Set(unrecorded)].join(', ')}); ` +
          'run hakube generate where pki/ is kept and commit the result',
      );
    }
  } else {
    const missing = objects.filter((o) => !hashOfSource.has(o.source)).map((o) => o.source);
    if (missing.length > 0) throw new Error(`BUG: the bucket layout names files no emitter produced: ${missing.join(', ')}`);
  }
  const terraform = emitTerraform(model, objects, hashOfSource);
  const fresh: GeneratedFile[] = [
    ...terraform,
    ...produced,
    kubernetesVersionFile(model),
    { path: 'HA-REPORT.md', content: renderHaSummaryMarkdown(cluster.haReport) },
    { path: '.gitignore', content: OUTPUT_GITIGNORE },
  ];

  // A cluster runs once a previous output has its members' cloud-init.
  const runs = [...previous.keys()].some((path) => path.startsWith('cloud-init/control-plane-'));
  const [issuerBefore, issuerAfter] = [publishedIssuer(previous), model.serviceAccountIssuer?.url];
  const issuerChange = runs && issuerBefore !== issuerAfter ? { ...(issuerBefore ? { from: issuerBefore } : {}), ...(issuerAfter ? { to: issuerAfter } : {}) } : undefined;

  const wasPending = record?.pending ?? [];
  const mode: StagingMode =
    opts.rollout === 'all-members' ? 'all' : opts.rollout === 'next' ? 'advance' : wasPending.length > 0 ? 'hold' : 'advance';
  const staged = stageMemberChanges(fresh, previous, mode, wasPending);
  const files = staged.pending.length > 0 ? [...staged.files, { path: ROLLOUT_RECORD_FILE, content: renderRolloutRecord({ pending: staged.pending }) }] : staged.files;
  const handEdited = handEditedFiles(readRecordedHashes(outDir), previous);
  // check mode reports them (a held member may look up to date); every other mode refuses before writing.
  if (!opts.check) refuseHandEdits(outDir, handEdited, previous, files, fresh, staged.pending.length > 0, opts.overwriteEdits === true);

  let report = diffOutput(outDir, files);
  if (keyMaterialAbsent) {
    const compared = (paths: string[]) => paths.filter((p) => !holdsKeyMaterial(p));
    report = { ...report, created: compared(report.created), changed: compared(report.changed), unchanged: compared(report.unchanged), removed: compared(report.removed) };
  }
  if (!opts.dryRun && !opts.check) report = writeOutput(outDir, files, report);
  return {
    cluster,
    outDir,
    report,
    pkiChanges: pki.changes,
    rollout: staged.plan,
    pending: staged.pending,
    ...(staged.released ? { released: staged.released } : {}),
    wasPending,
    adminKubeconfig: files.some((f) => f.path === ADMIN_KUBECONFIG),
    handEdited,
    keyMaterialAbsent,
    replacedKeyMaterial,
    ...(issuerChange ? { issuerChange } : {}),
  };
}
