import { describe, expect, it } from 'vitest';
import type { ListingEntry } from './listing-entry.ts';
import { formatMachineTime } from './machine-time.ts';
import { defaultMlstFacts, supportedMlstFacts, type MlstFact } from './mlsx-facts.ts';
import { createMlsxLineEncoder, createMlsxLineFormatter, formatMlsxLine, type MlsxLineOptions } from './mlsx-line.ts';
import { encodeLineBreaks } from './wire-text.ts';

interface MlsxCase {
  readonly name: string;
  readonly entry: ListingEntry;
  readonly options: MlsxLineOptions;
  readonly expected: string;
}

const file: ListingEntry = { name: 'name', type: 'file', size: 10, modifiedAt: new Date('2024-01-01T12:00:00Z') };
const directory: ListingEntry = { ...file, name: 'dir', type: 'directory', size: 4096 };

describe('formatMlsxLine', () => {
  it.each<MlsxCase>([
    {
      name: 'a file with the example facts',
      entry: file,
      options: { facts: new Set<MlstFact>(['type', 'size', 'modify', 'perm']), perm: 'rw' },
      expected: 'type=file;size=10;modify=20240101120000;perm=rw; name',
    },
    {
      name: 'a file with all default facts',
      entry: { ...file, mode: 0o640, uniqueId: '801g4a' },
      options: { facts: defaultMlstFacts, perm: 'adfrw' },
      expected: 'type=file;size=10;modify=20240101120000;perm=adfrw;unique=801g4a;UNIX.mode=0640; name',
    },
    {
      name: 'a directory without a size, and an entry without a mode without UNIX.mode',
      entry: directory,
      options: { facts: defaultMlstFacts },
      expected: 'type=dir;modify=20240101120000; dir',
    },
    {
      name: 'the current directory',
      entry: { ...directory, name: '/home/user' },
      options: { facts: new Set<MlstFact>(['type']), type: 'cdir' },
      expected: 'type=cdir; /home/user',
    },
    {
      name: 'the parent directory',
      entry: { ...directory, name: '..' },
      options: { facts: new Set<MlstFact>(['type']), type: 'pdir' },
      expected: 'type=pdir; ..',
    },
    {
      name: 'a symlink as a file',
      entry: { ...file, type: 'symlink', mode: 0o777 },
      options: { facts: new Set<MlstFact>(['type', 'size', 'unix.mode']) },
      expected: 'type=file;size=10;UNIX.mode=0777; name',
    },
    {
      name: 'no facts at all',
      entry: file,
      options: { facts: new Set<MlstFact>() },
      expected: ' name',
    },
    {
      name: 'milliseconds in the time',
      entry: { ...file, modifiedAt: new Date('2024-01-01T12:00:00.250Z') },
      options: { facts: new Set<MlstFact>(['modify']) },
      expected: 'modify=20240101120000.250; name',
    },
    {
      name: 'an unrepresentable time, left out',
      entry: { ...file, modifiedAt: new Date(Number.NaN) },
      options: { facts: new Set<MlstFact>(['size', 'modify']) },
      expected: 'size=10; name',
    },
    {
      name: 'a setuid mode',
      entry: { ...file, mode: 0o104755 },
      options: { facts: new Set<MlstFact>(['unix.mode']) },
      expected: 'UNIX.mode=04755; name',
    },
    {
      name: 'unsafe unique and perm values, left out',
      entry: { ...file, uniqueId: 'a;b' },
      options: { facts: defaultMlstFacts, perm: 'r; x' },
      expected: 'type=file;size=10;modify=20240101120000; name',
    },
    {
      name: 'a name with spaces, semicolons and "=" kept as-is',
      entry: { ...file, name: ' a;b=c ' },
      options: { facts: new Set<MlstFact>(['type']) },
      expected: 'type=file;  a;b=c ',
    },
    {
      name: 'a name with a line break, encoded',
      entry: { ...file, name: 'a\nb' },
      options: { facts: new Set<MlstFact>(['type']) },
      expected: 'type=file; a\0b',
    },
  ])('formats $name', ({ entry, options, expected }) => {
    expect(formatMlsxLine(entry, options)).toBe(expected);
  });
});

