import { describe, expect, it } from 'vitest';
import { checkedMountQuota, namesFolder } from './mount-quota.ts';

describe('checkedMountQuota', () => {
  it('takes a folder with optional limits', () => {
    expect(checkedMountQuota(undefined, 'q')).toBeUndefined();
    expect(checkedMountQuota({ folder: 'team' }, 'q')).toEqual({ folder: 'team' });
    expect(checkedMountQuota({ folder: 'a-{user}', maxBytes: 0, maxFiles: Number.MAX_SAFE_INTEGER }, 'q')).toEqual({
      folder: 'a-{user}',
      maxBytes: 0,
      maxFiles: Number.MAX_SAFE_INTEGER,
    });
  });

  it('names the key at fault', () => {
    const problems: [unknown, RegExp][] = [
      ['team', /^q: a quota is \{ folder, maxBytes\?, maxFiles\? \}$/],
      [null, /^q: a quota is/],
      [['team'], /^q: a quota is/],
      [{}, /^q\.folder: must be a non-empty string/],
      [{ folder: '' }, /^q\.folder: must be a non-empty string/],
      [{ folder: 7 }, /^q\.folder: must be a non-empty string/],
      [{ folder: 'team', maxBytes: -1 }, /^q\.maxBytes: must be a non-negative integer$/],
      [{ folder: 'team', maxBytes: '100' }, /^q\.maxBytes: must be a non-negative integer$/],
      [{ folder: 'team', maxBytes: 2 ** 53 }, /^q\.maxBytes: must be a non-negative integer$/],
      [{ folder: 'team', maxFiles: 1.5 }, /^q\.maxFiles: must be a non-negative integer$/],
      [{ folder: 'team', maxFiles: Number.NaN }, /^q\.maxFiles: must be a non-negative integer$/],
      [{ folder: 'team', maxbytes: 100 }, /^q\.maxbytes: is not an option of a quota \(folder, maxBytes, maxFiles\)$/],
    ];
    for (const [value, message] of problems) expect(() => checkedMountQuota(value, 'q'), JSON.stringify(value)).toThrow(message);
  });
});

describe('namesFolder', () => {
  it('matches a name without "{user}" exactly', () => {
    expect(namesFolder('team', 'team')).toBe(true);
    expect(namesFolder('team', 'teams')).toBe(false);
  });

  it('matches a template for one user name that can be a path segment, the same at each "{user}"', () => {
    expect(namesFolder('archive-{user}', 'archive-alice')).toBe(true);
    expect(namesFolder('{user}', 'bob')).toBe(true);
    expect(namesFolder('{user}/{user}', 'bob/bob')).toBe(true);
    expect(namesFolder('{user}:{user}', 'bob:bob')).toBe(true);
    expect(namesFolder('{user}:{user}', 'bob:eve')).toBe(false);
    expect(namesFolder('archive-{user}', 'archive-')).toBe(false);
    expect(namesFolder('archive-{user}', 'archive-..')).toBe(false);
    expect(namesFolder('archive-{user}', 'archive-a/b')).toBe(false);
    expect(namesFolder('archive-{user}', 'backup-alice')).toBe(false);
  });
});
