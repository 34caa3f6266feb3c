import { describe, expect, it } from 'vitest';
import type { ListingEntry } from './listing-entry.ts';
import {
  createMlsxLineFormatter,
  defaultMlstFacts,
  formatMlstFeature,
  formatMlstOptsReply,
  formatMlsxLine,
  parseMlstOptions,
  supportedMlstFacts,
} from './mlsx-facts.ts';
import type { MlstFact, MlsxLineOptions } from './mlsx-facts.ts';

interface MlsxCase {
  readonly name: string;
  readonly entry: ListingEntry;
  readonly options: MlsxLineOptions;
  readonly expected: string;
}

const file: ListingEntry = { name: 'name', type: 'file', size: 10, modifiedAt: new Date('2024-01-01T12:00:00Z') };
const directory: ListingEntry = { ...file, name: 'dir', type: 'directory', size: 4096 };

describe('formatMlstFeature', () => {
  it.each([
    { enabled: defaultMlstFacts, expected: 'MLST type*;size*;modify*;perm*;unique*;UNIX.mode*;' },
    { enabled: new Set<MlstFact>(), expected: 'MLST type;size;modify;perm;unique;UNIX.mode;' },
    { enabled: new Set<MlstFact>(['size', 'unix.mode']), expected: 'MLST type;size*;modify;perm;unique;UNIX.mode*;' },
  ])('announces $expected', ({ enabled, expected }) => {
    expect(formatMlstFeature(enabled)).toBe(expected);
  });

  it('enables every supported fact by default', () => {
    expect([...defaultMlstFacts]).toEqual([...supportedMlstFacts]);
  });
});

describe('parseMlstOptions', () => {
  it.each([
    { argument: 'type;size;', expected: ['type', 'size'] },
    { argument: 'TYPE;Size;modify', expected: ['type', 'size', 'modify'] },
    { argument: 'unix.MODE;', expected: ['unix.mode'] },
    { argument: 'type;unknown;media-type;', expected: ['type'] },
    { argument: '', expected: [] },
    { argument: ';;', expected: [] },
  ])('parses "$argument"', ({ argument, expected }) => {
    expect([...parseMlstOptions(argument)].sort()).toEqual([...expected].sort());
  });

  it('formats the OPTS reply with the enabled facts', () => {
    expect(formatMlstOptsReply(parseMlstOptions('size;TYPE;'))).toBe('MLST OPTS type;size;');
    expect(formatMlstOptsReply(new Set())).toBe('MLST OPTS ');
  });
});

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
      name: 'a directory without a size and with the default mode',
      entry: directory,
      options: { facts: defaultMlstFacts },
      expected: 'type=dir;modify=20240101120000;UNIX.mode=0755; dir',
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
      entry: { ...file, type: 'symlink' },
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
      expected: 'type=file;size=10;modify=20240101120000;UNIX.mode=0644; name',
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
    // No perm at all: the fact is left out; the mode defaults as in LIST.
    expect(written[4]).toBe('type=file;size=10;modify=20240101120000;UNIX.mode=0644; d');
  });

  it('reads the facts once, when it is made', () => {
    const facts = new Set<MlstFact>(['type', 'size']);
    const format = createMlsxLineFormatter(facts);
    facts.add('modify');
    expect(format(file)).toBe('type=file;size=10; name');
    expect(format(file, undefined, 'cdir')).toBe('type=cdir;size=10; name');
  });
});