describe('createMlsxLineFormatter', () => {
  it('writes the lines of formatMlsxLine while perm values and modes change from line to line', () => {
    const format = createMlsxLineFormatter(defaultMlstFacts);
    const lines: ReadonlyArray<readonly [ListingEntry, string | undefined]> = [
      [{ ...file, mode: 0o644, uniqueId: '803g1' }, 'adfrw'],
      [{ ...file, name: 'b', mode: 0o600, uniqueId: '803g2' }, 'adfrw'],
      [{ ...directory, mode: 0o755 }, 'x;bad'],
      [{ ...file, name: 'c', mode: 0o600, uniqueId: 'bad;id' }, 'r'],
      [{ ...file, name: 'd' }, undefined],
    ];
    const written = lines.map(([entry, perm]) => format(entry, perm));
    expect(written[0]).toBe('type=file;size=10;modify=20240101120000;perm=adfrw;unique=803g1;UNIX.mode=0644; name');
    expect(written[1]).toBe('type=file;size=10;modify=20240101120000;perm=adfrw;unique=803g2;UNIX.mode=0600; b');
    // An invalid perm is left out, and the next valid one is written again.
    expect(written[2]).toBe('type=dir;modify=20240101120000;UNIX.mode=0755; dir');
    expect(written[3]).toBe('type=file;size=10;modify=20240101120000;perm=r;UNIX.mode=0600; c');
    // No perm and no mode: both facts are left out.
    expect(written[4]).toBe('type=file;size=10;modify=20240101120000; d');
  });

  it('reads the facts once, when it is made', () => {
    const facts = new Set<MlstFact>(['type', 'size']);
    const format = createMlsxLineFormatter(facts);
    facts.add('modify');
    expect(format(file)).toBe('type=file;size=10; name');
    expect(format(file, undefined, 'cdir')).toBe('type=cdir;size=10; name');
  });
});

/** The MLSD line as RFC 3659 §7 spells it, built with strings: what the encoder's bytes must decode to. */
function referenceLine(entry: ListingEntry, facts: ReadonlySet<MlstFact>, perm?: string, type?: 'cdir' | 'pdir'): string {
  let line = '';
  if (facts.has('type')) line += `type=${type ?? (entry.type === 'directory' ? 'dir' : 'file')};`;
  if (facts.has('size') && entry.type !== 'directory') line += `size=${entry.size};`;
  // The rule of RFC 3659 §2.3 spelt out by the year, apart from the time bounds the encoder checks.
  const year = entry.modifiedAt.getUTCFullYear();
  if (facts.has('modify') && year >= 0 && year <= 9999) line += `modify=${formatMachineTime(entry.modifiedAt)};`;
  if (facts.has('perm') && perm !== undefined && /^[acdeflmprw]*$/.test(perm)) line += `perm=${perm};`;
  const unique = entry.uniqueId;
  if (facts.has('unique') && unique !== undefined && /^[\x21-\x3a\x3c\x3e-\x7e]+$/.test(unique)) line += `unique=${unique};`;
  if (facts.has('unix.mode') && entry.mode !== undefined) line += `UNIX.mode=0${(entry.mode & 0o7777).toString(8).padStart(3, '0')};`;
  return `${line} ${encodeLineBreaks(entry.name)}`;
}

/** A small deterministic generator (xorshift32), so a failing case can be found again. */
function randomSource(seed: number): (count: number) => number {
  let state = seed;
  return (count) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % count;
  };
}

