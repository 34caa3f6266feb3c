import { describe, expect, it } from 'vitest';
import { userFromResponse } from './user-facts.ts';

const response = (body: string, isBodyTruncated = false) => ({ status: 200, headers: {}, body: Buffer.from(body), isBodyTruncated });

describe('userFromResponse', () => {
  it('takes homeDirectory, permissions and attributes, keeps the FTP user name and ignores other keys', () => {
    const body = JSON.stringify({
      username: 'mallory',
      homeDirectory: '/home/alice',
      permissions: { upload: false, delete: false },
      attributes: { plan: 'gold' },
      other: 1,
    });
    expect(userFromResponse('alice', response(body))).toEqual({
      username: 'alice',
      homeDirectory: '/home/alice',
      permissions: { upload: false, delete: false },
      attributes: { plan: 'gold' },
    });
  });

  it('takes the per-user limits: root, directory permissions, quota, bandwidth, sessions', () => {
    const body = JSON.stringify({
      rootDirectory: '/users/alice',
      directoryPermissions: { '/in': { download: false } },
      quota: { maxBytes: 10, maxFiles: 2 },
      bandwidth: { downloadBytesPerSecond: 1000 },
      maxSessions: 3,
    });
    expect(userFromResponse('alice', response(body))).toEqual({
      username: 'alice',
      rootDirectory: '/users/alice',
      directoryPermissions: { '/in': { download: false } },
      quota: { maxBytes: 10, maxFiles: 2 },
      bandwidth: { downloadBytesPerSecond: 1000 },
      maxSessions: 3,
    });
  });

  it('gives a plain user for an empty body', () => {
    expect(userFromResponse('alice', response(''))).toEqual({ username: 'alice' });
  });

  it.each([
    ['not JSON', 'ok', 'response body is not JSON'],
    ['an array', '[]', 'response body is not a JSON object'],
    ['a relative home', '{"homeDirectory":"home"}', 'response.homeDirectory: must be an absolute virtual path such as "/incoming"'],
    ['an unknown permission', '{"permissions":{"admin":true}}', expect.stringContaining('response.permissions.admin: unknown permission')],
    ['a non-boolean permission', '{"permissions":{"upload":"yes"}}', 'response.permissions.upload: must be true or false'],
    ['scalar attributes', '{"attributes":3}', 'response.attributes: must be an object'],
    ['a negative quota', '{"quota":{"maxBytes":-5}}', 'response.quota.maxBytes: must be a whole number, 0 or more'],
  ])('describes a body that is %s', (_label, body, problem) => {
    expect(userFromResponse('alice', response(body))).toEqual(problem);
  });

  it('refuses a truncated body', () => {
    expect(userFromResponse('alice', response('{}', true))).toBe('response body too large');
  });
});
