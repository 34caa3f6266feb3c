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

  it('gives a plain user for an empty body', () => {
    expect(userFromResponse('alice', response(''))).toEqual({ username: 'alice' });
  });

  it.each([
    ['not JSON', 'ok', 'response body is not JSON'],
    ['an array', '[]', 'response body is not a JSON object'],
    ['a relative home', '{"homeDirectory":"home"}', 'homeDirectory must be an absolute virtual path'],
    ['an unknown permission', '{"permissions":{"admin":true}}', 'permissions must map permission names to booleans'],
    ['a non-boolean permission', '{"permissions":{"upload":"yes"}}', 'permissions must map permission names to booleans'],
    ['scalar attributes', '{"attributes":3}', 'attributes must be an object'],
  ])('describes a body that is %s', (_label, body, problem) => {
    expect(userFromResponse('alice', response(body))).toBe(problem);
  });

  it('refuses a truncated body', () => {
    expect(userFromResponse('alice', response('{}', true))).toBe('response body too large');
  });
});
