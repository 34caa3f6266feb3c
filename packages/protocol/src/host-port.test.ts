import { describe, expect, it } from 'vitest';
import {
  formatEpsvReply,
  formatPasvAddress,
  formatPasvReply,
  normalizeAddress,
  parseEprt,
  parseEprtArgument,
  parseEpsvArgument,
  parsePortArgument,
} from './host-port.ts';
import { isIpv4Address, isIpv6Address } from './ip-address.ts';

describe('parsePortArgument', () => {
  it.each([
    { argument: '127,0,0,1,4,1', expected: { host: '127.0.0.1', port: 1025 } },
    { argument: '192,168,1,2,255,255', expected: { host: '192.168.1.2', port: 65535 } },
    { argument: ' 10 , 0 ,0, 1,0,1 ', expected: { host: '10.0.0.1', port: 1 } },
    { argument: '010,000,0,1,1,0', expected: { host: '10.0.0.1', port: 256 } },
    { argument: '0,0,0,0,0,21', expected: { host: '0.0.0.0', port: 21 } },
  ])('parses "$argument"', ({ argument, expected }) => {
    expect(parsePortArgument(argument)).toEqual(expected);
  });

  it.each([
    '',
    '127,0,0,1,4',
    '127,0,0,1,4,1,9',
    '256,0,0,1,4,1',
    '127,0,0,1,4,256',
    '127,0,0,1,0,0',
    '127,0,0,-1,4,1',
    '127,0,0,1,4,1.5',
    '127,0,0,1,4,0x1',
    '127,0,0,1,,1',
    '127,0,0,1,4,1000',
    '127.0.0.1,4,1',
  ])('refuses "%s"', (argument) => {
    expect(parsePortArgument(argument)).toBeUndefined();
  });
});

describe('formatPasvAddress', () => {
  it.each([
    { host: '127.0.0.1', port: 1025, expected: '127,0,0,1,4,1' },
    { host: '10.1.2.3', port: 65535, expected: '10,1,2,3,255,255' },
    { host: '::ffff:127.0.0.1', port: 256, expected: '127,0,0,1,1,0' },
  ])('formats $host:$port', ({ host, port, expected }) => {
    expect(formatPasvAddress(host, port)).toBe(expected);
  });

  it.each([
    { host: '::1', port: 21 },
    { host: 'localhost', port: 21 },
    { host: '127.0.0.1', port: 0 },
    { host: '127.0.0.1', port: 65536 },
    { host: '127.0.0.1', port: 21.5 },
  ])('throws for $host:$port', ({ host, port }) => {
    expect(() => formatPasvAddress(host, port)).toThrow(RangeError);
  });

  it('round-trips through parsePortArgument', () => {
    expect(parsePortArgument(formatPasvAddress('192.0.2.7', 50021))).toEqual({ host: '192.0.2.7', port: 50021 });
  });

  it('gives the complete 227 text', () => {
    expect(formatPasvReply('127.0.0.1', 1025)).toBe('Entering Passive Mode (127,0,0,1,4,1).');
  });
});

describe('parseEprt', () => {
  it.each([
    { argument: '|1|132.235.1.2|6275|', expected: { family: 1, host: '132.235.1.2', port: 6275 } },
    { argument: '|2|::1|5282|', expected: { family: 2, host: '::1', port: 5282 } },
    { argument: '|2|1080::8:800:200C:417A|5282|', expected: { family: 2, host: '1080::8:800:200c:417a', port: 5282 } },
    { argument: '!1!10.0.0.1!65535!', expected: { family: 1, host: '10.0.0.1', port: 65535 } },
    { argument: '~2~::ffff:10.0.0.1~1~', expected: { family: 2, host: '::ffff:10.0.0.1', port: 1 } },
  ])('parses "$argument"', ({ argument, expected }) => {
    expect(parseEprt(argument)).toEqual({ ok: true, ...expected });
    expect(parseEprtArgument(argument)).toEqual(expected);
  });

  it.each([
    { argument: '', reason: 'syntax' },
    { argument: ' |1|10.0.0.1|21|', reason: 'syntax' },
    { argument: '|1|10.0.0.1|21', reason: 'syntax' },
    { argument: '|1|10.0.0.1|21||', reason: 'syntax' },
    { argument: '|1|::1|21|', reason: 'syntax' },
    { argument: '|2|10.0.0.1|21|', reason: 'syntax' },
    { argument: '|1|10.0.0.256|21|', reason: 'syntax' },
    { argument: '|1|10.0.0.1|0|', reason: 'syntax' },
    { argument: '|1|10.0.0.1|65536|', reason: 'syntax' },
    { argument: '|1|10.0.0.1|+21|', reason: 'syntax' },
    { argument: '|1|10.0.0.1||', reason: 'syntax' },
    { argument: '|2|fe80::1%eth0|21|', reason: 'syntax' },
    { argument: '||10.0.0.1|21|', reason: 'syntax' },
    { argument: '|x|10.0.0.1|21|', reason: 'syntax' },
    { argument: '\u00a71\u00a710.0.0.1\u00a721\u00a7', reason: 'syntax' },
    { argument: '|3|10.0.0.1|21|', reason: 'unsupported-family' },
  ])('refuses "$argument" ($reason)', ({ argument, reason }) => {
    expect(parseEprt(argument)).toEqual({ ok: false, reason });
    expect(parseEprtArgument(argument)).toBeUndefined();
  });
});

