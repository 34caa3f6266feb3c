import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baseName, joinVirtualPath, parentPath, resolveVirtualPath } from './virtual-path.ts';

describe('resolveVirtualPath', () => {
  it.each([
    // Ordinary resolution.
    { current: '/', argument: '', expected: '/' },
    { current: '/home/user', argument: '', expected: '/home/user' },
    { current: '/', argument: 'file.txt', expected: '/file.txt' },
    { current: '/a/b', argument: 'c', expected: '/a/b/c' },
    { current: '/a/b', argument: '/x/y', expected: '/x/y' },
    { current: '/a/b', argument: '..', expected: '/a' },
    { current: '/a/b', argument: '../c', expected: '/a/c' },
    { current: '/a/b', argument: '.', expected: '/a/b' },
    { current: '/a', argument: './b/./c/', expected: '/a/b/c' },
    { current: '/', argument: '//a///b//', expected: '/a/b' },
    { current: '/', argument: '/', expected: '/' },
    { current: '/', argument: '///', expected: '/' },
    // Traversal attempts never leave the root.
    { current: '/', argument: '..', expected: '/' },
    { current: '/', argument: '../../etc/passwd', expected: '/etc/passwd' },
    { current: '/home', argument: '../../etc/passwd', expected: '/etc/passwd' },
    { current: '/a/b', argument: '/../..', expected: '/' },
    { current: '/', argument: 'a/../../..', expected: '/' },
    { current: '/a', argument: 'b/../../../c', expected: '/c' },
    { current: '/../..', argument: 'x', expected: '/x' },
    { current: 'relative/dir', argument: 'x', expected: '/relative/dir/x' },
    // Look-alikes are literal names, never separators or parent references.
    { current: '/', argument: '....//', expected: '/....' },
    { current: '/', argument: '...', expected: '/...' },
    { current: '/', argument: '..foo', expected: '/..foo' },
    { current: '/', argument: '%2e%2e/%2e%2e/etc', expected: '/%2e%2e/%2e%2e/etc' },
    { current: '/', argument: '..%2f..%2fetc', expected: '/..%2f..%2fetc' },
    { current: '/a', argument: '..\\..\\etc', expected: '/a/..\\..\\etc' },
    { current: '/', argument: 'a\\b', expected: '/a\\b' },
    { current: '/', argument: '~', expected: '/~' },
    { current: '/', argument: ' spaced name ', expected: '/ spaced name ' },
    { current: '/', argument: '.. /x', expected: '/.. /x' },
  ])('resolves "$argument" in "$current" to "$expected"', ({ current, argument, expected }) => {
    expect(resolveVirtualPath(current, argument)).toBe(expected);
  });
});

describe('resolveVirtualPath on any input', () => {
  /** The definition: both split into segments, "." and "" dropped, ".." taking one back, never above "/". */
  function reference(current: string, argument: string): string {
    const segments: string[] = [];
    for (const segment of [...(argument.startsWith('/') ? [] : current.split('/')), ...argument.split('/')]) {
      if (segment === '' || segment === '.') continue;
      if (segment === '..') segments.pop();
      else segments.push(segment);
    }
    return `/${segments.join('/')}`;
  }
  const piece = fc.constantFrom('a', 'b c', '.', '..', '...', '.a', 'a.', '', '\\', '%2e');
  const path = fc.array(piece, { maxLength: 6 }).map((pieces) => pieces.join('/'));

  it('gives what the segment-by-segment definition gives, the shortcut for plain names included', () => {
    fc.assert(
      fc.property(fc.boolean(), path, fc.boolean(), path, (absoluteCurrent, current, absoluteArgument, argument) => {
        const currentDirectory = absoluteCurrent ? `/${current}` : current;
        const argumentText = absoluteArgument ? `/${argument}` : argument;
        expect(resolveVirtualPath(currentDirectory, argumentText)).toBe(reference(currentDirectory, argumentText));
      }),
      { numRuns: 5_000 },
    );
  });

  it('parentPath, baseName and joinVirtualPath agree with the definition, shortcuts included', () => {
    fc.assert(
      fc.property(fc.boolean(), path, path, (absolute, text, name) => {
        const given = absolute ? `/${text}` : text;
        const normalised = reference('/', given);
        const segments = normalised.split('/').filter((segment) => segment !== '');
        expect(parentPath(given)).toBe(`/${segments.slice(0, -1).join('/')}`);
        expect(baseName(given)).toBe(segments.at(-1) ?? '/');
        expect(joinVirtualPath(given, name)).toBe(reference(normalised, name.replace(/^\/+/, '')));
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('parentPath', () => {
  it.each([
    ['/', '/'],
    ['/a', '/'],
    ['/a/b', '/a'],
    ['/a/b/', '/a'],
    ['/a/../b', '/'],
  ])('the parent of %j is %j', (path, expected) => {
    expect(parentPath(path)).toBe(expected);
  });
});

describe('baseName', () => {
  it.each([
    ['/', '/'],
    ['/a', 'a'],
    ['/a/b.txt', 'b.txt'],
    ['/a/b/', 'b'],
    ['/a/..', '/'],
  ])('the base name of %j is %j', (path, expected) => {
    expect(baseName(path)).toBe(expected);
  });
});

describe('joinVirtualPath', () => {
  it.each([
    { directory: '/', name: 'a', expected: '/a' },
    { directory: '/a', name: 'b', expected: '/a/b' },
    { directory: '/a/', name: 'b', expected: '/a/b' },
    { directory: '/a', name: '/b', expected: '/a/b' },
    { directory: '/a', name: '..', expected: '/' },
    { directory: '/', name: '../..', expected: '/' },
    { directory: '/a', name: 'b\\c', expected: '/a/b\\c' },
  ])('joins "$directory" and "$name"', ({ directory, name, expected }) => {
    expect(joinVirtualPath(directory, name)).toBe(expected);
  });
});
