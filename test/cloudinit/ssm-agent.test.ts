import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitCloudInit } from '../../src/emit/cloudinit/index.js';
import { EXAMPLES, exampleModel } from './examples.js';

/**
 * Canonical's Ubuntu images on EC2 ship the amazon-ssm-agent snap enabled; Session Manager works as long as nothing
 * hakube runs stops, disables, masks or removes it (or snapd, which runs it).
 */
const TOUCHES_AGENT = /(amazon-ssm-agent|snapd|\bsnap\s+(remove|disable|stop)|ssm-user)/;

describe('the SSM agent of the Ubuntu image is left running', () => {
  it('no template touches the agent or snapd', () => {
    for (const dir of ['templates', 'templates/partials']) {
      for (const entry of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile())) {
        expect(readFileSync(join(dir, entry.name), 'utf8'), entry.name).not.toMatch(TOUCHES_AGENT);
      }
    }
  });

  it.each(EXAMPLES)('%s: no user data touches the agent or snapd', (example) => {
    for (const file of emitCloudInit(exampleModel(example))) expect(String(file.content), file.path).not.toMatch(TOUCHES_AGENT);
  });
});
