import { describe, expect, it } from 'vitest';
import { defaultMlstFacts, formatMlstFeature, formatMlstOptsReply, parseMlstOptions, supportedMlstFacts } from './mlsx-facts.ts';
import type { MlstFact } from './mlsx-facts.ts';

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
