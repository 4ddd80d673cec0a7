import type { Argv, CommandModule } from 'yargs';
import { UsageError, UserError } from '../../errors.js';
import { defaultOutDir } from '../../output/paths.js';
import { PKI_DIR } from '../../model/bucket-layout.js';
import { validateFile } from '../../spec/validate.js';
import { renderStructured, renderTable } from '../../render/tables.js';
import type { Console } from '../output.js';
import { join } from 'node:path';

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
        .option('out', { type: 'string', describe: 'Output folder holding pki/ (default generated/<cluster-name>)' })
        .option('output', { alias: 'o', choices: ['table', 'json'] as const, default: 'table' as const, describe: 'Output format' })
        .option('warn-days', { type: 'number', default: 30, describe: 'Fail when a certificate expires within this many days' }) as unknown as Argv<CertsCheckArgs>,
    handler: async (args) => {
      const warnDays = args['warn-days'];
      if (!Number.isInteger(warnDays) || warnDays < 0) throw new UsageError(`--warn-days must be a whole number of days, not ${String(warnDays)}`);
      const { model } = validateFile(args.spec);
      const out = args.out ?? defaultOutDir(model);
      // Loaded on use: x509 handling is slow to import and only these commands need it.
      const { readPkiStore } = await import('../../pki/store.js');
      const { certificateExpiries } = await import('../../pki/expiry.js');
      const store = readPkiStore(out);
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
            'Delete an expiring leaf\'s .crt and .key and run hakube generate to re-issue it',
        );
      }
    },
  };
}

export function certsCommand(con: Console): CommandModule<object, object> {
  return {
    command: 'certs',
    describe: 'Inspect the cluster certificates',
    builder: (y: Argv) => y.command(certsCheckCommand(con)).demandCommand(1, 'Name a certs command: check'),
    handler: () => undefined,
  };
}
