import { createHash } from 'node:crypto';
import { silentLogger, type Authenticator, type PluginContext } from '@ftp/plugin-api';
import {
  createAuthenticator,
  createBasicAuthenticator,
  createBearerAuthenticator,
  createDigestAuthenticator,
  createWebhookAuthenticator,
  type HttpAuthenticator,
} from '@ftp/auth-http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { greetedRawSession, startIdentityServer } from '@ftp/test-utils';
import { login, startFtpServer } from './support/ftp.ts';

const context = (overrides: Partial<PluginContext> = {}): PluginContext => ({
  sessionId: 's1',
  remoteAddress: '192.0.2.7',
  localAddress: '127.0.0.1',
  secure: false,
  signal: new AbortController().signal,
  logger: silentLogger,
  ...overrides,
});

function closing<T extends HttpAuthenticator>(authenticator: T): T {
  onTestFinished(() => authenticator.close());
  return authenticator;
}

/** Logs in over a real FTP control connection and returns the PASS reply code, then whether PWD works. */
async function ftpLogin(authenticator: Authenticator, user: string, password: string): Promise<[number, number]> {
  const port = await startFtpServer(authenticator);
  const connection = await greetedRawSession(port);
  const passCode = await login(connection, user, password);
  return [passCode, (await connection.command('PWD')).code];
}

describe('each scheme through the FTP server', () => {
  it.each([
    ['http-basic', (origin: string) => createBasicAuthenticator({ loginUrl: `${origin}/basic` }), 'alice', 'wonder land'],
    ['http-digest', (origin: string) => createDigestAuthenticator({ loginUrl: `${origin}/digest/SHA-256` }), 'alice', 'wonder land'],
    ['http-bearer', (origin: string) => createBearerAuthenticator({ loginUrl: `${origin}/bearer` }), 'anyone', 'tok-alice.1'],
    ['webhook', (origin: string) => createWebhookAuthenticator({ loginUrl: `${origin}/webhook` }), 'alice', 'wonder land'],
  ])('%s logs in with the right credentials and answers 530 to wrong ones', async (_name, create, user, password) => {
    const identity = await startIdentityServer();
    expect(await ftpLogin(create(identity.origin), user, password)).toEqual([230, 257]);
    expect(await ftpLogin(create(identity.origin), user, `${password}x`)).toEqual([530, 530]);
  });
});

