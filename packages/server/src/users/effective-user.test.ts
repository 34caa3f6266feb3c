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

  it('denies chmod unless the user, the defaults or a directory override grants it', () => {
    const plain = resolveEffectiveUser({ username: 'bob', permissions: { upload: true } }, {});
    expect(plain.allows('chmod', '/file')).toBe(false);
    expect(plain.allows('upload', '/file')).toBe(true);
    const granted = resolveEffectiveUser({ username: 'bob', permissions: { chmod: true } }, {});
    expect(granted.allows('chmod', '/file')).toBe(true);
    const byDefaults = resolveEffectiveUser({ username: 'bob' }, { permissions: { chmod: true } });
    expect(byDefaults.allows('chmod', '/file')).toBe(true);
    const inOneDirectory = resolveEffectiveUser({ username: 'bob', directoryPermissions: { '/web': { chmod: true } } }, {});
    expect(inOneDirectory.allows('chmod', '/web/index.html')).toBe(true);
    expect(inOneDirectory.allows('chmod', '/private.txt')).toBe(false);
  });

  it('takes limits from the user, else from the defaults', () => {
    expect(user.quota).toEqual({ maxFiles: 9 });
    expect(user.maxSessions).toBe(4);
    expect(resolveEffectiveUser({ username: 'b', quota: { maxBytes: 1 } }, { quota: { maxFiles: 9 } }).quota).toEqual({ maxBytes: 1 });
  });
});