describe('createMlsxLineEncoder', () => {
  it('writes the reference line and CRLF for entries of every kind, one after another in one buffer', () => {
    const pick = randomSource(0x9e3779b9);
    const times = [
      Date.UTC(2024, 0, 1, 12, 0, 0),
      Date.UTC(2024, 0, 1, 12, 0, 0, 250),
      Date.UTC(2024, 0, 1, 12, 0, 0, 999),
      Date.UTC(2024, 0, 1, 12, 0, 1),
      -62_167_219_200_000,
      -62_167_219_200_001,
      253_402_300_799_999,
      253_402_300_800_000,
      -1,
      -1001,
      0,
      Number.NaN,
    ];
    const sizes = [0, 7, 10, 4096, 123_456_789, Number.MAX_SAFE_INTEGER, 2 ** 60, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY];
    const names = ['a', 'name.txt', ' lead;ing=', 'café', '日本語', '😀', 'a\nb', 'c\r\nd', 'é\r', '\ud800x', 'x'.repeat(300)];
    const perms = [undefined, '', 'adfrw', 'elcmdf', 'r; x', 'R'];
    const uniques = [undefined, '', '801g4a', 'a;b', 'a=b', 'sp ace', 'é', '~!'];
    const modes = [undefined, 0o644, 0o600, 0o755, 0o104755, 0o7777];
    let facts = new Set<MlstFact>();
    let encode = createMlsxLineEncoder(facts);
    const target = Buffer.alloc(1 << 20, 0xee);
    let offset = 0;
    let expected = '';
    for (let index = 0; index < 3000; index++) {
      if (index % 100 === 0) {
        facts = new Set(supportedMlstFacts.filter(() => pick(4) !== 0));
        encode = createMlsxLineEncoder(facts);
      }
      const entryType = (['file', 'directory', 'symlink'] as const)[pick(3)]!;
      const mode = modes[pick(modes.length)];
      const uniqueId = uniques[pick(uniques.length)];
      const entry: ListingEntry = {
        name: names[pick(names.length)]!,
        type: entryType,
        size: sizes[pick(sizes.length)]!,
        modifiedAt: new Date(times[pick(times.length)]!),
        ...(mode === undefined ? {} : { mode }),
        ...(uniqueId === undefined ? {} : { uniqueId }),
      };
      const perm = perms[pick(perms.length)];
      const type = pick(8) === 0 ? (pick(2) === 0 ? 'cdir' : 'pdir') : undefined;
      const end = encode(entry, target, offset, perm, type);
      expected += `${referenceLine(entry, facts, perm, type)}\r\n`;
      offset = end;
    }
    expect(target.toString('utf8', 0, offset)).toBe(Buffer.from(expected).toString('utf8'));
    expect(target[offset]).toBe(0xee);
  });

  it('keeps the date digits of one second and the milliseconds of each line apart', () => {
    const encode = createMlsxLineEncoder(new Set<MlstFact>(['modify']));
    const target = Buffer.alloc(200);
    let offset = 0;
    for (const time of ['2024-01-01T12:00:00.100Z', '2024-01-01T12:00:00.000Z', '2024-01-01T12:00:00.999Z', '2024-01-01T12:00:01Z']) {
      offset = encode({ ...file, modifiedAt: new Date(time) }, target, offset);
    }
    expect(target.toString('latin1', 0, offset).split('\r\n')).toEqual([
      'modify=20240101120000.100; name',
      'modify=20240101120000; name',
      'modify=20240101120000.999; name',
      'modify=20240101120001; name',
      '',
    ]);
  });

  it('returns -1 with nothing written when the line might not fit, and writes the whole line whenever it does', () => {
    const entry: ListingEntry = {
      ...file,
      name: '日'.repeat(40),
      mode: 0o640,
      uniqueId: 'u'.repeat(50),
      size: -1.2345678901234567e-300,
      modifiedAt: new Date('2024-01-01T12:00:00.250Z'),
    };
    const line = Buffer.from(`${referenceLine(entry, defaultMlstFacts, 'adfrw')}\r\n`);
    let smallestRoom = Number.POSITIVE_INFINITY;
    for (let room = 0; room <= 3 * line.length; room++) {
      const target = Buffer.alloc(room + 3, 0xee);
      const end = createMlsxLineEncoder(defaultMlstFacts)(entry, target, 3, 'adfrw');
      if (end === -1) {
        expect(target.every((byte) => byte === 0xee)).toBe(true);
        continue;
      }
      smallestRoom = Math.min(smallestRoom, room);
      expect(target.subarray(3, end)).toEqual(line);
    }
    expect(smallestRoom).toBeGreaterThanOrEqual(line.length);
    expect(smallestRoom).toBeLessThanOrEqual(3 * line.length);
  });
});
