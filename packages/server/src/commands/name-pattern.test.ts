import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNameMatcher, isNamePattern } from './name-pattern.ts';

describe('createNameMatcher', () => {
  it.each([
    ['*.txt', 'notes.txt', true],
    ['*.txt', 'notes.txt.bak', false],
    ['*.txt', '.hidden.txt', false],
    ['.*', '.hidden.txt', true],
    ['*', '.profile', false],
    ['*', 'anything at all', true],
    ['?', 'a', true],
    ['?', 'ab', false],
    ['?', 'é', true],
    ['?', '😀', true],
    ['data[0-9]*', 'data7.csv', true],
    ['data[0-9]*', 'datax.csv', false],
    ['[!a]*', 'bcd', true],
    ['[!a]*', 'abc', false],
    ['[^a]*', 'abc', false],
    ['[]]x', ']x', true],
    ['[!]]x', 'ax', true],
    ['[!]]x', ']x', false],
    ['[a-]', '-', true],
    ['[[:digit:]][[:alpha:]]', '1q', true],
    ['[[:digit:]][[:alpha:]]', 'q1', false],
    ['[[:upper:]]*', 'Readme', true],
    ['[[:upper:]]*', 'readme', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['a[b', 'a[b', true],
    ['**x', 'abx', true],
    ['*a*b*c', 'xxaxxbxxc', true],
    ['*a*b*c', 'xxaxxcxxb', false],
    ['', '', true],
    ['', 'x', false],
  ])('%j against %j is %s', (pattern, name, expected) => {
    expect(createNameMatcher(pattern)(name)).toBe(expected);
  });

  it('answers a failing pattern of many stars against a long name in pattern × name steps', () => {
    // A backtracking regular expression takes minutes on these.
    expect(createNameMatcher('*a*a*a*a*a*a*a*a*a*b')('a'.repeat(20_000))).toBe(false);
    expect(createNameMatcher('*?*?*?*?*?*?*?*?*?*b')('a'.repeat(20_000))).toBe(false);
    expect(createNameMatcher('*a*a*a*a*a*a*a*a*a*b')(`${'a'.repeat(20_000)}b`)).toBe(true);
  });

  it.skipIf(!existsSync('/usr/bin/python3'))("agrees with Python's fnmatch on random patterns and names", () => {
    // fnmatch has no escape character and no rule for hidden names: the cases leave both out.
    const pieces = ['a', 'b', 'c', '*', '?', '[ab]', '[!a]', '[b-c]', '**'];
    let seed = 7;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    const cases: Array<[string, string]> = [];
    for (let index = 0; index < 3000; index++) {
      const pattern = Array.from({ length: 1 + random(6) }, () => pieces[random(pieces.length)]).join('');
      const name = Array.from({ length: random(8) }, () => 'abc'[random(3)]).join('');
      cases.push([pattern, name]);
    }
    const script = 'import fnmatch, json, sys\nprint(json.dumps([fnmatch.fnmatchcase(n, p) for p, n in json.load(sys.stdin)]))';
    const expected = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(cases) }).toString()) as boolean[];
    const differing = cases.filter(([pattern, name], index) => createNameMatcher(pattern)(name) !== expected[index]);
    expect(differing).toEqual([]);
  });
});

describe('isNamePattern', () => {
  it('tells a pattern from a plain name', () => {
    expect(['*.txt', 'file?.dat', 'data[12]'].map(isNamePattern)).toEqual([true, true, true]);
    expect(['notes.txt', 'a b', 'a]b'].map(isNamePattern)).toEqual([false, false, false]);
  });
});
