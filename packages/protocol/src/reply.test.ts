import { describe, expect, it } from 'vitest';
import { formatReply, quotePath } from './reply.ts';
import { ReplyCode, standardReplyText } from './reply-code.ts';

describe('formatReply', () => {
  it.each([
    { code: 226, text: 'Transfer complete.', expected: '226 Transfer complete.\r\n' },
    { code: 200, text: '', expected: '200 \r\n' },
    { code: 200, text: [], expected: '200 \r\n' },
    { code: 230, text: ['Welcome.'], expected: '230 Welcome.\r\n' },
    { code: 211, text: ['first', 'last'], expected: '211-first\r\n211 last\r\n' },
    { code: 211, text: ['first', ' middle', 'last'], expected: '211-first\r\n middle\r\n211 last\r\n' },
    { code: 211, text: 'Features:\n EPSV\n UTF8\nEnd', expected: '211-Features:\r\n EPSV\r\n UTF8\r\n211 End\r\n' },
    { code: 214, text: 'one\r\ntwo\r\n', expected: '214-one\r\n214 two\r\n' },
    { code: 211, text: ['a', '211 forged', 'z'], expected: '211-a\r\n 211 forged\r\n211 z\r\n' },
    { code: 211, text: ['a', '999 other', 'z'], expected: '211-a\r\n 999 other\r\n211 z\r\n' },
    { code: 211, text: ['a', 'x\n211 forged', 'z'], expected: '211-a\r\nx\r\n 211 forged\r\n211 z\r\n' },
    { code: 550, text: 'name\r\n230 forged', expected: '550-name\r\n550 230 forged\r\n' },
    { code: 550, text: 'lone\rCR', expected: '550 lone\r\0CR\r\n' },
    { code: 257, text: `${quotePath('a\rb')} created.`, expected: '257 "a\r\0b" created.\r\n' },
  ])('formats $code $text', ({ code, text, expected }) => {
    expect(formatReply(code, text)).toBe(expected);
  });

  it('never lets a line break inside the text end a reply line early', () => {
    const reply = formatReply(550, ['x\ry', 'a\nb', 'c\r\nd', 'e\n\rf']);
    const lines = reply.split('\r\n').slice(0, -1);
    expect(lines.slice(1, -1).every((line) => !/^\d{3}[ -]/.test(line))).toBe(true);
    expect(reply.replaceAll('\r\n', '')).not.toMatch(/[\n]|\r(?!\0)/);
  });

  it.each([99, 600, 2.5, Number.NaN])('refuses reply code %s', (code) => {
    expect(() => formatReply(code, 'x')).toThrow(RangeError);
  });
});

describe('quotePath', () => {
  it.each([
    { path: '/', expected: '"/"' },
    { path: '/home/user', expected: '"/home/user"' },
    { path: '/say "hi"', expected: '"/say ""hi"""' },
    { path: '/"', expected: '"/"""' },
    { path: '/a\nb', expected: '"/a\0b"' },
    { path: '/a\rb', expected: '"/a\r\0b"' },
    { path: '/ü space ', expected: '"/ü space "' },
  ])('quotes $path', ({ path, expected }) => {
    expect(quotePath(path)).toBe(expected);
  });
});

describe('ReplyCode', () => {
  it.each([
    ['DataConnectionOpen', 125],
    ['FileStatusOkay', 150],
    ['ClosingData', 226],
    ['EnteringPassiveMode', 227],
    ['EnteringExtendedPassiveMode', 229],
    ['SecurityDataExchangeComplete', 234],
    ['PathCreated', 257],
    ['NeedPassword', 331],
    ['ServiceNotAvailable', 421],
    ['NetworkProtocolNotSupported', 522],
    ['ProtectionLevelNotSupported', 536],
    ['FileNameNotAllowed', 553],
    ['InvalidRestartPoint', 554],
  ] as const)('names %s as %d', (name, code) => {
    expect(ReplyCode[name]).toBe(code);
  });

  it('has no duplicate codes and a standard text for each', () => {
    const codes = Object.values(ReplyCode);
    expect(new Set(codes).size).toBe(codes.length);
    expect(Object.keys(standardReplyText).map(Number).sort()).toEqual([...codes].sort());
  });
});
