import { describe, expect, it } from 'vitest';
import {
  createListLineEncoder,
  createListLineFormatter,
  formatListLine,
  formatNlstLine,
  formatPermissions,
  parseListArguments,
} from './list-format.ts';
import type { ListingEntry } from './listing-entry.ts';

const now = new Date('2024-06-15T12:00:00Z');

function entry(overrides: Partial<ListingEntry>): ListingEntry {
  return { name: 'name', type: 'file', size: 1234, modifiedAt: new Date('2024-01-01T12:34:00Z'), ...overrides };
}

describe('formatListLine', () => {
  it.each([
    {
      name: 'a file with default mode, owner and group',
      entry: entry({}),
      options: { now },
      expected: '-rw-r--r--    1 ftp      ftp          1234 Jan 01 12:34 name',
    },
    {
      name: 'a directory with default mode',
      entry: entry({ name: 'docs', type: 'directory', size: 4096 }),
      options: { now },
      expected: 'drwxr-xr-x    2 ftp      ftp          4096 Jan 01 12:34 docs',
    },
    {
      name: 'a symlink',
      entry: entry({ name: 'link', type: 'symlink', size: 7 }),
      options: { now },
      expected: 'lrwxrwxrwx    1 ftp      ftp             7 Jan 01 12:34 link',
    },
    {
      name: 'an explicit mode, owner and group',
      entry: entry({ mode: 0o600 }),
      options: { now, owner: 'owner', group: 'group' },
      expected: '-rw-------    1 owner    group        1234 Jan 01 12:34 name',
    },
    {
      name: 'a file older than six months (year form)',
      entry: entry({ modifiedAt: new Date('2023-12-01T08:00:00Z') }),
      options: { now },
      expected: '-rw-r--r--    1 ftp      ftp          1234 Dec 01  2023 name',
    },
    {
      name: 'a file dated well in the future (year form)',
      entry: entry({ modifiedAt: new Date('2024-06-16T12:00:00Z') }),
      options: { now },
      expected: '-rw-r--r--    1 ftp      ftp          1234 Jun 16  2024 name',
    },
    {
      name: 'a file a few minutes in the future (time form)',
      entry: entry({ modifiedAt: new Date('2024-06-15T12:05:00Z') }),
      options: { now },
      expected: '-rw-r--r--    1 ftp      ftp          1234 Jun 15 12:05 name',
    },
    {
      name: 'a large size and a name with spaces and a "->"',
      entry: entry({ size: 123456789012, name: ' a -> b ' }),
      options: { now },
      expected: '-rw-r--r--    1 ftp      ftp      123456789012 Jan 01 12:34  a -> b ',
    },
    {
      name: 'a name with line breaks, encoded to stay one line',
      entry: entry({ name: 'a\r\nb' }),
      options: { now },
      expected: '-rw-r--r--    1 ftp      ftp          1234 Jan 01 12:34 a\r\0\0b',
    },
    {
      name: 'an invalid date, shown as the epoch',
      entry: entry({ modifiedAt: new Date(Number.NaN) }),
      options: { now },
      expected: '-rw-r--r--    1 ftp      ftp          1234 Jan 01  1970 name',
    },
  ])('formats $name', ({ entry: listingEntry, options, expected }) => {
    expect(formatListLine(listingEntry, options)).toBe(expected);
  });

  it('uses English month names whatever the default locale', () => {
    const months = Array.from(
      { length: 12 },
      (_, month) => formatListLine(entry({ modifiedAt: new Date(Date.UTC(2020, month, 1)) }), { now }).split(/ +/)[5],
    );
    expect(months).toEqual(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']);
  });
});

describe('formatPermissions', () => {
  it.each([
    { type: 'file', mode: 0o644, expected: '-rw-r--r--' },
    { type: 'file', mode: 0o000, expected: '----------' },
    { type: 'file', mode: 0o777, expected: '-rwxrwxrwx' },
    { type: 'file', mode: 0o100644, expected: '-rw-r--r--' },
    { type: 'file', mode: 0o4755, expected: '-rwsr-xr-x' },
    { type: 'file', mode: 0o4644, expected: '-rwSr--r--' },
    { type: 'directory', mode: 0o2775, expected: 'drwxrwsr-x' },
    { type: 'directory', mode: 0o1777, expected: 'drwxrwxrwt' },
    { type: 'directory', mode: 0o1776, expected: 'drwxrwxrwT' },
    { type: 'symlink', mode: 0o777, expected: 'lrwxrwxrwx' },
  ] as const)('formats $type $mode as $expected', ({ type, mode, expected }) => {
    expect(formatPermissions(type, mode)).toBe(expected);
  });
});

describe('formatNlstLine', () => {
  it.each([
    ['file.txt', 'file.txt'],
    [' spaced ', ' spaced '],
    ['a\nb', 'a\0b'],
  ])('formats %j as %j', (name, expected) => {
    expect(formatNlstLine(name)).toBe(expected);
  });
});

describe('parseListArguments', () => {
  it.each([
    { argument: '', expected: { flags: '', path: '' } },
    { argument: '-la /x', expected: { flags: 'la', path: '/x' } },
    { argument: '-a', expected: { flags: 'a', path: '' } },
    { argument: '-l -a dir', expected: { flags: 'la', path: 'dir' } },
    { argument: '-la   dir with spaces ', expected: { flags: 'la', path: 'dir with spaces ' } },
    { argument: '-la ', expected: { flags: 'la', path: '' } },
    { argument: 'file -name', expected: { flags: '', path: 'file -name' } },
    { argument: '/dir', expected: { flags: '', path: '/dir' } },
    { argument: ' -la', expected: { flags: '', path: ' -la' } },
    { argument: '-', expected: { flags: '', path: '-' } },
    { argument: '--', expected: { flags: '', path: '--' } },
    { argument: '-1', expected: { flags: '', path: '-1' } },
    { argument: '-my-file.txt', expected: { flags: '', path: '-my-file.txt' } },
    { argument: '-l -my-file.txt', expected: { flags: 'l', path: '-my-file.txt' } },
    { argument: './-la', expected: { flags: '', path: './-la' } },
  ])('parses "$argument"', ({ argument, expected }) => {
    expect(parseListArguments(argument)).toEqual(expected);
  });
});

describe('createListLineFormatter', () => {
  it('writes the same lines as formatListLine, also for entries that share a mode or a time', () => {
    const options = { now: new Date('2024-06-01T12:00:00Z'), owner: 'alice', group: 'staff' };
    const shared = new Date('2024-05-30T08:15:00Z');
    const entries: ListingEntry[] = [
      { name: 'a.txt', type: 'file', size: 1, modifiedAt: shared, mode: 0o644 },
      { name: 'b.txt', type: 'file', size: 22, modifiedAt: shared, mode: 0o644 },
      { name: 'docs', type: 'directory', size: 4096, modifiedAt: shared, mode: 0o755 },
      { name: 'old\nname', type: 'file', size: 3, modifiedAt: new Date('2001-01-02T03:04:05Z'), mode: 0o600 },
      { name: 'c.txt', type: 'file', size: 5, modifiedAt: shared },
    ];
    const format = createListLineFormatter(options);
    expect(entries.map((entry) => format(entry))).toEqual(entries.map((entry) => formatListLine(entry, options)));
    expect(format(entries[3]!)).toContain('Jan 02  2001 old\0name');
  });

  it('gives each line the permissions of its own type and mode when they alternate', () => {
    const options = { now: new Date('2024-06-01T12:00:00Z') };
    const at = new Date('2024-05-30T08:15:00Z');
    const format = createListLineFormatter(options);
    const entries: Array<[ListingEntry, string]> = [
      [{ name: 'a', type: 'file', size: 1, modifiedAt: at, mode: 0o755 }, '-rwxr-xr-x'],
      [{ name: 'b', type: 'directory', size: 1, modifiedAt: at, mode: 0o755 }, 'drwxr-xr-x'],
      [{ name: 'c', type: 'file', size: 1, modifiedAt: at, mode: 0o100755 }, '-rwxr-xr-x'],
      [{ name: 'd', type: 'file', size: 1, modifiedAt: at, mode: 0o4755 }, '-rwsr-xr-x'],
      [{ name: 'e', type: 'symlink', size: 1, modifiedAt: at, mode: 0o755 }, 'lrwxr-xr-x'],
      [{ name: 'f', type: 'file', size: 1, modifiedAt: at, mode: 0o755 }, '-rwxr-xr-x'],
    ];
    for (const [entry, permissions] of entries) expect(format(entry).slice(0, 10)).toBe(permissions);
  });
});

describe('createListLineEncoder', () => {
  const options = { now: new Date('2024-06-15T12:00:00Z'), owner: 'alice', group: 'staff' };
  const at = new Date('2024-06-01T08:15:30Z');

  it.each([
    { name: 'an ASCII name', entry: { name: 'a.txt', size: 5 }, line: '-rw-r--r--    1 alice    staff           5 Jun 01 08:15 a.txt' },
    {
      name: 'a size of nine digits',
      entry: { name: 'a', size: 123_456_789 },
      line: '-rw-r--r--    1 alice    staff    123456789 Jun 01 08:15 a',
    },
    {
      name: 'the largest exact size',
      entry: { name: 'a', size: Number.MAX_SAFE_INTEGER },
      line: '-rw-r--r--    1 alice    staff    9007199254740991 Jun 01 08:15 a',
    },
    { name: 'a size of zero', entry: { name: 'a', size: 0 }, line: '-rw-r--r--    1 alice    staff           0 Jun 01 08:15 a' },
    {
      name: 'a size that is not a whole number',
      entry: { name: 'a', size: -1.5 },
      line: '-rw-r--r--    1 alice    staff        -1.5 Jun 01 08:15 a',
    },
    {
      name: 'a non-ASCII name',
      entry: { name: 'café-日本-😀', size: 1 },
      line: '-rw-r--r--    1 alice    staff           1 Jun 01 08:15 café-日本-😀',
    },
    {
      name: 'line breaks after non-ASCII text',
      entry: { name: 'é\r\nx', size: 1 },
      line: '-rw-r--r--    1 alice    staff           1 Jun 01 08:15 é\r\0\0x',
    },
    {
      name: 'an invalid time (the epoch)',
      entry: { name: 'a', size: 1, modifiedAt: new Date(Number.NaN) },
      line: '-rw-r--r--    1 alice    staff           1 Jan 01  1970 a',
    },
  ])('writes $name with CRLF, returning the offset after it', ({ entry, line }) => {
    const encode = createListLineEncoder(options);
    const target = Buffer.alloc(400, 0xee);
    const end = encode({ type: 'file', modifiedAt: at, ...entry }, target, 7);
    expect(target.toString('utf8', 7, end)).toBe(`${line}\r\n`);
    expect(target[6]).toBe(0xee);
    expect(target[end]).toBe(0xee);
  });

  it('writes lines one after another into one buffer, dates of the same minute shared and of others not', () => {
    const encode = createListLineEncoder(options);
    const entries: ListingEntry[] = [
      { name: 'a', type: 'file', size: 1, modifiedAt: new Date('2024-06-01T08:15:00Z') },
      { name: 'b', type: 'file', size: 2, modifiedAt: new Date('2024-06-01T08:15:59.999Z') },
      { name: 'c', type: 'file', size: 3, modifiedAt: new Date('2024-06-01T08:16:00Z') },
      { name: 'd', type: 'directory', size: 4, modifiedAt: new Date('2021-06-01T08:16:00Z') },
      { name: 'e', type: 'file', size: 5, modifiedAt: new Date('2024-06-01T08:16:00Z') },
    ];
    const target = Buffer.alloc(1000);
    let offset = 0;
    for (const entry of entries) offset = encode(entry, target, offset);
    const written = target.toString('utf8', 0, offset).split('\r\n');
    expect(written.pop()).toBe('');
    expect(written.map((line) => line.slice(43))).toEqual([
      'Jun 01 08:15 a',
      'Jun 01 08:15 b',
      'Jun 01 08:16 c',
      'Jun 01  2021 d',
      'Jun 01 08:16 e',
    ]);
    expect(written).toEqual(entries.map((entry) => formatListLine(entry, options)));
  });

  it('tells the recent and the year form apart within one minute at the six-month edge', () => {
    const now = new Date('2024-06-15T12:00:30Z');
    const encode = createListLineEncoder({ now });
    const edge = now.getTime() - (365.2425 * 24 * 60 * 60 * 1000) / 2;
    const target = Buffer.alloc(200);
    const dateOf = (time: number) =>
      target.toString('latin1', 0, encode({ name: 'a', type: 'file', size: 1, modifiedAt: new Date(time) }, target, 0)).slice(43, 55);
    const inside = dateOf(edge + 1);
    const outside = dateOf(edge - 1);
    expect(inside).toMatch(/^Dec 15 \d\d:\d\d$/);
    expect(outside).toBe('Dec 15  2023');
  });

  it('returns -1 rather than write past the end, and writes the whole line whenever it fits', () => {
    const entry: ListingEntry = { name: `name-${'é'.repeat(40)}`, type: 'file', size: 42, modifiedAt: at };
    const line = Buffer.from(`${formatListLine(entry, options)}\r\n`);
    let smallestRoom = Number.POSITIVE_INFINITY;
    for (let room = 0; room <= 3 * line.length; room++) {
      const target = Buffer.alloc(room + 3, 0xee);
      const end = createListLineEncoder(options)(entry, target.subarray(0, room + 3), 3);
      if (end === -1) continue;
      smallestRoom = Math.min(smallestRoom, room);
      expect(target.subarray(3, end)).toEqual(line);
    }
    expect(smallestRoom).toBeGreaterThanOrEqual(line.length);
    expect(smallestRoom).toBeLessThanOrEqual(3 * line.length);
  });
});
