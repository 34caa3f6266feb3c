import { Buffer } from 'node:buffer';
import { InvalidOptionError } from '@ftp/plugin-api';
import { describe, expect, it } from 'vitest';
import { resolveWireCharset } from './wire-charset.ts';

describe('resolveWireCharset', () => {
  it('leaves UTF-8 (the default) to the UTF-8 path: no charset object', () => {
    for (const name of [undefined, 'utf8', 'utf-8', 'UTF-8']) expect(resolveWireCharset(name)).toBeUndefined();
  });

  it('refuses a charset iconv-lite does not know, naming the option', () => {
    expect(() => resolveWireCharset('klingon')).toThrow(InvalidOptionError);
    expect(() => resolveWireCharset('klingon')).toThrow('encoding: "klingon" is not a charset iconv-lite knows');
  });

  it.each(['utf16', 'utf-16le', 'utf7', 'base64', 'hex'])('refuses %s, which does not keep ASCII as it is', (name) => {
    expect(() => resolveWireCharset(name)).toThrow('does not keep ASCII as it is');
  });

  it.each([42, '', '  '])('refuses %j, which is no charset name', (value) => {
    expect(() => resolveWireCharset(value)).toThrow('encoding: must be the name of a charset');
  });

  it('decodes and encodes GBK', () => {
    const gbk = resolveWireCharset('gbk')!;
    expect(gbk.name).toBe('gbk');
    expect(gbk.decode(Buffer.from([0x53, 0x54, 0x4f, 0x52, 0x20, 0xd6, 0xd0, 0xce, 0xc4]))).toBe('STOR \u4e2d\u6587');
    expect(gbk.encode('257 "/\u4e2d\u6587"')).toEqual(Buffer.from([...Buffer.from('257 "/'), 0xd6, 0xd0, 0xce, 0xc4, 0x22]));
  });

  it('finds bytes GBK does not define invalid, but not a GB18030 U+FFFD', () => {
    expect(resolveWireCharset('gbk')!.decode(Buffer.from([0x43, 0x20, 0xff]))).toBeUndefined();
    expect(resolveWireCharset('gbk')!.decode(Buffer.from([0x43, 0x20, 0xd6]))).toBeUndefined();
    expect(resolveWireCharset('gb18030')!.decode(Buffer.from([0x43, 0x20, 0x84, 0x31, 0xa4, 0x37]))).toBe('C \ufffd');
  });

  it('encodes a reply character the charset lacks as "?", and refuses such a name', () => {
    const gbk = resolveWireCharset('gbk')!;
    expect(gbk.encode('550 "a\u{1f600}b"').toString('latin1')).toBe('550 "a?b"');
    expect(gbk.encodeName('a\u{1f600}b')).toBeUndefined();
    expect(gbk.encodeName('plain.txt')).toEqual(Buffer.from('plain.txt'));
  });

  it('refuses a name Shift_JIS would fold into another: "\u00a5" comes back as "\\"', () => {
    const shiftJis = resolveWireCharset('shift_jis')!;
    expect(shiftJis.encodeName('\u00a5.txt')).toBeUndefined();
    expect(shiftJis.encodeName('\u65e5\u672c.txt')).toEqual(Buffer.from([0x93, 0xfa, 0x96, 0x7b, ...Buffer.from('.txt')]));
  });

  it('takes every byte as a Latin-1 character', () => {
    const latin1 = resolveWireCharset('latin1')!;
    expect(latin1.decode(Buffer.from([0x43, 0x20, 0xe9, 0xff]))).toBe('C \u00e9\u00ff');
    expect(latin1.encodeName('\u4e2d')).toBeUndefined();
  });
});