describe('request shapes', () => {
  it('sends Basic credentials in UTF-8 with the client address and TLS flag in the configured headers and parameters', async () => {
    const identity = await startIdentityServer();
    identity.passwords.set('j\u00f6rg', 'p\u00e4ss');
    const authenticator = closing(
      createBasicAuthenticator({
        loginUrl: `${identity.origin}/basic?site=1`,
        secureHeader: 'X-Ftp-Tls',
        clientAddressParameter: 'ip',
        secureParameter: 'tls',
      }),
    );
    const result = await authenticator.authenticate({ username: 'j\u00f6rg', password: 'p\u00e4ss' }, context({ secure: true }));
    expect(result.outcome).toBe('accepted');
    const [request] = identity.requests;
    expect(request!.url).toBe('/basic?site=1&ip=192.0.2.7&tls=ftps');
    expect(request!.headers['x-forwarded-for']).toBe('192.0.2.7');
    expect(request!.headers['x-ftp-tls']).toBe('ftps');
    expect(request!.headers['x-forwarded-proto']).toBeUndefined();
  });

  it('rejects a Basic user name with ":" without asking the service', async () => {
    const identity = await startIdentityServer();
    const authenticator = closing(createBasicAuthenticator({ loginUrl: `${identity.origin}/basic` }));
    expect(await authenticator.authenticate({ username: 'a:b', password: 'x' }, context())).toMatchObject({ outcome: 'rejected' });
    expect(identity.requests).toHaveLength(0);
  });

  it.each(['MD5', 'SHA-256', 'MD5-sess', 'SHA-256-sess'])(
    'answers a %s Digest challenge with uri including the query',
    async (algorithm) => {
      const identity = await startIdentityServer();
      const authenticator = closing(
        createDigestAuthenticator({
          loginUrl: `${identity.origin}/digest/${algorithm}?realm=ftp`,
          secureParameter: 'tls',
          loginMethod: 'POST',
        }),
      );
      expect((await authenticator.authenticate({ username: 'alice', password: 'wonder land' }, context())).outcome).toBe('accepted');
      expect((await authenticator.authenticate({ username: 'alice', password: 'wrong' }, context())).outcome).toBe('rejected');
      expect(identity.digestAnswers).toEqual([{ algorithm, nc: '00000001', uri: `/digest/${algorithm}?realm=ftp&tls=ftp` }]);
      expect(identity.requests.map((request) => [request.method, request.headers.authorization === undefined])).toEqual([
        ['POST', true],
        ['POST', false],
        ['POST', true],
        ['POST', false],
      ]);
    },
  );

  it('treats a Digest endpoint that sends no usable challenge, or none at all, as an outage rather than a login', async () => {
    const identity = await startIdentityServer();
    const noChallenge = closing(createDigestAuthenticator({ loginUrl: `${identity.origin}/basic` }));
    await expect(noChallenge.authenticate({ username: 'alice', password: 'any' }, context())).rejects.toThrow(
      'sent no Digest challenge with MD5 or SHA-256 and qop=auth',
    );
    const open = closing(createDigestAuthenticator({ loginUrl: `${identity.origin}/open` }));
    await expect(open.authenticate({ username: 'alice', password: 'any' }, context())).rejects.toThrow(
      'answered without asking for Digest credentials',
    );
  });

  it('sends the Bearer token and not the FTP user name, and refuses a password that is not a token', async () => {
    const identity = await startIdentityServer();
    const authenticator = closing(createBearerAuthenticator({ loginUrl: `${identity.origin}/bearer` }));
    const result = await authenticator.authenticate({ username: 'display-name', password: 'tok-alice.1' }, context());
    expect(result).toMatchObject({ outcome: 'accepted', user: { username: 'display-name' } });
    expect(identity.requests[0]!.headers.authorization).toBe('Bearer tok-alice.1');
    expect(JSON.stringify(identity.requests[0])).not.toContain('display-name');
    expect((await authenticator.authenticate({ username: 'u', password: 'two words' }, context())).outcome).toBe('rejected');
    expect(identity.requests).toHaveLength(1);
  });

  it.each([
    ['query', 'GET', (body: string, url: string) => new URL(url, 'http://x').searchParams],
    ['form', 'POST', (body: string) => new URLSearchParams(body)],
    ['json', 'PUT', (body: string) => new URLSearchParams(JSON.parse(body) as Record<string, string>)],
  ] as const)('sends webhook credentials in the %s', async (credentialsIn, method, fieldsOf) => {
    const identity = await startIdentityServer();
    const authenticator = closing(
      createWebhookAuthenticator({
        loginUrl: `${identity.origin}/webhook`,
        loginMethod: method,
        credentialsIn,
        passwordHashType: 'sha256',
      }),
    );
    expect((await authenticator.authenticate({ username: 'alice', password: 'wonder land' }, context())).outcome).toBe('accepted');
    const [request] = identity.requests;
    const fields = fieldsOf(request!.body, request!.url);
    expect(request!.method).toBe(method);
    expect(fields.get('username')).toBe('alice');
    expect(fields.get('password_hash')).toBe(createHash('sha256').update('wonder land').digest('hex'));
    if (credentialsIn !== 'query') expect(request!.url).toBe('/webhook');
  });

  // The digests of "abc" published with each algorithm: FIPS 180-4 (SHA-1, SHA-2), FIPS 202 (SHA-3), RFC 1321
  // (MD5) and RFC 7693 appendices A and B (BLAKE2b-512, BLAKE2s-256), so a wrong mapping cannot agree with itself.
  it.each([
    ['md5', '900150983cd24fb0d6963f7d28e17f72'],
    ['sha', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['sha1', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['sha224', '23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7'],
    ['sha256', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['sha384', 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7'],
    [
      'sha512',
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    ],
    ['sha3_224', 'e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf'],
    ['sha3_256', '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532'],
    ['sha3_384', 'ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25'],
    [
      'sha3_512',
      'b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0',
    ],
    [
      'blake2b',
      'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
    ],
    ['blake2s', '508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982'],
  ])('sends the webhook password_hash with passwordHashType %s as ex_ftp computes it', async (passwordHashType, digestOfAbc) => {
    const identity = await startIdentityServer();
    const authenticator = closing(createWebhookAuthenticator({ loginUrl: `${identity.origin}/open`, passwordHashType }));
    expect((await authenticator.authenticate({ username: 'alice', password: 'abc' }, context())).outcome).toBe('accepted');
    expect(new URL(identity.requests[0]!.url, 'http://x').searchParams.get('password_hash')).toBe(digestOfAbc);
  });

  it('takes success statuses from the config (204 only when listed)', async () => {
    const identity = await startIdentityServer();
    const strict = closing(createBasicAuthenticator({ loginUrl: `${identity.origin}/no-content` }));
    const relaxed = closing(createBasicAuthenticator({ loginUrl: `${identity.origin}/no-content`, successStatuses: [200, 204] }));
    const credentials = { username: 'alice', password: 'wonder land' };
    expect((await strict.authenticate(credentials, context())).outcome).toBe('rejected');
    expect((await relaxed.authenticate(credentials, context())).outcome).toBe('accepted');
  });

  it('takes the home directory, permissions and attributes from the response body when asked', async () => {
    const identity = await startIdentityServer();
    const authenticator = closing(createAuthenticator({ scheme: 'basic', loginUrl: `${identity.origin}/facts`, userFromResponse: true }));
    const result = await authenticator.authenticate({ username: 'alice', password: 'wonder land' }, context());
    expect(result).toMatchObject({
      outcome: 'accepted',
      user: { username: 'alice', homeDirectory: '/reports', permissions: { upload: false }, attributes: { team: 'blue' } },
    });
  });
});
