import { describe, expect, it } from 'vitest';
import { escapeControl, showPointer, showValue, SHOWN_VALUE_MAX } from '../src/show-value.js';

describe('showValue: a user value as a message may quote it', () => {
  it('quotes short strings and prints other values as JSON', () => {
    expect(showValue('us-west-2')).toBe('"us-west-2"');
    expect(showValue(1e15)).toBe('1000000000000000');
    expect(showValue(Number.NaN)).toBe('NaN');
    expect(showValue([1, 'a'])).toBe('[1,"a"]');
  });

  it('cuts long values with an ellipsis and the full length', () => {
    const shown = showValue('a'.repeat(10_000));
    expect(shown).toMatch(/^"a+…" \(10000 characters\)$/);
    expect(shown.length).toBeLessThan(SHOWN_VALUE_MAX + 30);
  });

  it('escapes line breaks and control characters', () => {
    expect(showValue('a\nb\u0007')).toBe('"a\\nb\\u0007"');
    expect(escapeControl('x\u2028y\r')).toBe('x\\u2028y\\r');
  });

  it('replaces what looks like key material or a token with a placeholder', () => {
    const label = ['PRIVATE', 'KEY'].join(' ');
    expect(showValue(`-----BEGIN EC ${label}-----\nMHcCAQEE\n-----END EC ${label}-----`)).toBe('<redacted: looks like a private key>');
    expect(showValue('-----BEGIN CERTIFICATE-----')).toBe('<redacted: looks like PEM key material>');
    expect(showValue('token abcdef.0123456789abcdef here')).toBe('<redacted: looks like a bootstrap token>');
    expect(showValue('AAAAC3NzaC1lZDI1NTE5AAAAIG3pyMHYSmZMGG0QmZ9IwmRx0ql6gbcIvR0PnjPfSUvW')).toBe('<redacted: looks like key material or a token>');
    // Ordinary long names are only cut, not taken for secrets.
    expect(showValue('my-very-long-but-ordinary-instance-group-name-for-batch-jobs')).not.toContain('redacted');
  });

  it('showPointer keeps ordinary segments and replaces secret-looking or long ones', () => {
    expect(showPointer('/spec/network/cni')).toBe('/spec/network/cni');
    expect(showPointer('/spec/abcdef.0123456789abcdef')).toBe('/spec/<redacted: looks like a bootstrap token>');
    expect(showPointer(`/spec/${'k'.repeat(100)}`)).toMatch(/^\/spec\/"k+…" \(100 characters\)$/);
  });
});
