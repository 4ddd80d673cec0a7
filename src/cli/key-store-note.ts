import { existsSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { ClusterModel } from '../model/model.js';
import { keyStorePaths } from '../pki/key-store-paths.js';
import type { Console } from './output.js';

/**
 * After a command that may change key material (generate, add-user, certs renew): when the folder has a team key
 * store and it no longer holds what the folder needs, says so and how to refresh it. A note, not an error: the
 * command itself succeeded, and `hakube keys status` is the check that fails.
 */
export async function noteStaleKeyStore(con: Console, model: ClusterModel, out: string, spec: string, outArg: string | undefined): Promise<void> {
  const paths = keyStorePaths(out);
  if (!existsSync(paths.archive)) return;
  const { keyStoreStatus } = await import('../pki/key-store.js');
  const seal = `hakube keys seal ${spec}${outArg ? ` --out ${outArg}` : ''}`;
  try {
    const status = keyStoreStatus(model, out, paths.recipients);
    if (status.stale.length === 0) return;
    con.err(
      `note: the team key store ${paths.archive} no longer holds what it must (${status.stale.length} difference(s); hakube keys status names them): ` +
        `run '${seal}' and commit it with ${paths.manifest}`,
    );
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    con.err(`note: the team key store could not be checked: ${err.message}`);
  }
}
