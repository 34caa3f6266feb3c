import { describe, expect, it } from 'vitest';
import { resolveEffectiveUser } from './effective-user.ts';

describe('resolveEffectiveUser', () => {
  const user = resolveEffectiveUser(
    {
      username: 'alice',
      permissions: { upload: false },
      directoryPermissions: { '/in/private': { upload: false, list: false }, '/in': { upload: true }, '/': { delete: false } },
    },
    { permissions: { rename: false, delete: true }, quota: { maxFiles: 9 }, maxSessions: 4 },
  );

  it.each([
    ['upload', '/file', false],
    ['upload', '/in', true],
    ['upload', '/in/x', true],
    ['upload', '/in/private/x', false],
    ['upload', '/inbox/x', false],
    ['list', '/in/private', false],
    ['list', '/in', true],
    ['rename', '/in/x', false],
    ['delete', '/in/x', false],
    ['download', '/anything', true],
  ] as const)('%s at %s is %s', (permission, path, allowed) => {
    expect(user.allows(permission, path)).toBe(allowed);
  });

  it.each([
    ['/', true],
    ['/in', true],
    ['/in/private', false],
    ['/inbox', false],
    ['/other', false],
  ] as const)('overrides below %s: %s', (path, expected) => {
    // MLSD works the "perm" fact out once per listing only when no override lies below the listed directory.
    expect(user.hasOverridesBelow(path)).toBe(expected);
  });

  it('takes limits from the user, else from the defaults', () => {
    expect(user.quota).toEqual({ maxFiles: 9 });
    expect(user.maxSessions).toBe(4);
    expect(resolveEffectiveUser({ username: 'b', quota: { maxBytes: 1 } }, { quota: { maxFiles: 9 } }).quota).toEqual({ maxBytes: 1 });
  });
});
