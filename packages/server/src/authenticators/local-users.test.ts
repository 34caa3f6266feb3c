import { describe, expect, it } from 'vitest';
import { parseLocalUsers } from './local-users.ts';

const passwordHash = '$scrypt$ln=4,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';

describe('parseLocalUsers per-user limits', () => {
  it('keeps root, home, permissions per directory, quota, bandwidth and session limit for the login', () => {
    const users = parseLocalUsers(
      [
        {
          username: 'alice',
          passwordHash,
          rootDirectory: '/users/alice',
          homeDirectory: '/incoming',
          permissions: { delete: false },
          directoryPermissions: { '/incoming': { download: false } },
          quota: { maxBytes: 1000, maxFiles: 10 },
          bandwidth: { uploadBytesPerSecond: 5000 },
          maxSessions: 2,
        },
      ],
      'users',
    );
    expect(users.get('alice')?.profile).toEqual({
      rootDirectory: '/users/alice',
      homeDirectory: '/incoming',
      permissions: { delete: false },
      directoryPermissions: { '/incoming': { download: false } },
      quota: { maxBytes: 1000, maxFiles: 10 },
      bandwidth: { uploadBytesPerSecond: 5000 },
      maxSessions: 2,
    });
  });

  it.each([
    [{ quota: { maxBytes: -1 } }, 'users[0].quota.maxBytes'],
    [{ quota: { maxGigabytes: 1 } }, 'users[0].quota.maxGigabytes'],
    [{ bandwidth: { uploadBytesPerSecond: 0 } }, 'users[0].bandwidth.uploadBytesPerSecond'],
    [{ maxSessions: 1.5 }, 'users[0].maxSessions'],
    [{ rootDirectory: 'relative' }, 'users[0].rootDirectory'],
    [{ directoryPermissions: { '/in': { fly: true } } }, 'users[0].directoryPermissions./in.fly'],
  ])('refuses %j naming %s', (extra, option) => {
    expect(() => parseLocalUsers([{ username: 'a', passwordHash, ...extra }], 'users')).toThrow(expect.objectContaining({ option }));
  });
});

describe('parseLocalUsers keys', () => {
  it('accepts attributes for the storage connector, as every user profile may carry them', () => {
    const users = parseLocalUsers([{ username: 'a', passwordHash, attributes: { bucketPrefix: 'team/' } }], 'users');
    expect(users.get('a')?.profile).toEqual({ attributes: { bucketPrefix: 'team/' } });
  });

  it('refuses any other unknown key by name', () => {
    expect(() => parseLocalUsers([{ username: 'a', passwordHash, homeDir: '/x' }], 'users')).toThrow(
      expect.objectContaining({ option: 'users[0].homeDir' }),
    );
  });
});
