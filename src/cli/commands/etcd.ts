import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { UsageError, UserError } from '../../errors.js';
import { isSnapshotKey, restoreProcedure } from '../../emit/etcd-restore/restore-procedure.js';
import { ETCD_BACKUP_PREFIX } from '../../model/etcd-backups.js';
import { writeFileAtomic } from '../../output/atomic-file.js';
import { DEFAULT_OUT_DIR_SHOWN, defaultOutDir } from '../../output/paths.js';
import { validateFile } from '../../spec/validate.js';
import type { Console } from '../output.js';
import { showValue } from '../../show-value.js';

interface EtcdRestoreArgs {
  spec: string;
  snapshot: string;
  out?: string;
  dir?: string;
  force: boolean;
}

function etcdRestoreCommand(con: Console): CommandModule<object, EtcdRestoreArgs> {
  return {
    command: 'restore <spec>',
    describe: "Write this cluster's etcd restore procedure for one snapshot: README.md and one restore script per member",
    builder: (y: Argv) =>
      y
        .positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file (YAML or JSON)' })
        .option('snapshot', { type: 'string', demandOption: true, describe: `Key of the snapshot in the secrets bucket (${ETCD_BACKUP_PREFIX}<time>-<member>-rev<N>.db)` })
        .option('out', { type: 'string', describe: `The generated folder the procedure runs terraform in (default ${DEFAULT_OUT_DIR_SHOWN})` })
        .option('dir', { type: 'string', describe: 'Folder to write the procedure to (default etcd-restore-<cluster-name>)' })
        .option('force', { type: 'boolean', default: false, describe: 'Replace the procedure files in an existing folder' }) as unknown as Argv<EtcdRestoreArgs>,
    handler: (args) => {
      if (!isSnapshotKey(args.snapshot)) {
        throw new UsageError(`--snapshot must be a key under ${ETCD_BACKUP_PREFIX} ending in .db (letters, digits, '.', '_', '-'), not ${showValue(args.snapshot)}`);
      }
      const { model } = validateFile(args.spec);
      const dir = args.dir ?? `etcd-restore-${model.name}`;
      const files = restoreProcedure(model, args.snapshot, args.out ?? defaultOutDir(model, args.spec));
      const existing = files.filter((f) => existsSync(join(dir, f.path)));
      if (existing.length > 0 && !args.force) {
        throw new UserError(`${dir} already holds ${existing.map((f) => f.path).join(', ')}; use --force to replace them or --dir to write elsewhere`);
      }
      for (const file of files) writeFileAtomic(join(dir, file.path), file.content, { mode: file.mode ?? 0o644 });
      con.out(`wrote the restore procedure of ${model.name} from ${args.snapshot}:`);
      for (const file of files) con.out(`  ${join(dir, file.path)}`);
      con.out(`follow ${join(dir, 'README.md')} step by step`);
    },
  };
}

export function etcdCommand(con: Console): CommandModule<object, object> {
  return {
    command: 'etcd',
    describe: 'etcd backups: write the restore procedure for a snapshot',
    builder: (y: Argv) => y.command(etcdRestoreCommand(con)).demandCommand(1, 'Name an etcd command: restore'),
    handler: () => undefined,
  };
}
