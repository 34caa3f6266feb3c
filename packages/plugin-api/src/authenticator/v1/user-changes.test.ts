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
    [{ attributes: ['mounts'] }, 'attributes: must be an object'],
    [{ attributes: { mounts: { '/x': { quota: { maxBytes: Number.NaN } } } } }, 'attributes.mounts./x.quota.maxBytes: must be JSON'],
    [{ attributes: { since: new Date(0) } }, 'attributes.since: must be JSON'],
    [{ attributes: { list: [1, () => 2] } }, 'attributes.list[1]: must be JSON'],
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

  it('keeps attributes that are a JSON object, whole, and null to remove them', () => {
    const attributes = { mounts: { '/team': { connector: 'team', quota: { folder: 'team', maxBytes: 10 } } }, tags: ['a', 1, true, null] };
    expect(parseUserChanges({ attributes })).toEqual({ attributes });
    expect(parseUserChanges({ attributes: null })).toEqual({ attributes: null });
  });

  it('refuses attributes nested deeper than any record needs, a cycle among them', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => parseUserChanges({ attributes: cycle })).toThrow(/attributes(\.self)+: nested deeper than 32 levels/);
  });

  it('refuses what is not an object', () => {
    expect(() => parseUserChanges([])).toThrow('changes: must be an object');
  });
});
