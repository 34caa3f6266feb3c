import { describe, expect, it } from 'vitest';
import { UserStoreError } from './user-store-error.ts';
import { parseUserChanges } from './user-profile.ts';

describe('parseUserChanges', () => {
  it('keeps null (remove) and checked values, and skips undefined', () => {
    expect(
      parseUserChanges({ quota: { maxBytes: 10 }, bandwidth: null, permissions: { upload: false }, homeDirectory: undefined }),
    ).toEqual({ quota: { maxBytes: 10 }, bandwidth: null, permissions: { upload: false } });
  });

  it.each([
    [{ quota: { maxBytes: -1 } }, 'quota.maxBytes: must be a whole number, 0 or more'],
    [{ bandwidth: { uploadBytesPerSecond: 0 } }, 'bandwidth.uploadBytesPerSecond: must be a whole number, 1 or more'],
    [{ permissions: { upload: 'no' } }, 'permissions.upload: must be true or false'],
    [{ permissions: { fly: true } }, 'permissions.fly: unknown permission'],
    [{ quota: { maxSize: 1 } }, 'quota.maxSize: unknown key'],
    [{ homeDirectory: 'relative' }, 'homeDirectory: must be an absolute virtual path'],
    [{ password: 'x' }, 'password: unknown key'],
    [{ maxSessions: 3 }, 'maxSessions: unknown key'],
  ])('refuses %j with reason invalid-user naming the field', (changes, message) => {
    let thrown: unknown;
    try {
      parseUserChanges(changes);
    } catch (error) {
      thrown = error;
    }
    expect(UserStoreError.isInstance(thrown)).toBe(true);
    expect((thrown as UserStoreError).reason).toBe('invalid-user');
    expect((thrown as UserStoreError).message).toContain(message);
  });

  it('refuses what is not an object', () => {
    expect(() => parseUserChanges([])).toThrow('changes: must be an object');
  });
});
