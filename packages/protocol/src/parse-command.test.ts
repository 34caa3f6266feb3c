import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { parseCommand } from './parse-command.ts';

describe('parseCommand', () => {
  it.each([
    { line: 'USER anonymous', verb: 'USER', argument: 'anonymous' },
    { line: 'user anonymous', verb: 'USER', argument: 'anonymous' },
    { line: 'Retr file.txt', verb: 'RETR', argument: 'file.txt' },
    { line: 'NOOP', verb: 'NOOP', argument: '' },
    { line: 'PWD ', verb: 'PWD', argument: '' },
    { line: 'STOR  two leading spaces', verb: 'STOR', argument: ' two leading spaces' },
    { line: 'STOR trailing  ', verb: 'STOR', argument: 'trailing  ' },
    { line: 'MKD "quoted"', verb: 'MKD', argument: '"quoted"' },
    { line: 'LIST -la', verb: 'LIST', argument: '-la' },
    { line: 'RETR dir/ä ö.txt', verb: 'RETR', argument: 'dir/ä ö.txt' },
    { line: 'CWD \ufeffbom', verb: 'CWD', argument: '\ufeffbom' },
    { line: 'SITE CHMOD 755 x', verb: 'SITE', argument: 'CHMOD 755 x' },
    { line: 'ſtor x', verb: 'ſTOR', argument: 'x' },
    { line: 'ſTOR x', verb: 'ſTOR', argument: 'x' },
    { line: 'STOr x', verb: 'STOR', argument: 'x' },
    { line: ' USER x', verb: '', argument: 'USER x' },
    { line: 'USER\tx', verb: 'USER\tX', argument: '' },
  ])('parses "$line" as verb "$verb" with argument "$argument"', ({ line, verb, argument }) => {
    expect(parseCommand(Buffer.from(line, 'utf8'))).toEqual({ ok: true, verb, argument });
  });

  it.each([
    { name: 'an empty line', bytes: Buffer.from(''), reason: 'empty' },
    { name: 'only spaces', bytes: Buffer.from('   '), reason: 'empty' },
    { name: 'tabs and a CR', bytes: Buffer.from(' \t\r'), reason: 'empty' },
    { name: 'invalid UTF-8', bytes: Buffer.from([0x52, 0x45, 0x54, 0x52, 0x20, 0xc3, 0x28]), reason: 'encoding' },
    { name: 'a truncated UTF-8 sequence', bytes: Buffer.from([0x43, 0x20, 0xe2, 0x82]), reason: 'encoding' },
    { name: 'an overlong encoding of "/"', bytes: Buffer.from([0x43, 0x20, 0xc0, 0xaf]), reason: 'encoding' },
    { name: 'an encoded surrogate', bytes: Buffer.from([0x43, 0x20, 0xed, 0xa0, 0x80]), reason: 'encoding' },
    { name: 'a NUL in the argument', bytes: Buffer.from('RETR a\0b'), reason: 'nul' },
    { name: 'a lone NUL', bytes: Buffer.from([0]), reason: 'nul' },
    { name: 'NUL and invalid UTF-8 together', bytes: Buffer.from([0, 0xff]), reason: 'nul' },
  ])('refuses $name as $reason', ({ bytes, reason }) => {
    expect(parseCommand(bytes)).toEqual({ ok: false, reason });
  });

  describe('with a decoder of another charset', () => {
    // Latin-1 by hand: every byte is the code point of the same number.
    const latin1 = (line: Uint8Array) => String.fromCharCode(...line);
    const refusingNonAscii = (line: Uint8Array) => (line.some((byte) => byte >= 0x80) ? undefined : String.fromCharCode(...line));

    it('decodes the line with it: a byte that is not UTF-8 is a name', () => {
      const line = Buffer.from([...Buffer.from('RETR caf'), 0xe9]);
      expect(parseCommand(line)).toEqual({ ok: false, reason: 'encoding' });
      expect(parseCommand(line, latin1)).toEqual({ ok: true, verb: 'RETR', argument: 'caf\u00e9' });
    });

    it('refuses a line the decoder finds invalid', () => {
      expect(parseCommand(Buffer.from([0x43, 0x20, 0xd6]), refusingNonAscii)).toEqual({ ok: false, reason: 'encoding' });
    });

    it('checks for NUL before decoding', () => {
      expect(parseCommand(Buffer.from([0x43, 0x20, 0, 0xd6]), refusingNonAscii)).toEqual({ ok: false, reason: 'nul' });
    });
  });
});
