import { describe, expect, it } from 'vitest';
import { cidrContains, parseCidr, parseCidrList } from './cidr.ts';

describe('CIDR ranges', () => {
  it.each([
    ['10.0.0.0/8', '10.200.3.4', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['10.0.0.0/8', '::ffff:10.1.2.3', true],
    ['192.0.2.7', '192.0.2.7', true],
    ['192.0.2.7', '192.0.2.8', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['2001:db8::/32', '2001:db8:1::5', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['::1', '::1', true],
    ['::/0', '2001:db8::1', true],
    ['2001:db8::/32', '10.0.0.1', false],
    ['fe80::/10', 'fe80::1%eth0', false],
  ])('%s contains %s: %s', (range, address, contained) => {
    expect(cidrContains(parseCidr(range)!, address)).toBe(contained);
  });

  it.each(['10.0.0.0/33', '2001:db8::/129', 'fe80::1%eth0', 'not-an-ip', '10.0.0.0/8/1', '10.0.0.0/x', ''])('refuses %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it('names the first bad entry of a list', () => {
    expect(() => parseCidrList(['10.0.0.0/8', 'nope'])).toThrow('"nope" is not an IP address or CIDR range');
  });
});
