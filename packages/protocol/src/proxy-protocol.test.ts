import { describe, expect, it } from 'vitest';
import { formatProxyV2Header, parseProxyHeader, proxyV2Signature } from './proxy-protocol.ts';

const bytes = (text: string) => Uint8Array.from(Buffer.from(text, 'latin1'));

describe('parseProxyHeader v1', () => {
  it('parses TCP4 and reports the header length, leaving the client bytes', () => {
    const input = bytes('PROXY TCP4 192.0.2.7 198.51.100.1 40000 21\r\nUSER a\r\n');
    const result = parseProxyHeader(input);
    expect(result).toEqual({
      status: 'parsed',
      length: 44,
      header: {
        version: 1,
        command: 'proxy',
        family: 'TCP4',
        source: { address: '192.0.2.7', port: 40000 },
        destination: { address: '198.51.100.1', port: 21 },
      },
    });
    if (result.status === 'parsed') expect(Buffer.from(input.subarray(result.length)).toString()).toBe('USER a\r\n');
  });

  it('parses TCP6 and UNKNOWN', () => {
    const tcp6 = parseProxyHeader(bytes('PROXY TCP6 2001:DB8::1 ::1 1 65535\r\n'));
    expect(tcp6.status === 'parsed' && tcp6.header.source).toEqual({ address: '2001:db8::1', port: 1 });
    const unknown = parseProxyHeader(bytes('PROXY UNKNOWN ff 00 whatever\r\n'));
    expect(unknown).toMatchObject({ status: 'parsed', header: { family: 'UNKNOWN' }, length: 30 });
  });

  it('asks for more bytes byte by byte until the line ends', () => {
    const line = bytes('PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n');
    for (let end = 1; end < line.length; end++) expect(parseProxyHeader(line.subarray(0, end)).status).toBe('need-more');
    expect(parseProxyHeader(line).status).toBe('parsed');
  });

  it('refuses malformed headers', () => {
    for (const text of [
      'PROXY TCP4 10.0.0.1 10.0.0.2 1 2\n',
      'PROXY TCP4 10.0.0.256 10.0.0.2 1 2\r\n',
      'PROXY TCP4 10.0.0.1 10.0.0.2 01 2\r\n',
      'PROXY TCP4 10.0.0.1 10.0.0.2 1 65536\r\n',
      'PROXY TCP4 ::1 ::1 1 2\r\n',
      'PROXY TCP5 10.0.0.1 10.0.0.2 1 2\r\n',
      'PROXY TCP4 10.0.0.1 10.0.0.2 1\r\n',
      'USER anonymous\r\n',
      `PROXY ${'x'.repeat(120)}`,
    ]) {
      expect(parseProxyHeader(bytes(text)).status, text).toBe('invalid');
    }
  });
});

describe('parseProxyHeader v2', () => {
  it('round-trips TCP4 and TCP6 headers built by formatProxyV2Header', () => {
    for (const [source, destination] of [
      ['203.0.113.9', '127.0.0.1'],
      ['2001:db8::42', '::1'],
      ['fe80:0:0:1::', '1:2:3:4:5:6:7:8'],
    ] as const) {
      const header = formatProxyV2Header({ source: { address: source, port: 5555 }, destination: { address: destination, port: 21 } });
      const result = parseProxyHeader(Uint8Array.from([...header, 0x41]));
      expect(result).toMatchObject({
        status: 'parsed',
        length: header.length,
        header: { version: 2, command: 'proxy', source: { address: source, port: 5555 }, destination: { address: destination, port: 21 } },
      });
    }
  });

  it('needs more until the whole address block is there, and skips TLVs', () => {
    const header = formatProxyV2Header({ source: { address: '192.0.2.1', port: 1 }, destination: { address: '192.0.2.2', port: 2 } });
    const withTlv = Uint8Array.from(header);
    withTlv[15] = withTlv[15]! + 4; // four bytes of TLV (type, length 1, value) follow the addresses
    const full = Uint8Array.from([...withTlv, 0x04, 0x00, 0x01, 0xaa, 0x55]);
    for (let end = 1; end < full.length - 1; end++) expect(parseProxyHeader(full.subarray(0, end)).status).toBe('need-more');
    expect(parseProxyHeader(full)).toMatchObject({ status: 'parsed', length: full.length - 1, header: { family: 'TCP4' } });
  });

  it('parses LOCAL and unsupported families without addresses', () => {
    expect(parseProxyHeader(formatProxyV2Header('local'))).toEqual({
      status: 'parsed',
      length: 16,
      header: { version: 2, command: 'local', family: 'UNKNOWN' },
    });
    const unix = Uint8Array.from([...proxyV2Signature, 0x21, 0x31, 0x00, 0x00]);
    expect(parseProxyHeader(unix)).toMatchObject({ status: 'parsed', header: { family: 'UNKNOWN', command: 'proxy' } });
  });

  it('refuses a wrong version, an unknown command and a short address block', () => {
    expect(parseProxyHeader(Uint8Array.from([...proxyV2Signature, 0x11, 0x11, 0, 0])).status).toBe('invalid');
    expect(parseProxyHeader(Uint8Array.from([...proxyV2Signature, 0x22, 0x11, 0, 0])).status).toBe('invalid');
    expect(parseProxyHeader(Uint8Array.from([...proxyV2Signature, 0x21, 0x11, 0, 4, 1, 2, 3, 4])).status).toBe('invalid');
    expect(parseProxyHeader(Uint8Array.from([0x0d, 0x0a, 0x0d, 0x0b])).status).toBe('invalid');
  });
});
