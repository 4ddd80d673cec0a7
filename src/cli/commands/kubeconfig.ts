import { join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { UsageError, UserError } from '../../errors.js';
import { writeUserNamedFile } from '../../output/atomic-file.js';
import { DEFAULT_OUT_DIR_SHOWN, defaultOutDir } from '../../output/paths.js';
import { ADMIN_KUBECONFIG, KUBERNETES_CA, specApiServer, USER_NAME_PATTERN, userKubeconfigPath } from '../../pki/certificate-plan.js';
import { checkServerUrl, renderKubeconfig } from '../../pki/kubeconfig.js';
import { validateFile } from '../../spec/validate.js';
import type { Console } from '../output.js';
import { showValue } from '../../show-value.js';
import { lockOutputFolder } from '../../output/output-lock.js';

/** `-o -`: standard output, for a pipe into a secret store or another tool; nothing is written to disk. */
const STDOUT = '-';

interface KubeconfigArgs {
  spec: string;
  server?: string;
  user?: string;
  out?: string;
  output?: string;
  force: boolean;
}

export function kubeconfigCommand(con: Console): CommandModule<object, KubeconfigArgs> {
  return {
    command: 'kubeconfig <spec>',
    describe: 'Write the admin kubeconfig (or a user\'s) for an API endpoint, e.g. the load balancer\'s DNS name after terraform apply',
    builder: (y: Argv) =>
      y
        .positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file (YAML or JSON)' })
        .option('server', { type: 'string', describe: 'API server URL, e.g. https://<load-balancer-dns>:6443 (default: from spec api.dns)' })
        .option('user', { type: 'string', describe: 'A user made by generate or add-user (default: the cluster admin)' })
        .option('out', { type: 'string', describe: `Output folder holding pki/ and users/ (default ${DEFAULT_OUT_DIR_SHOWN})` })
        .option('output', {
          alias: 'o',
          type: 'string',
          describe: 'File to write (default <out>/pki/admin.kubeconfig, or <out>/users/NAME/kubeconfig with --user), or - for standard output; it holds the private key',
        })
        .option('force', { type: 'boolean', default: false, describe: 'Replace the -o file if it exists' }) as unknown as Argv<KubeconfigArgs>,
    handler: async (args) => {
      if (args.user !== undefined && !USER_NAME_PATTERN.test(args.user)) throw new UsageError(`--user ${showValue(args.user)} is not a valid user name`);
      const { model } = validateFile(args.spec);
      const server = args.server ?? specApiServer(model);
      if (!server) {
        throw new UsageError(
          '--server is required: the spec has no api.dns name, so the API endpoint is the load balancer\'s DNS name, known after terraform apply (e.g. --server https://<lb-dns>:6443)',
        );
      }
      const why = checkServerUrl(server);
      if (why) throw new UsageError(`--server: ${why}`);
      const out = args.out ?? defaultOutDir(model, args.spec);
      // Loaded on use: x509 handling is slow to import and only these commands need it.
      const { readPkiStore } = await import('../../pki/store.js');
      const { refuseLostKeyMaterial } = await import('../../pki/lost-key-material.js');
      const { identityCertificateBase } = await import('../../pki/user-credentials.js');
      const store = await readPkiStore(out, model.name);
      // Before anything is written: a clone without the team's pki/ must not go on as if the cluster had no CA.
      refuseLostKeyMaterial(out, model, store);
      const ca = store.pairs.get(KUBERNETES_CA);
      const { base, kubeconfigUser } = identityCertificateBase(args.user);
      const identity = store.pairs.get(base);
      if (!ca || !identity) {
        const outFlag = args.out ? ` --out ${args.out}` : '';
        const hint =
          args.user === undefined || model.users.some((u) => u.name === args.user)
            ? `hakube generate ${args.spec}${outFlag}`
            : `hakube add-user ${args.spec} --name ${args.user}${outFlag}`;
        throw new UserError(`no certificate ${join(out, `${base}.crt`)}${ca ? '' : ' and no cluster CA'}; run '${hint}' first`);
      }
      const target = args.output ?? join(out, args.user === undefined ? ADMIN_KUBECONFIG : userKubeconfigPath(args.user));
      const content = renderKubeconfig({ clusterName: model.name, server, caPem: ca.certBytes, user: kubeconfigUser, certPem: identity.certBytes, keyPem: identity.keyBytes });
      if (args.output === STDOUT) {
        con.out(content);
        return;
      }
      if (args.output === undefined) {
        // hakube's own file in the output folder: replaced whenever the endpoint changes, under the folder's lock so a
        // generate running at the same time never swaps it away half-written.
        const lock = lockOutputFolder(resolve(out));
        try {
          writeUserNamedFile(target, content, { mode: 0o600, force: true, flag: '--out' });
        } finally {
          lock.release();
        }
      } else {
        writeUserNamedFile(target, content, { mode: 0o600, force: args.force, flag: '-o' });
      }
      con.out(`wrote ${target} (${kubeconfigUser} at ${server}); use it with: kubectl --kubeconfig ${target} get nodes`);
    },
  };
}
