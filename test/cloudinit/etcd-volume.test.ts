import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitCloudInit } from '../../src/emit/cloudinit/index.js';
import { NODE_PATHS } from '../../src/emit/cloudinit/cloud-init.js';
import { CONTROL_PLANE_TEMPLATE_VARS } from '../../src/model/bootstrap-contract.js';
import { parseCloudConfig, writtenFile } from './cloud-config.js';
import { exampleModel } from './examples.js';
import { realisticValues, renderTemplatefile } from './templatefile.js';

/** The format-once decision, cut out of the real rendered bootstrap script. */
function formatDecision(): string {
  const model = exampleModel('examples/myfirstcluster.yaml');
  const file = emitCloudInit(model).find((f) => f.path === 'cloud-init/control-plane-1.yaml')!;
  const rendered = renderTemplatefile(String(file.content), realisticValues(Object.values(CONTROL_PLANE_TEMPLATE_VARS)));
  const script = writtenFile(parseCloudConfig(rendered), NODE_PATHS.bootstrapScript).content;
  const start = script.indexOf('if blkid -p "$etcd_device"');
  const end = script.indexOf('esac', start);
  expect(start, 'the bootstrap script probes the etcd volume with blkid -p').toBeGreaterThan(0);
  return script.slice(start, end + 'esac'.length);
}

/** Runs the decision with stand-ins for blkid and mkfs.ext4 that record what happened. */
function runWithProbeExit(code: number): { status: number; formatted: boolean; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hakube-etcd-volume-'));
  const stub = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  stub('blkid', `exit ${code}`);
  stub('mkfs.ext4', `echo "$@" > ${join(dir, 'formatted')}`);
  const program = `set -euo pipefail\nlog() { echo "$*"; }\netcd_device=/dev/fake\n${formatDecision()}\n`;
  const r = spawnSync('bash', ['-c', program], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8', timeout: 10_000 });
  let formatted = false;
  try {
    formatted = readFileSync(join(dir, 'formatted'), 'utf8').includes('/dev/fake');
  } catch {
    formatted = false;
  }
  return { status: r.status ?? -1, formatted, log: r.stdout + r.stderr };
}

describe('the etcd data volume is formatted only on first boot', () => {
  it('keeps a volume that already holds a filesystem', () => {
    expect(runWithProbeExit(0)).toMatchObject({ status: 0, formatted: false });
  });

  it('formats a volume the probe finds empty', () => {
    expect(runWithProbeExit(2)).toMatchObject({ status: 0, formatted: true });
  });

  it('stops the boot, without formatting, when the volume cannot be read', () => {
    const r = runWithProbeExit(4);
    expect(r).toMatchObject({ status: 1, formatted: false });
    expect(r.log).toContain('refusing to format');
  });
});
