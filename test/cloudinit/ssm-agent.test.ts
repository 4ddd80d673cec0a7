import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emitCloudInit } from '../../src/emit/cloudinit/index.js';
import { CONTROL_PLANE_TEMPLATE_VARS, NODE_TEMPLATE_VARS } from '../../src/model/bootstrap-contract.js';
import { validateText } from '../../src/spec/validate.js';
import { parseCloudConfig, writtenFile } from './cloud-config.js';
import { EXAMPLES, exampleModel } from './examples.js';
import { realisticValues, renderTemplatefile } from './templatefile.js';

/**
 * Canonical's Ubuntu images on EC2 ship the amazon-ssm-agent snap enabled; Session Manager works as long as nothing
 * hakube runs stops, disables, masks or removes it (or snapd, which runs it).
 */
const TOUCHES_AGENT = /(amazon-ssm-agent|snapd|\bsnap\s+(remove|disable|stop)|ssm-user)/;

/** The only place that may: the block for ssm.enabled: false. */
const AGENT_OFF_BLOCK = /\{\{#unless ssmEnabled\}\}[\s\S]*?\{\{\/unless\}\}/g;

const tmp = mkdtempSync(join(tmpdir(), 'hakube-ssm-agent-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function bootstrapScripts(files: ReturnType<typeof emitCloudInit>): string[] {
  return files.map((f) => {
    const variables = f.path.includes('/control-plane-') ? Object.values(CONTROL_PLANE_TEMPLATE_VARS) : Object.values(NODE_TEMPLATE_VARS);
    return writtenFile(parseCloudConfig(renderTemplatefile(String(f.content), realisticValues(variables))), '/usr/local/sbin/hakube-bootstrap').content;
  });
}

describe('the SSM agent of the Ubuntu image', () => {
  it('is touched by no template outside the ssm.enabled: false block', () => {
    for (const dir of ['templates', 'templates/partials']) {
      for (const entry of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile())) {
        expect(readFileSync(join(dir, entry.name), 'utf8').replace(AGENT_OFF_BLOCK, ''), entry.name).not.toMatch(TOUCHES_AGENT);
      }
    }
  });

  it.each(EXAMPLES)('%s: is left running by every machine\'s user data (ssm.enabled defaults to true)', (example) => {
    const model = exampleModel(example);
    expect(model.ssm.enabled).toBe(true);
    for (const file of emitCloudInit(model)) expect(String(file.content), file.path).not.toMatch(TOUCHES_AGENT);
  });

  it('is stopped and disabled at boot by every machine when ssm.enabled is false, in a script shellcheck accepts', () => {
    const spec = readFileSync('examples/myfirstcluster.yaml', 'utf8').replace('  controlPlane:', '  ssm:\n    enabled: false\n  controlPlane:');
    const files = emitCloudInit(validateText(spec, 'examples/myfirstcluster.yaml').model);
    const scripts = bootstrapScripts(files);
    expect(scripts).toHaveLength(files.length);
    for (const script of scripts) {
      expect(script).toContain('snap stop --disable amazon-ssm-agent');
      const path = join(tmp, `${Math.random().toString(36).slice(2)}.sh`);
      writeFileSync(path, script);
      const r = spawnSync('shellcheck', ['--shell=bash', '--severity=style', path], { encoding: 'utf8', timeout: 60_000 });
      if (r.error) throw new Error(`shellcheck is needed for this test (apt-get install shellcheck): ${r.error.message}`);
      expect(`${r.stdout}${r.stderr}`).toBe('');
      expect(r.status).toBe(0);
    }
  });
});
