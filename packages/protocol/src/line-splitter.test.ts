import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.ts';
import type { SplitterItem } from './line-splitter.ts';

const IAC = 0xff;

/** Renders items as strings so expectations read naturally; too-long becomes a marker. */
function describeItems(items: readonly SplitterItem[]): string[] {
  return items.map((item) => (item.kind === 'line' ? item.bytes.toString('latin1') : '<too-long>'));
}

function splitAll(chunks: readonly Uint8Array[], maxLineLength?: number): string[] {
  const splitter = new LineSplitter(maxLineLength === undefined ? {} : { maxLineLength });
  return describeItems(chunks.flatMap((chunk) => splitter.push(chunk)));
}

function bytes(...parts: (string | number[])[]): Buffer {
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))));
}

/** Cuts a buffer at the given (sorted, deduplicated) positions. */
function cut(data: Buffer, positions: readonly number[]): Buffer[] {
  const sorted = [...new Set(positions.map((position) => position % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const position of sorted) {
    chunks.push(data.subarray(start, position));
    start = position;
  }
  chunks.push(data.subarray(start));
  return chunks;
}

/** Arbitrary line contents (up to 40 bytes) that never contain the excluded bytes. */
function lineBytesWithout(excluded: readonly number[]): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ maxLength: 40 }).map((line) => Buffer.from(line.filter((byte) => !excluded.includes(byte))));
}

