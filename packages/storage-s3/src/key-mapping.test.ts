import { describe, expect, it } from 'vitest';
import { StorageError } from '@ftp/plugin-api';
import { storageCodeOf } from '@ftp/plugin-api/testing';
import { createKeyMapping, isListableName, normalisePrefix, requireRoomForKeys, rootPrefixFor } from './key-mapping.ts';

describe('key mapping', () => {
  const keys = createKeyMapping('home/alice/');

  it('maps files to exact keys and directories to prefixes ending in "/"', () => {
    expect(keys.fileKey('/foo.txt')).toBe('home/alice/foo.txt');
    expect(keys.fileKey('/a b/ü 文件.txt')).toBe('home/alice/a b/ü 文件.txt');
    expect(keys.directoryPrefix('/a/b')).toBe('home/alice/a/b/');
    expect(keys.directoryPrefix('/')).toBe('home/alice/');
    expect(keys.parentOf('/a/b')).toBe('/a');
    expect(keys.parentOf('/a')).toBe('/');
  });

  it('refuses paths that are not absolute and normalised, and keys over 1,024 bytes', async () => {
    for (const path of ['relative', '/a/../b', '/a//b', '/./a', '/nul\0', `/${'é'.repeat(600)}`]) {
      expect(await storageCodeOf(() => keys.fileKey(path))).toBe('EBADNAME');
    }
    expect(await storageCodeOf(() => keys.fileKey('/'))).toBe('EISDIR');
  });

  it('leaves unreachable names out of listings', () => {
    expect(['', '.', '..', 'a/b', 'ok.txt', 'sp ace'].filter(isListableName)).toEqual(['ok.txt', 'sp ace']);
  });
});

describe('requireRoomForKeys', () => {
  it('keeps a prefix that leaves room for a key and refuses one of 1,024 bytes or more with EACCES, counting bytes', () => {
    expect(requireRoomForKeys(`home/${'a'.repeat(1017)}/`)).toHaveLength(1023);
    for (const prefix of [`home/${'a'.repeat(1018)}/`, `home/${'é'.repeat(510)}/`]) {
      let thrown: unknown;
      try {
        requireRoomForKeys(prefix);
      } catch (error) {
        thrown = error;
      }
      expect(StorageError.isInstance(thrown) && thrown.storageCode).toBe('EACCES');
    }
  });
});

describe('rootPrefixFor', () => {
  it('normalises prefixes and fills in {user}', () => {
    expect(normalisePrefix('')).toBe('');
    expect(normalisePrefix('/ftp//')).toBe('ftp/');
    expect(rootPrefixFor('home/{user}', { username: 'alice' })).toBe('home/alice/');
    expect(rootPrefixFor('', { username: 'alice' })).toBe('');
    expect(rootPrefixFor((user) => `tenants/${user.username.toUpperCase()}/`, { username: 'bob' })).toBe('tenants/BOB/');
  });

  it.each(['', '.', '..', 'a/b', 'back\\slash', 'nul\0', 'line\nbreak'])('refuses the user name %j with EACCES', (username) => {
    let thrown: unknown;
    try {
      rootPrefixFor('home/{user}/', { username });
    } catch (error) {
      thrown = error;
    }
    expect(StorageError.isInstance(thrown) && thrown.storageCode).toBe('EACCES');
  });

  it('refuses a prefix function that climbs out with ".."', () => {
    expect(() => rootPrefixFor(() => 'home/../other/', { username: 'x' })).toThrow(StorageError);
  });
});
