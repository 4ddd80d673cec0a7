import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { formatIssue, UsageError, UserError } from '../../errors.js';
import { addFolderTogether } from '../../output/new-files.js';
import { lockOutputFolder } from '../../output/output-lock.js';
import { DEFAULT_OUT_DIR_SHOWN, defaultOutDir } from '../../output/paths.js';
import {
  GROUP_NAME_PATTERN,
  KUBERNETES_CA,
  reservedUserNameProblem,
  specApiServer,
  systemMastersWarning,
  USER_NAME_PATTERN,
  userCertificateBase,
} from '../../pki/certificate-plan.js';
import { checkServerUrl } from '../../pki/kubeconfig.js';
import { maxUserGroups } from '../../spec/schema.js';
import { validateFile } from '../../spec/validate.js';
import { noteStaleKeyStore } from '../key-store-note.js';
import type { Console } from '../output.js';
import { showValue } from '../../show-value.js';

interface AddUserArgs {
  spec: string;
  name: string;
  group: string[];
  out?: string;
  server?: string;
}

function checkNames(name: string, groups: string[]): void {
  if (name.length > 64 || !USER_NAME_PATTERN.test(name)) {
    throw new UsageError(`--name ${showValue(name)} is not a valid user name (lowercase letters, digits, - _ . @; at most 64 characters)`);
  }
  const most = maxUserGroups();
  if (groups.length > most) throw new UsageError(`--group is given for ${groups.length} groups; a user has at most ${most} (bind further groups with RBAC, or use an OIDC identity provider)`);
  for (const group of groups) {
    if (group.length > 64 || !GROUP_NAME_PATTERN.test(group)) {
      throw new UsageError(`--group ${showValue(group)} is not a valid group name (letters, digits, - _ . : @; at most 64 characters)`);
    }
  }
}

export function addUserCommand(con: Console): CommandModule<object, AddUserArgs> {
  return {
    command: 'add-user <spec>',
    describe: 'Issue an x509 client certificate (CN = user, O = groups) signed by the cluster CA, and a kubeconfig when the API endpoint is known',
    builder: (y: Argv) =>
      y
        .positional('spec', { type: 'string', demandOption: true, describe: 'Cluster spec file (YAML or JSON)' })
        .option('name', { type: 'string', demandOption: true, describe: 'User name: the certificate CN and the Kubernetes user name' })
        .option('group', { type: 'string', array: true, default: [] as string[], describe: 'Group (certificate O entry); repeat for several' })
        .option('out', { type: 'string', describe: `Output folder holding pki/ (default ${DEFAULT_OUT_DIR_SHOWN})` })
        .option('server', { type: 'string', describe: 'API server URL for the kubeconfig, e.g. https://<load-balancer-dns>:6443 (default: from spec api.dns)' }) as unknown as Argv<AddUserArgs>,
    handler: async (args) => {
      const groups = [...new Set(args.group.map(String))];
      checkNames(args.name, groups);
      const reserved = reservedUserNameProblem(args.name);
      if (reserved) throw new UserError(`--name ${args.name} is reserved`, [{ code: 'HK253', severity: 'error', pointer: '', message: reserved }]);
      if (args.server !== undefined) {
        const why = checkServerUrl(args.server);
        if (why) throw new UsageError(`--server: ${why}`);
      }
      const { model } = validateFile(args.spec);
      const out = args.out ?? defaultOutDir(model, args.spec);

      const inSpec = model.users.find((u) => u.name === args.name);
      const effectiveGroups = groups.length === 0 && inSpec ? inSpec.groups : groups;
      if (inSpec && [...effectiveGroups].sort().join('\n') !== [...inSpec.groups].sort().join('\n')) {
        throw new UserError(
          `${args.spec} already lists user ${args.name} with groups [${inSpec.groups.join(', ')}]; change the spec and run hakube generate instead of add-user`,
        );
      }

      // Loaded on use: x509 handling is slow to import and only these commands need it.
      const { readPkiStore } = await import('../../pki/store.js');
      const { refuseLostKeyMaterial } = await import('../../pki/lost-key-material.js');
      const { issueUserCredentials } = await import('../../pki/user-credentials.js');
      const server = args.server ?? specApiServer(model);
      const lock = existsSync(out) ? lockOutputFolder(resolve(out)) : undefined;
      try {
        const store = await readPkiStore(out, model.name);
        // Before anything is written: a clone without the team's pki/ must not go on as if the cluster had no CA.
        refuseLostKeyMaterial(out, model, store);
        const ca = store.pairs.get(KUBERNETES_CA);
        if (!ca) {
          throw new UserError(`no cluster CA in ${join(out, `${KUBERNETES_CA}.crt`)}; run 'hakube generate ${args.spec}${args.out ? ` --out ${args.out}` : ''}' first`);
        }
        const keyPath = join(out, `${userCertificateBase(args.name)}.key`);
        if (existsSync(keyPath)) {
          throw new UserError(`user ${args.name} already has a key at ${keyPath}; hakube never overwrites a key (delete users/${args.name}/ yourself to issue a new one)`);
        }

        if (effectiveGroups.includes('system:masters')) {
          con.err(formatIssue({ code: 'HK251', severity: 'warning', pointer: '', message: systemMastersWarning(args.name) }));
        }
        const { files, warning } = await issueUserCredentials({ model, ca, name: args.name, groups: effectiveGroups, server, now: new Date() });
        if (warning) con.err(`hakube: ${args.name}: ${warning}`);
        // All files or none, even when killed: a key without its certificate would stop every later generate.
        addFolderTogether(out, dirname(userCertificateBase(args.name)), files, (path) => con.out(`wrote ${path}`));
      } finally {
        lock?.release();
      }
      await noteStaleKeyStore(con, model, out, args.spec, args.out);
      con.out(
        `user ${args.name}: CN=${args.name}${effectiveGroups.map((g) => `, O=${g}`).join('')}` +
          (effectiveGroups.length ? '' : ' (no groups: bind the user itself with RBAC)'),
      );
      if (!server) {
        con.out(
          `no API endpoint known yet (the spec has no api.dns); after terraform apply run:\n` +
            `  hakube kubeconfig ${args.spec} --user ${args.name} --server https://<load-balancer-dns>:6443${args.out ? ` --out ${args.out}` : ''}`,
        );
      }
    },
  };
}