describe('LineSplitter', () => {
  it.each([
    { name: 'splits on CRLF', input: [bytes('USER anonymous\r\n')], expected: ['USER anonymous'] },
    { name: 'accepts a bare LF', input: [bytes('NOOP\n')], expected: ['NOOP'] },
    {
      name: 'yields several lines from one chunk',
      input: [bytes('USER a\r\nPASS b\r\nSYST\n')],
      expected: ['USER a', 'PASS b', 'SYST'],
    },
    {
      name: 'joins a line split across chunks',
      input: [bytes('RE'), bytes('TR fi'), bytes('le\r'), bytes('\n')],
      expected: ['RETR file'],
    },
    { name: 'keeps a CR that is not before LF', input: [bytes('a\rb\r\n')], expected: ['a\rb'] },
    { name: 'drops only the last CR of CR CR LF', input: [bytes('a\r\r\n')], expected: ['a\r'] },
    { name: 'keeps a CR split from the next data byte', input: [bytes('a\r'), bytes('b\n')], expected: ['a\rb'] },
    { name: 'yields an empty line', input: [bytes('\r\n')], expected: [''] },
    { name: 'holds an incomplete line', input: [bytes('NOOP')], expected: [] },
    { name: 'decodes IAC IAC as one 0xFF byte', input: [bytes('a', [IAC, IAC], 'b\r\n')], expected: ['a\xffb'] },
    {
      name: 'strips IAC IP IAC DM before ABOR',
      input: [bytes([IAC, 244, IAC, 242], 'ABOR\r\n')],
      expected: ['ABOR'],
    },
    {
      // BSD ftp sends "IAC IP IAC" urgent and "DM ABOR" in line; the kernel drops the urgent IAC from the stream.
      name: 'drops the bare DM that follows IAC IP when the Synch IAC was lost as urgent data',
      input: [bytes([IAC, 244, 242], 'ABOR\r\n')],
      expected: ['ABOR'],
    },
    {
      // Clients send "IAC IP IAC" in line and only the DM as urgent data; Linux takes the DM out of the stream, so
      // the second IAC is followed by the command's first letter (RFC 854: not a Telnet command byte).
      name: 'keeps the byte after IAC IP IAC when the urgent DM was removed from the stream',
      input: [bytes([IAC, 244, IAC], 'ABOR\r\n')],
      expected: ['ABOR'],
    },
    {
      name: 'keeps a byte below 0xF0 after a split IAC IP IAC',
      input: [bytes([IAC, 244, IAC]), bytes('NOOP\r\n')],
      expected: ['NOOP'],
    },
    { name: 'drops an IAC before a byte that is no Telnet command', input: [bytes('a', [IAC], 'b\r\n')], expected: ['ab'] },
    { name: 'ends the line on a LF after a lone IAC', input: [bytes('NOOP', [IAC], '\nX\n')], expected: ['NOOP', 'X'] },
    {
      name: 'keeps a 0xF2 data byte that does not follow IAC IP',
      input: [bytes([242], 'X\r\n')],
      expected: ['\xf2X'],
    },
    { name: 'strips IAC WILL option', input: [bytes([IAC, 251, 1], 'NOOP\r\n')], expected: ['NOOP'] },
    {
      name: 'strips IAC DONT option even when the option is LF',
      input: [bytes([IAC, 254, 10], 'NOOP\r\n')],
      expected: ['NOOP'],
    },
    { name: 'strips IAC AYT', input: [bytes('NO', [IAC, 246], 'OP\r\n')], expected: ['NOOP'] },
    {
      name: 'handles IAC split from its command',
      input: [bytes('NO', [IAC]), bytes([244], 'OP\n')],
      expected: ['NOOP'],
    },
    {
      name: 'handles IAC WILL split from its option',
      input: [bytes([IAC, 253]), bytes([3], 'X\n')],
      expected: ['X'],
    },
    { name: 'handles IAC IAC split across chunks', input: [bytes([IAC]), bytes([IAC], '\n')], expected: ['\xff'] },
  ])('$name', ({ input, expected }) => {
    expect(splitAll(input)).toEqual(expected);
  });

  it.each([
    { name: 'accepts a line of exactly the maximum', input: 'abcd\r\nx\n', expected: ['abcd', 'x'] },
    { name: 'accepts a line of exactly the maximum with bare LF', input: 'abcd\n', expected: ['abcd'] },
    {
      name: 'reports one too-long and resumes after LF',
      input: 'abcdefghij\r\nNOOP\r\n',
      expected: ['<too-long>', 'NOOP'],
    },
    { name: 'counts a CR that is data', input: 'abcd\rx\nok\n', expected: ['<too-long>', 'ok'] },
    { name: 'reports each too-long line once', input: 'abcdef\nabcdefgh\n', expected: ['<too-long>', '<too-long>'] },
  ])('$name (max 4)', ({ input, expected }) => {
    expect(splitAll([bytes(input)], 4)).toEqual(expected);
  });

  it('reports too-long at the moment the limit is crossed, before the line ends', () => {
    const splitter = new LineSplitter({ maxLineLength: 4 });
    expect(describeItems(splitter.push(bytes('abcd')))).toEqual([]);
    expect(describeItems(splitter.push(bytes('e')))).toEqual(['<too-long>']);
    expect(describeItems(splitter.push(bytes('fghij')))).toEqual([]);
    expect(describeItems(splitter.push(bytes('\nQUIT\n')))).toEqual(['QUIT']);
  });

  it('returns line buffers that later input does not overwrite', () => {
    const splitter = new LineSplitter();
    const [first] = splitter.push(bytes('ONE\n'));
    splitter.push(bytes('TWO\n'));
    expect(first?.kind === 'line' && first.bytes.toString()).toBe('ONE');
  });

  it('keeps lines longer than its first buffer whole, up to the maximum, across chunks', () => {
    const long = `STOR ${'x'.repeat(3000)}`;
    const bytes = Buffer.from(`${long}\r\nNOOP\r\n${'y'.repeat(4097)}\r\n`);
    const splitter = new LineSplitter();
    const items = [...splitter.push(bytes.subarray(0, 1000)), ...splitter.push(bytes.subarray(1000))];
    expect(items.map((item) => (item.kind === 'line' ? item.bytes.toString('latin1') : item.kind))).toEqual([long, 'NOOP', 'too-long']);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxLineLength %s', (maxLineLength) => {
    expect(() => new LineSplitter({ maxLineLength })).toThrow(RangeError);
  });

  it('yields the same lines however the stream is chunked', () => {
    const lineText = lineBytesWithout([0x0a, 0x0d, IAC]);
    fc.assert(
      fc.property(
        fc.array(lineText, { maxLength: 20 }),
        fc.array(fc.boolean(), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (lines, useCrlf, cuts) => {
          const terminated = lines.map((line, index) => [line, bytes(useCrlf[index] === true ? '\r\n' : '\n')]);
          const stream = Buffer.concat(terminated.flat());
          const splitter = new LineSplitter({ maxLineLength: 64 });
          const items = cut(stream, cuts).flatMap((chunk) => splitter.push(chunk));
          expect(items).toEqual(lines.map((line) => ({ kind: 'line', bytes: line })));
        },
      ),
    );
  });

  it('round-trips arbitrary bytes escaped with IAC doubling', () => {
    const lineBytes = lineBytesWithout([0x0a, 0x0d]);
    fc.assert(
      fc.property(fc.array(lineBytes, { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 30 }), (lines, cuts) => {
        const doubleIac = (byte: number): number[] => (byte === IAC ? [IAC, IAC] : [byte]);
        const escaped = lines.map((line) => Buffer.from([...line].flatMap(doubleIac)));
        const stream = Buffer.concat(escaped.flatMap((line) => [line, bytes('\r\n')]));
        const splitter = new LineSplitter({ maxLineLength: 64 });
        const items = cut(stream, cuts).flatMap((chunk) => splitter.push(chunk));
        expect(items).toEqual(lines.map((line) => ({ kind: 'line', bytes: line })));
      }),
    );
  });

  it('never buffers more than the maximum, whatever is sent', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 }), (chunks) => {
        const splitter = new LineSplitter({ maxLineLength: 32 });
        for (const chunk of chunks) {
          for (const item of splitter.push(chunk)) {
            if (item.kind === 'line') {
              expect(item.bytes.length).toBeLessThanOrEqual(32);
            }
          }
          expect(splitter.bufferedLength).toBeLessThanOrEqual(32);
        }
      }),
    );
  });

  it('keeps memory bounded for a megabyte-long line and recovers after it', () => {
    const splitter = new LineSplitter({ maxLineLength: 4096 });
    const block = Buffer.alloc(64 * 1024, 0x41);
    const items: SplitterItem[] = [];
    for (let index = 0; index < 16; index += 1) {
      items.push(...splitter.push(block));
      expect(splitter.bufferedLength).toBeLessThanOrEqual(4096);
    }
    items.push(...splitter.push(bytes('\r\nQUIT\r\n')));
    expect(describeItems(items)).toEqual(['<too-long>', 'QUIT']);
  });
});

