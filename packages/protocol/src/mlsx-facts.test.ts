import { describe, expect, it } from 'vitest';
import {
  baseMlstFacts,
  defaultMlstFacts,
  formatMlstFeature,
  formatMlstOptsReply,
  mlstFactsOf,
  parseMlstOptions,
  supportedMlstFacts,
} from './mlsx-facts.ts';
import type { MlstFact } from './mlsx-facts.ts';

describe('formatMlstFeature', () => {
  it.each([
    { enabled: defaultMlstFacts, expected: 'MLST type*;size*;modify*;perm*;unique*;UNIX.mode*;' },
    { enabled: new Set<MlstFact>(), expected: 'MLST type;size;modify;perm;unique;UNIX.mode;' },
    { enabled: new Set<MlstFact>(['size', 'unix.mode']), expected: 'MLST type;size*;modify;perm;unique;UNIX.mode*;' },
  ])('announces $expected', ({ enabled, expected }) => {
    expect(formatMlstFeature(enabled)).toBe(expected);
  });

  it('offers only the facts given, marking the enabled ones among them', () => {
    expect(formatMlstFeature(defaultMlstFacts, baseMlstFacts)).toBe('MLST type*;size*;modify*;perm*;');
    expect(formatMlstFeature(new Set<MlstFact>(['size', 'unique']), baseMlstFacts)).toBe('MLST type;size*;modify;perm;');
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

describe('mlstFactsOf', () => {
  it('adds unique and UNIX.mode to the base facts only when the entry has them', () => {
    expect([...mlstFactsOf({})]).toEqual(['type', 'size', 'modify', 'perm']);
    expect([...mlstFactsOf({ uniqueId: '1g2' })]).toEqual(['type', 'size', 'modify', 'perm', 'unique']);
    expect([...mlstFactsOf({ mode: 0o644, uniqueId: '1g2' })]).toEqual([...supportedMlstFacts]);
  });
});
