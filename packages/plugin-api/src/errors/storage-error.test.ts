import { describe, expect, it } from 'vitest';
import { StorageError, storageError } from './storage-error.ts';

describe('storageError', () => {
  it('builds a StorageError with its code, path and cause', () => {
    const cause = new Error('ENOENT: no such file');
    const error = storageError('ENOENT', '/missing.txt', cause);
    expect(StorageError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ storageCode: 'ENOENT', path: '/missing.txt', message: 'ENOENT: /missing.txt' });
    expect(error.cause).toBe(cause);
  });

  it('captures no stack frames, and leaves the stack trace limit as it found it', () => {
    const limit = Error.stackTraceLimit;
    const error = storageError('EEXIST', '/a');
    expect(error.stack).toBe('StorageError: EEXIST: /a');
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error('other').stack?.split('\n').length).toBeGreaterThan(1);
  });
});
