import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/pki/certificate-info.js';
import { emitPki } from '../../src/pki/emit.js';
import { renewCertificates } from '../../src/pki/renew.js';
import { readPkiStore } from '../../src/pki/store.js';
import { UserError } from '../../src/errors.js';
import type { ClusterModel } from '../../src/model/model.js';
import { addUserCommand } from '../../src/cli/commands/add-user.js';
import { generateInto, modelOf, runCommand, tempDir, TUTORIAL } from './helpers.js';

function withPki(model: ClusterModel, caValidityDays: number, certificateValidityDays: number, extraUser?: string): ClusterModel {
  return {
    ...model,
    pki: { ...model.pki, caValidityDays, certificateValidityDays },
    users: extraUser ? [...model.users, { name: extraUser, groups: [] }] : model.users,
  };
}

/** openssl's own verdict: does the certificate expire within `seconds`? */
function opensslExpiresWithin(certPath: string, seconds: number): boolean {
  const r = spawnSync('openssl', ['x509', '-checkend', String(seconds), '-noout', '-in', certPath], { encoding: 'utf8' });
  if (r.error) throw new Error(`openssl is required for this test: ${r.error.message}`);
  return r.status === 1;
}

describe('a CA that has expired or expires before a new leaf would', () => {
  it('HK444: an expired CA (openssl agrees) is refused when a leaf must be issued, naming the CA file, its notAfter and CA rotation', async () => {
    const out = tempDir();
    const base = modelOf(TUTORIAL);
    // A 30-day CA made 40 days ago: expired 10 days ago.
    await generateInto(out, withPki(base, 30, 30), new Date(Date.now() - 40 * DAY_MS));
    expect(opensslExpiresWithin(join(out, 'pki/ca.crt'), 0)).toBe(true);

    const attempt = emitPki(withPki(base, 30, 30, 'newcomer'), await readPkiStore(out), new Date());
    await expect(attempt).rejects.toBeInstanceOf(UserError);
    const err = (await attempt.catch((e: unknown) => e)) as UserError;
    expect(err.issues.map((i) => i.code)).toEqual(['HK444']);
    expect(err.issues[0].message).toMatch(/^the CA pki\/ca\.crt expired on \d{4}-\d\d-\d\dT.*\(its notAfter\).*docs\/pki\.md/);
  });

  it('a CA with fewer days left than the leaf validity: the leaf is issued, cut to the CA, with a loud warning saying the days', async () => {
    const out = tempDir();
    const base = modelOf(TUTORIAL);
    // A 30-day CA made 25 days ago has 5 days left; leaves should get 365.
    await generateInto(out, withPki(base, 30, 365), new Date(Date.now() - 25 * DAY_MS));
    expect(opensslExpiresWithin(join(out, 'pki/ca.crt'), 6 * 86_400)).toBe(true);
    expect(opensslExpiresWithin(join(out, 'pki/ca.crt'), 0)).toBe(false);

    const emission = await emitPki(withPki(base, 30, 365, 'newcomer'), await readPkiStore(out), new Date());
    const created = emission.changes.find((c) => c.path === 'users/newcomer/newcomer.crt');
    expect(created?.action).toBe('created');
    expect(created?.reason).toMatch(/^WARNING: valid only 4 day\(s\) instead of 365: the CA pki\/ca\.crt expires on \d{4}-\d\d-\d\d; .*CA rotation.*docs\/pki\.md/);

    // certs renew: every leaf is due (they end with the CA); each renewed one carries the same warning.
    const renewal = await renewCertificates(withPki(base, 30, 365), await readPkiStore(out), new Date(), 30);
    expect(renewal.renewed.length).toBeGreaterThan(5);
    for (const c of renewal.renewed) expect(c.warning, c.path).toMatch(/^WARNING: valid only 4 day\(s\) instead of 365: the CA pki\/(etcd\/|front-proxy-)?ca\.crt/);
  });

  it('add-user prints the same warning on stderr when the CA cuts the new certificate short', async () => {
    const out = tempDir();
    const base = modelOf(TUTORIAL);
    await generateInto(out, withPki(base, 30, base.pki.certificateValidityDays), new Date(Date.now() - 25 * DAY_MS));
    const result = await runCommand([addUserCommand] as Parameters<typeof runCommand>[0], ['add-user', TUTORIAL, '--name', 'newbie', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/hakube: newbie: WARNING: valid only 4 day\(s\) instead of \d+: the CA pki\/ca\.crt expires on/);
  });
});