describe('LineSplitter.pushUntil', () => {
  const isAuth = (line: Buffer) => /^auth( |$)/i.test(line.toString('latin1'));

  it('stops after the first matching line and returns the rest of the chunk byte for byte', () => {
    const splitter = new LineSplitter();
    const handshake = Buffer.from([0x16, 0x03, 0x01, 0x0a, 0x0d, 0x0a, 0xff, 0xff]);
    const result = splitter.pushUntil(Buffer.concat([Buffer.from('NOOP\r\nAUTH TLS\r\n'), handshake]), isAuth);
    expect(result.items.map((item) => (item.kind === 'line' ? item.bytes.toString() : item.kind))).toEqual(['NOOP', 'AUTH TLS']);
    expect(result.rest).toEqual(handshake);
  });

  it('returns no rest when no line matches, and keeps splitting normally after a stop', () => {
    const splitter = new LineSplitter();
    expect(splitter.pushUntil(Buffer.from('USER a\r\nPA'), isAuth)).toEqual({
      items: [{ kind: 'line', bytes: Buffer.from('USER a') }],
      rest: undefined,
    });
    const stopped = splitter.pushUntil(Buffer.from('SS b\r\nauth tls\r\nPWD\r\n'), isAuth);
    expect(stopped.items).toHaveLength(2);
    expect(splitter.push(stopped.rest!)).toEqual([{ kind: 'line', bytes: Buffer.from('PWD') }]);
  });

  it('returns an empty rest when the matching line ends the chunk', () => {
    expect(new LineSplitter().pushUntil(Buffer.from('AUTH TLS\r\n'), isAuth).rest).toEqual(Buffer.alloc(0));
  });
});
