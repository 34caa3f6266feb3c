import { describe, expect, it } from 'vitest';
import { rootDirectorySegments } from './root-directory.ts';

describe('rootDirectorySegments', () => {
  it('gives the directories from the root down, whatever the slashes and dots', () => {
    expect(rootDirectorySegments('/users/alice')).toEqual(['users', 'alice']);
    expect(rootDirectorySegments('users//./alice/')).toEqual(['users', 'alice']);
    expect(rootDirectorySegments('/')).toEqual([]);
    expect(rootDirectorySegments('')).toEqual([]);
  });

  it('refuses what cannot name a directory inside the root', () => {
    expect(rootDirectorySegments('/users/../bob')).toBeUndefined();
    expect(rootDirectorySegments('..')).toBeUndefined();
    expect(rootDirectorySegments('/users/al\0ice')).toBeUndefined();
    expect(rootDirectorySegments(42)).toBeUndefined();
  });
});
