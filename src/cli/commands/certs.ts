import type { Argv, CommandModule } from 'yargs';
import { UsageError, UserError } from '../../errors.js';
import { DEFAULT_OUT_DIR_SHOWN, defaultOutDir } from '../../output/paths.js';
import { PKI_DIR } from '../../model/bucket-layout.js';
import { validateFile } from '../../spec/validate.js';
import { renderStructured, renderTable } from '../../render/tables.js';
import { noteStaleKeyStore } from '../key-store-note.js';
import type { Console } from '../output.js';
import { join } from 'node:path';
import { showValue } from '../../show-value.js';
import { shownOutDir } from './generate.js';

interface CertsCheckArgs {
  spec: string;
  out?: string;
  output: 'table' | 'json';
  'warn-days': number;
}

function certsCheckCommand(con: Console): CommandModule<object, CertsCheckArgs> {
  return {
    command: 'check <spec>',
    describe: 'List every certificate (CAs, leaves, users) with subject, issuer, SANs and days to expiry; exit 1 if one expires within --warn-days',
    builder: (y: Argv) =>
      y
        .positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file (YAML or JSON)' })
        .option('out', { type: 'string', describe: `Output folder holding pki/ (default ${DEFAULT_OUT_DIR_SHOWN})` })
        .option('output', { alias: 'o', choices: ['table', 'json'] as const, default: 'table' as const, describe: 'Output format' })
        .option('warn-days', { type: 'number', default: 30, describe: 'Fail when a certificate expires within this many days' }) as unknown as Argv<CertsCheckArgs>,
    handler: async (args) => {
      const warnDays = args['warn-days'];
      if (!Number.isInteger(warnDays) || warnDays < 0) throw new UsageError(`--warn-days must be a whole number of days, not ${showValue(warnDays)}`);
      const { model } = validateFile(args.spec);
      const out = args.out ?? defaultOutDir(model, args.spec);
      // Loaded on use: x509 handling is slow to import and only these commands need it.
      const { readPkiStore } = await import('../../pki/store.js');
      const { certificateExpiries } = await import('../../pki/expiry.js');
      const store = await readPkiStore(out, model.name);
      if (store.pairs.size === 0) throw new UserError(`no certificates under ${join(out, PKI_DIR)}; run 'hakube generate ${args.spec}${args.out ? ` --out ${args.out}` : ''}' first`);
      const report = certificateExpiries(store, new Date(), warnDays);
      if (args.output === 'json') {
        con.out(renderStructured({ warnDays, certificates: report }, 'json'));
      } else {
        con.out(
          renderTable(
            ['CERTIFICATE', 'SUBJECT', 'ISSUER', 'SANS', 'NOT AFTER', 'DAYS LEFT'],
            report.map((c) => [c.path, c.subject, c.issuer, c.sans.join(',') || '-', c.notAfter.slice(0, 10), `${c.daysToExpiry}${c.expiring ? ' !' : ''}`]),
          ),
        );
      }
      const expiring = report.filter((c) => c.expiring);
      if (expiring.length > 0) {
        throw new UserError(
          `${expiring.length} certificate(s) expire within ${warnDays} days: ${expiring.map((c) => c.path).join(', ')}. ` +
            `Run 'hakube certs renew ${args.spec} --within ${warnDays}' to re-issue the leaves; a CA is renewed by kubeadm's CA rotation procedure (docs/pki.md)`,
        );
      }
    },
  };
}

interface CertsRenewArgs {
  spec: string;
  out?: string;
  output: 'table' | 'json';
  within: number;
}

function certsRenewCommand(con: Console): CommandModule<object, CertsRenewArgs> {
  return {
    command: 'renew <spec>',
    describe:
      'Re-issue every leaf certificate that expires within --within days (never a CA; keys are kept), then regenerate the folder. ' +
      'After terraform apply, each control-plane member installs its renewed certificates at its own hour of the day',
    builder: (y: Argv) =>
      y
        .positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file (YAML or JSON)' })
        .option('out', { type: 'string', describe: `Output folder holding pki/ (default ${DEFAULT_OUT_DIR_SHOWN})` })
        .option('output', { alias: 'o', choices: ['table', 'json'] as const, default: 'table' as const, describe: 'Output format' })
        .option('within', { type: 'number', default: 30, describe: 'Renew certificates that expire within this many days' }) as unknown as Argv<CertsRenewArgs>,
    handler: async (args) => {
      const within = args.within;
      if (!Number.isInteger(within) || within < 0) throw new UsageError(`--within must be a whole number of days, not ${showValue(within)}`);
      const { renewAndRegenerate } = await import('../../certs-renew.js');
      const { cluster, renewed, noCertificates, outDir } = await renewAndRegenerate(args.spec, { ...(args.out ? { outDir: args.out } : {}), withinDays: within });
      if (noCertificates) throw new UserError(`no certificates under ${join(args.out ?? shownOutDir(outDir), PKI_DIR)}; run 'hakube generate ${args.spec}${args.out ? ` --out ${args.out}` : ''}' first`);
      const out = args.out ?? shownOutDir(outDir);
      for (const c of renewed) if (c.warning) con.err(`hakube: ${c.path}: ${c.warning}`);
      if (renewed.length > 0) await noteStaleKeyStore(con, cluster.model, out, args.spec, args.out);
      if (args.output === 'json') {
        con.out(renderStructured({ within, renewed }, 'json'));
        return;
      }
      if (renewed.length === 0) {
        con.out(`no leaf certificate expires within ${within} days; nothing renewed`);
        return;
      }
      con.out(
        renderTable(
          ['CERTIFICATE', 'SUBJECT', 'OLD SERIAL', 'NEW SERIAL', 'NOT AFTER'],
          renewed.map((c) => [c.path, c.subject, c.oldSerial, c.newSerial, c.newNotAfter.slice(0, 10)]),
        ),
      );
      con.out(
        `\nrenewed ${renewed.length} certificate(s) in ${out} (keys kept). Next: terraform apply uploads them to the secrets bucket; ` +
          'each control-plane member installs its own within a day, one member at a time (hakube-cert-refresh.timer; docs/pki.md)',
      );
    },
  };
}

export function certsCommand(con: Console): CommandModule<object, object> {
  return {
    command: 'certs',
    describe: 'Inspect and renew the cluster certificates',
    builder: (y: Argv) => y.command(certsCheckCommand(con)).command(certsRenewCommand(con)).demandCommand(1, 'Name a certs command: check, renew'),
    handler: () => undefined,
  };
}