describe('formatEpsvReply', () => {
  it('gives the complete 229 text', () => {
    expect(formatEpsvReply(6446)).toBe('Entering Extended Passive Mode (|||6446|)');
  });

  it.each([0, 70000, 1.5])('throws for port %s', (port) => {
    expect(() => formatEpsvReply(port)).toThrow(RangeError);
  });
});

describe('parseEpsvArgument', () => {
  it.each([
    { argument: '', expected: { kind: 'none' } },
    { argument: 'ALL', expected: { kind: 'all' } },
    { argument: 'all', expected: { kind: 'all' } },
    { argument: ' All ', expected: { kind: 'all' } },
    { argument: '1', expected: { kind: 'family', family: 1 } },
    { argument: '2', expected: { kind: 'family', family: 2 } },
    { argument: '3', expected: undefined },
    { argument: 'ALLX', expected: undefined },
    { argument: '|||21|', expected: undefined },
  ])('parses "$argument"', ({ argument, expected }) => {
    expect(parseEpsvArgument(argument)).toEqual(expected);
  });
});

describe('normalizeAddress', () => {
  it.each([
    { address: '::ffff:127.0.0.1', expected: '127.0.0.1' },
    { address: '::FFFF:10.1.2.3', expected: '10.1.2.3' },
    { address: '0:0:0:0:0:ffff:7f00:1', expected: '127.0.0.1' },
    { address: '::ffff:7f00:1', expected: '127.0.0.1' },
    { address: '127.0.0.1', expected: '127.0.0.1' },
    { address: '::1', expected: '::1' },
    { address: 'FE80::ABCD', expected: 'fe80::abcd' },
    { address: '::fffe:127.0.0.1', expected: '::fffe:127.0.0.1' },
    { address: '64:ff9b::127.0.0.1', expected: '64:ff9b::127.0.0.1' },
  ])('normalises $address to $expected', ({ address, expected }) => {
    expect(normalizeAddress(address)).toBe(expected);
  });
});

describe('address syntax', () => {
  it.each([
    ['0.0.0.0', true],
    ['255.255.255.255', true],
    ['192.0.2.1', true],
    ['256.0.0.1', false],
    ['01.2.3.4', false],
    ['1.2.3', false],
    ['1.2.3.4.5', false],
    ['1.2.3.4 ', false],
    ['', false],
  ])('isIpv4Address(%j) is %s', (text, expected) => {
    expect(isIpv4Address(text)).toBe(expected);
  });

  it.each([
    ['::', true],
    ['::1', true],
    ['1::', true],
    ['2001:db8::8a2e:370:7334', true],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', true],
    ['::ffff:192.0.2.1', true],
    ['1:2:3:4:5:6:192.0.2.1', true],
    ['1:2:3:4:5:6:7::', true],
    ['1:2:3:4:5:6:7:8', true],
    ['1:2:3:4:5:6:7:8:9', false],
    ['1:2:3:4:5:6:7', false],
    ['1::2::3', false],
    [':1', false],
    ['1:', false],
    ['12345::', false],
    ['g::1', false],
    ['::192.0.2.1:1', false],
    ['1:2:3:4:5:6:7:192.0.2.1', false],
    ['fe80::1%eth0', false],
    ['127.0.0.1', false],
    ['', false],
  ])('isIpv6Address(%j) is %s', (text, expected) => {
    expect(isIpv6Address(text)).toBe(expected);
  });
});
