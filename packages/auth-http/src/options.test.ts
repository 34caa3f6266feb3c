import { InvalidOptionError } from '@ftp/plugin-api';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from './create-authenticator.ts';
import { resolveOptions } from './options.ts';

const loginUrl = 'http://127.0.0.1:9/login';

describe('options', () => {
  it('fills in the defaults', () => {
    const options = resolveOptions({ loginUrl });
    expect(options).toMatchObject({
      login: { method: 'GET' },
      authenticated: undefined,
      authenticatedTtlMs: 3_600_000,
      timeoutMs: 10_000,
      maxConnections: 10,
      cacheTtlMs: 0,
      userFromResponse: false,
      clientInfo: {
        addressHeader: 'x-forwarded-for',
        secureHeader: 'x-forwarded-proto',
        addressParameter: undefined,
        secureParameter: undefined,
      },
    });
    expect([...options.successStatuses]).toEqual([200]);
  });

  it('accepts ex_ftp spellings of methods and switches client headers off with false', () => {
    const options = resolveOptions({
      loginUrl,
      loginMethod: 'post',
      authenticatedUrl: loginUrl,
      clientAddressHeader: false,
      secureParameter: 'tls',
    });
    expect(options.login.method).toBe('POST');
    expect(options.authenticated?.method).toBe('GET');
    expect(options.clientInfo.addressHeader).toBeUndefined();
    expect(options.clientInfo.secureParameter).toBe('tls');
  });

  it.each([
    [{}, 'loginUrl', 'must be an http or https URL'],
    [{ loginUrl: 'ftp://x/' }, 'loginUrl', 'must be an http or https URL'],
    [{ loginUrl: 'http://user:secret@x/' }, 'loginUrl', 'must not contain user info'],
    [{ loginUrl, loginMethod: 'DELETE' }, 'loginMethod', 'must be one of GET, POST, PUT, PATCH, HEAD'],
    [{ loginUrl, authenticatedUrl: 'nope' }, 'authenticatedUrl', 'must be an http or https URL'],
    [{ loginUrl, authenticatedTtlMs: 0 }, 'authenticatedTtlMs', 'must be a positive integer'],
    [{ loginUrl, timeoutMs: '5' }, 'timeoutMs', 'must be a positive integer'],
    [{ loginUrl, successStatuses: [200, 302] }, 'successStatuses', 'must be a non-empty array of 2xx statuses'],
    [{ loginUrl, ca: 'not a certificate' }, 'ca', 'must be a PEM certificate or an array of them'],
    [{ loginUrl, caFile: 'does-not-exist.pem' }, 'caFile', 'cannot be read (ENOENT)'],
    [
      { loginUrl, clientAddressHeader: 'Authorization' },
      'clientAddressHeader',
      'must not be Authorization: the authenticator sets that header itself',
    ],
    [{ loginUrl, cacheTtlMs: -1 }, 'cacheTtlMs', 'must be a non-negative integer'],
    [{ loginUrl, userFromResponse: 'yes' }, 'userFromResponse', 'must be true or false'],
  ])('rejects %o naming %s', (options, key, reason) => {
    const attempt = () => resolveOptions(options as never);
    expect(attempt).toThrow(InvalidOptionError);
    expect(attempt).toThrow(`${key}: ${reason}`);
  });

  it.each([
    [{ loginUrl }, 'scheme', 'must be one of basic, digest, bearer, webhook'],
    [{ scheme: 'basic', loginUrl, loginUlr: 'x' }, 'loginUlr', 'unknown option'],
    [{ scheme: 'basic', loginUrl, passwordHashType: 'md5' }, 'passwordHashType', 'unknown option'],
    [{ scheme: 'webhook', loginUrl, passwordHashType: 'crc32' }, 'passwordHashType', 'must be one of md5, sha, sha1'],
    [{ scheme: 'webhook', loginUrl, credentialsIn: 'json' }, 'loginMethod', 'must be POST, PUT or PATCH when credentialsIn is "json"'],
    [
      { scheme: 'webhook', loginUrl, loginMethod: 'POST', authenticatedUrl: loginUrl, credentialsIn: 'form' },
      'authenticatedMethod',
      'must be POST',
    ],
  ])('createAuthenticator rejects %o naming %s', (config, key, reason) => {
    const attempt = () => createAuthenticator(config);
    expect(attempt).toThrow(InvalidOptionError);
    expect(attempt).toThrow(`${key}: ${reason}`);
  });

  it('creates each scheme by name', async () => {
    for (const [scheme, name] of [
      ['basic', 'http-basic'],
      ['digest', 'http-digest'],
      ['bearer', 'http-bearer'],
      ['webhook', 'webhook'],
    ]) {
      const authenticator = createAuthenticator({ scheme, loginUrl });
      expect([authenticator.specificationVersion, authenticator.name]).toEqual(['v1', name]);
      await authenticator.close();
    }
  });
});
