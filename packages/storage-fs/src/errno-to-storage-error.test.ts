import { describe, expect, it } from 'vitest';
import { StorageError } from '@ftp/plugin-api';
import { errnoToStorageError } from './errno-to-storage-error.ts';

function systemError(code: string): Error {
  return Object.assign(new Error(`${code}: /srv/ftp/alice/secret-real-path`), { code });
}

describe('errnoToStorageError', () => {
  it.each([
    ['ENOENT', 'ENOENT'],
    ['EEXIST', 'EEXIST'],
    ['ENOTDIR', 'ENOTDIR'],
    ['EISDIR', 'EISDIR'],
    ['ENOTEMPTY', 'ENOTEMPTY'],
    ['EACCES', 'EACCES'],
    ['EPERM', 'EACCES'],
    ['ENOSPC', 'ENOSPC'],
    ['EDQUOT', 'EDQUOT'],
    ['ENAMETOOLONG', 'EBADNAME'],
    ['EINVAL', 'EBADNAME'],
    ['EXDEV', 'ENOTSUP'],
    ['EMFILE', 'EUNAVAILABLE'],
  ])('maps %s to the storage code %s about the virtual path only', (errno, storageCode) => {
    const mapped = errnoToStorageError(systemError(errno), '/secret.txt');
    expect(StorageError.isInstance(mapped)).toBe(true);
    expect(mapped).toMatchObject({ storageCode, path: '/secret.txt' });
    expect((mapped as Error).message).not.toContain('/srv/ftp');
  });

  it('returns unexpected errors and existing StorageErrors unchanged', () => {
    const unexpected = systemError('EIO');
    expect(errnoToStorageError(unexpected, '/a')).toBe(unexpected);
    const plain = new TypeError('bug');
    expect(errnoToStorageError(plain, '/a')).toBe(plain);
    const already = new StorageError('EDQUOT', 'quota');
    expect(errnoToStorageError(already, '/a')).toBe(already);
  });
});
