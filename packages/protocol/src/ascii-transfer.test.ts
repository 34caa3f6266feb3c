import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAsciiDecoder, createAsciiEncoder } from './ascii-transfer.ts';

function encodeChunks(chunks: readonly string[]): string {
  const encode = createAsciiEncoder();
  return chunks.map((chunk) => Buffer.from(encode(Buffer.from(chunk, 'latin1'))).toString('latin1')).join('');
}

function decodeChunks(chunks: readonly string[]): string {
  const decoder = createAsciiDecoder();
  const parts = chunks.map((chunk) => Buffer.from(decoder.transform(Buffer.from(chunk, 'latin1'))).toString('latin1'));
  return parts.join('') + Buffer.from(decoder.flush()).toString('latin1');
}

/** Cuts text at arbitrary positions. */
function cut(text: string, positions: readonly number[]): string[] {
  const sorted = [...new Set(positions.map((position) => position % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let start = 0;
  for (const position of sorted) {
    chunks.push(text.slice(start, position));
    start = position;
  }
  chunks.push(text.slice(start));
  return chunks;
}

// A reference conversion on the whole text, to compare chunked results against.
const encodeWhole = (text: string): string => text.replace(/(?<!\r)\n/g, '\r\n');
const decodeWhole = (text: string): string => text.replaceAll('\r\n', '\n');

const asciiText = fc.string({ unit: fc.constantFrom('a', 'b', '\r', '\n', '\xff', ' '), maxLength: 200 });

describe('createAsciiEncoder', () => {
  it.each([
    { name: 'converts bare LF to CRLF', chunks: ['a\nb\n'], expected: 'a\r\nb\r\n' },
    { name: 'keeps an existing CRLF', chunks: ['a\r\nb'], expected: 'a\r\nb' },
    { name: 'keeps a CRLF split across chunks', chunks: ['a\r', '\nb'], expected: 'a\r\nb' },
    { name: 'converts LF at the start of a chunk after a non-CR', chunks: ['a', '\nb'], expected: 'a\r\nb' },
    { name: 'keeps a lone CR', chunks: ['a\rb'], expected: 'a\rb' },
    { name: 'converts LF LF', chunks: ['\n\n'], expected: '\r\n\r\n' },
    { name: 'passes empty chunks without losing state', chunks: ['a\r', '', '\n'], expected: 'a\r\n' },
    { name: 'passes text without line ends unchanged', chunks: ['plain'], expected: 'plain' },
  ])('$name', ({ chunks, expected }) => {
    expect(encodeChunks(chunks)).toBe(expected);
  });

  it('returns the same chunk when nothing needs converting', () => {
    const chunk = Buffer.from('no line ends\r\n');
    expect(createAsciiEncoder()(chunk)).toBe(chunk);
  });

  it('gives the same result however the data is chunked', () => {
    fc.assert(
      fc.property(asciiText, fc.array(fc.nat(), { maxLength: 20 }), (text, positions) => {
        expect(encodeChunks(cut(text, positions))).toBe(encodeWhole(text));
      }),
    );
  });
});

describe('createAsciiDecoder', () => {
  it.each([
    { name: 'converts CRLF to LF', chunks: ['a\r\nb\r\n'], expected: 'a\nb\n' },
    { name: 'keeps a bare LF', chunks: ['a\nb'], expected: 'a\nb' },
    { name: 'converts a CRLF split across chunks', chunks: ['a\r', '\nb'], expected: 'a\nb' },
    { name: 'keeps a lone CR followed by data in the next chunk', chunks: ['a\r', 'b'], expected: 'a\rb' },
    { name: 'converts CR CR LF to CR LF', chunks: ['a\r\r\n'], expected: 'a\r\n' },
    { name: 'holds a CR across an empty chunk', chunks: ['a\r', '', '\n'], expected: 'a\n' },
    { name: 'holds CR across chunks of a lone CR', chunks: ['\r', '\r', '\n'], expected: '\r\n' },
    { name: 'releases a trailing CR on flush', chunks: ['a\r'], expected: 'a\r' },
    { name: 'passes text without line ends unchanged', chunks: ['plain'], expected: 'plain' },
  ])('$name', ({ chunks, expected }) => {
    expect(decodeChunks(chunks)).toBe(expected);
  });

  it('holds back a trailing CR until it knows what follows', () => {
    const decoder = createAsciiDecoder();
    expect(Buffer.from(decoder.transform(Buffer.from('line\r'))).toString()).toBe('line');
    expect(Buffer.from(decoder.transform(Buffer.from('\nnext'))).toString()).toBe('\nnext');
    expect(decoder.flush()).toHaveLength(0);
  });

  it('gives the same result however the data is chunked', () => {
    fc.assert(
      fc.property(asciiText, fc.array(fc.nat(), { maxLength: 20 }), (text, positions) => {
        expect(decodeChunks(cut(text, positions))).toBe(decodeWhole(text));
      }),
    );
  });

  it('restores LF-only text that the encoder produced', () => {
    const lfText = fc.string({ unit: fc.constantFrom('a', '\n', 'é', ' '), maxLength: 200 });
    fc.assert(
      fc.property(lfText, fc.array(fc.nat(), { maxLength: 20 }), (text, positions) => {
        expect(decodeChunks(cut(encodeWhole(text), positions))).toBe(text);
      }),
    );
  });
});
