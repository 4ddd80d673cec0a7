import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AWS_CHANGE_EFFECTS, changedArguments, changeEffect } from '../../src/model/aws-semantics.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

/** Terraform's meta-arguments and hakube's comments, which the provider never sees. */
const META = new Set(['//', 'depends_on', 'lifecycle', 'provider', 'count', 'for_each']);

/** The argument paths hakube sets on resources of `type` in the committed examples, by example and resource. */
function setArguments(type: string): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const example of readdirSync(join(REPO_ROOT, 'generated'))) {
    for (const file of ['control-plane.tf.json', 'workers.tf.json']) {
      const tf = JSON.parse(readFileSync(join(REPO_ROOT, 'generated', example, file), 'utf8')) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
      for (const [name, attributes] of Object.entries(tf.resource?.[type] ?? {})) {
        const configured = Object.fromEntries(Object.entries(attributes).filter(([k]) => !META.has(k)));
        // Against an empty resource every configured argument differs: the paths hakube compares them by.
        for (const path of changedArguments(type, {}, configured)) found.push([`${example}/${file} ${type}.${name}`, path]);
      }
    }
  }
  return found;
}

/** The path, or a block it is in, has an entry of its own. */
function listed(type: string, path: string): boolean {
  const parts = path.split('.');
  return parts.some((_, i) => AWS_CHANGE_EFFECTS[type]![parts.slice(0, i + 1).join('.')] !== undefined);
}

describe('the table of AWS semantics', () => {
  it.each(['aws_instance', 'aws_launch_template', 'aws_ebs_volume', 'aws_volume_attachment'])('lists every %s argument the committed examples set', (type) => {
    const found = setArguments(type);
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter(([, path]) => !listed(type, path))).toEqual([]);
  });

  it('compares blocks the table describes argument by argument, whether written as an object or a list', () => {
    expect(changedArguments('aws_instance', { root_block_device: [{ volume_size: 20, encrypted: true }] }, { root_block_device: { volume_size: 40, encrypted: true } })).toEqual(['root_block_device.volume_size']);
    expect(changedArguments('aws_launch_template', { block_device_mappings: [{ ebs: { volume_size: 20 } }] }, { block_device_mappings: [{ ebs: [{ volume_size: 40 }] }] })).toEqual(['block_device_mappings.ebs.volume_size']);
    // A map is one argument: a new tag is not a new argument.
    expect(changedArguments('aws_instance', { tags: { a: '1' } }, { tags: { a: '1', b: '2' } })).toEqual(['tags']);
  });

  it('replaces an instance for new user data only with user_data_replace_on_change; otherwise stops it', () => {
    expect(changeEffect('aws_instance', 'user_data_base64', { user_data_replace_on_change: true })).toBe('replace');
    expect(changeEffect('aws_instance', 'user_data_base64', { user_data_replace_on_change: false })).toBe('stop-start');
    expect(changeEffect('aws_instance', 'user_data', {})).toBe('stop-start');
  });

  it('is conservative about what it does not list: an instance stops, a volume or a template is replaced', () => {
    expect(changeEffect('aws_instance', 'some_future_argument')).toBe('stop-start');
    expect(changeEffect('aws_instance', 'metadata_options.some_future_option')).toBe('stop-start');
    expect(changeEffect('aws_ebs_volume', 'some_future_argument')).toBe('replace');
    expect(changeEffect('aws_launch_template', 'some_future_argument')).toBe('replace');
    // A listed block covers the arguments inside it.
    expect(changeEffect('aws_instance', 'ebs_block_device.volume_size')).toBe('replace');
    expect(changeEffect('aws_instance', 'capacity_reservation_specification.capacity_reservation_target.capacity_reservation_id')).toBe('stop-start');
  });
});
