import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createBasicAuthenticator, createBearerAuthenticator, createDigestAuthenticator, createWebhookAuthenticator } from '@ftp/auth-http';
import type { Authenticator } from '@ftp/plugin-api';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { greetedRawSession, recordingLogger, startIdentityServer, type RawSession } from '@ftp/test-utils';
import { login, startFtpServer } from './support/ftp.ts';

// Re-validation is due once `authenticatedTtlMs` has passed. Only Date is faked, so the test moves the clock past the
// TTL instead of waiting; sockets and the request deadline keep real timers.
const ttlMs = 60_000;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});
const passTtl = () => vi.setSystemTime(Date.now() + ttlMs + 1);

async function loggedIn(authenticator: Authenticator, user: string, password: string): Promise<RawSession> {
  const connection = await greetedRawSession(await startFtpServer(authenticator));
  expect(await login(connection, user, password)).toBe(230);
  return connection;
}

/** A port nothing listens on: a server bound and closed again. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('outages give 421, never 530', () => {
  it.each([
    ['hangs past the timeout', '/hang'],
    ['answers 500', '/error'],
    ['drops the connection', '/close'],
    ['redirects', '/redirect'],
  ])('at login, when the service %s', async (_label, path) => {
    const identity = await startIdentityServer();
    const port = await startFtpServer(createBasicAuthenticator({ loginUrl: `${identity.origin}${path}`, timeoutMs: 300 }));
    const connection = await greetedRawSession(port);
    expect(await login(connection, 'alice', 'wonder land')).toBe(421);
    await connection.closed;
    // The redirect is not followed: credentials never reach the Location.
    expect(identity.requests.map((request) => request.url)).toEqual([path]);
  });

  it('at login, when nothing listens', async () => {
    const port = await startFtpServer(createWebhookAuthenticator({ loginUrl: `http://127.0.0.1:${await closedPort()}/webhook` }));
    const connection = await greetedRawSession(port);
    expect(await login(connection, 'alice', 'wonder land')).toBe(421);
  });

  it.each([
    ['answers 500', '/error'],
    ['hangs past the timeout', '/hang'],
  ])('at re-validation, when the service %s', async (_label, path) => {
    const identity = await startIdentityServer();
    const authenticator = createBearerAuthenticator({
      loginUrl: `${identity.origin}/bearer`,
      authenticatedUrl: `${identity.origin}${path}`,
      authenticatedTtlMs: ttlMs,
      timeoutMs: 300,
    });
    const connection = await loggedIn(authenticator, 'alice', 'tok-alice.1');
    passTtl();
    expect((await connection.command('PWD')).code).toBe(421);
    await connection.closed;
  });
});

describe('re-validation', () => {
  it('re-sends Basic credentials once the TTL has passed and ends the session with 530 after a revocation', async () => {
    const identity = await startIdentityServer();
    const authenticator = createBasicAuthenticator({
      loginUrl: `${identity.origin}/basic`,
      authenticatedUrl: `${identity.origin}/basic?check=1`,
      authenticatedTtlMs: ttlMs,
    });
    const connection = await loggedIn(authenticator, 'alice', 'wonder land');
    expect((await connection.command('PWD')).code).toBe(257);
    expect(identity.requests).toHaveLength(1); // within the TTL nothing is asked
    passTtl();
    expect((await connection.command('PWD')).code).toBe(257);
    expect(identity.requests.map((request) => request.url)).toEqual(['/basic', '/basic?check=1']);
    expect(identity.requests[1]!.headers.authorization).toBe(identity.requests[0]!.headers.authorization);
    identity.revoked.add('alice');
    expect((await connection.command('PWD')).code).toBe(257); // validated again just now
    passTtl();
    expect((await connection.command('PWD')).code).toBe(530);
    await connection.closed;
  });

  it('continues the Digest nonce with an incremented count, and answers a new challenge when the nonce goes stale', async () => {
    const identity = await startIdentityServer();
    const url = `${identity.origin}/digest/SHA-256`;
    const connection = await loggedIn(
      createDigestAuthenticator({ loginUrl: url, authenticatedUrl: url, authenticatedTtlMs: ttlMs }),
      'bob',
      'builder',
    );
    passTtl();
    expect((await connection.command('PWD')).code).toBe(257);
    passTtl();
    expect((await connection.command('PWD')).code).toBe(257);
    expect(identity.digestAnswers.map((answer) => answer.nc)).toEqual(['00000001', '00000002', '00000003']);
    expect(identity.requests.filter((request) => request.headers.authorization === undefined)).toHaveLength(1);
    identity.retireNonces();
    passTtl();
    expect((await connection.command('PWD')).code).toBe(257);
    expect(identity.digestAnswers.map((answer) => answer.nc)).toEqual(['00000001', '00000002', '00000003', '00000001']);
    identity.revoked.add('bob');
    passTtl();
    expect((await connection.command('PWD')).code).toBe(530);
  });

  it('sends only the user name to the webhook at re-validation', async () => {
    const identity = await startIdentityServer();
    const authenticator = createWebhookAuthenticator({
      loginUrl: `${identity.origin}/webhook`,
      authenticatedUrl: `${identity.origin}/webhook`,
      authenticatedTtlMs: ttlMs,
    });
    const connection = await loggedIn(authenticator, 'alice', 'wonder land');
    passTtl();
    expect((await connection.command('PWD')).code).toBe(257);
    expect(identity.requests[1]!.url).toBe('/webhook?username=alice');
  });
});

describe('sessions are separate', () => {
  it('gives a second connection that only sent USER for a logged-in user nothing but 530 and 503', async () => {
    const identity = await startIdentityServer();
    const port = await startFtpServer(
      createBasicAuthenticator({ loginUrl: `${identity.origin}/basic`, authenticatedUrl: `${identity.origin}/basic`, cacheTtlMs: ttlMs }),
    );
    const first = await greetedRawSession(port);
    expect(await login(first, 'alice', 'wonder land')).toBe(230);
    const second = await greetedRawSession(port);
    expect((await second.command('USER alice')).code).toBe(331);
    for (const line of ['PWD', 'CWD /', 'LIST', 'MKD x', 'STOR y', 'RETR z']) expect((await second.command(line)).code).toBe(530);
    expect((await second.command('PASS wrong')).code).toBe(530);
    expect((await second.command('PASS wonder land')).code).toBe(503); // PASS must follow USER (RFC 959 §4.1.1)
    expect((await second.command('PWD')).code).toBe(530);
    expect((await first.command('PWD')).code).toBe(257);
  });

  it('answers repeated logins from the positive cache, but never a wrong password and never a re-validation', async () => {
    const identity = await startIdentityServer();
    const authenticator = createBasicAuthenticator({
      loginUrl: `${identity.origin}/basic`,
      authenticatedUrl: `${identity.origin}/basic`,
      authenticatedTtlMs: ttlMs,
      cacheTtlMs: 10 * ttlMs,
    });
    const port = await startFtpServer(authenticator);
    const codes: number[] = [];
    for (const password of ['wonder land', 'wonder land', 'wrong'])
      codes.push(await login(await greetedRawSession(port), 'alice', password));
    expect(codes).toEqual([230, 230, 530]);
    expect(identity.requests).toHaveLength(2); // the second login came from the cache, the wrong one was asked
    const connection = await greetedRawSession(port);
    expect(await login(connection, 'alice', 'wonder land')).toBe(230);
    identity.revoked.add('alice');
    passTtl();
    expect((await connection.command('PWD')).code).toBe(530);
  });
});

describe('secrets stay out of logs and errors', () => {
  it('logs neither passwords, tokens, Basic credentials nor webhook hashes', async () => {
    const identity = await startIdentityServer();
    const { logger, lines } = recordingLogger();
    const password = 'wonder land';
    const hash = createHash('sha256').update(password).digest('hex');
    const secrets = [password, 'tok-alice.1', Buffer.from(`alice:${password}`).toString('base64'), hash, 'password_hash'];
    const authenticators: Array<[Authenticator, string]> = [
      [
        createBasicAuthenticator({
          loginUrl: `${identity.origin}/basic`,
          authenticatedUrl: `${identity.origin}/error`,
          authenticatedTtlMs: ttlMs,
        }),
        password,
      ],
      [createWebhookAuthenticator({ loginUrl: `${identity.origin}/error` }), password],
      [createWebhookAuthenticator({ loginUrl: `${identity.origin}/hang`, timeoutMs: 200 }), password],
      [createBearerAuthenticator({ loginUrl: `${identity.origin}/redirect` }), 'tok-alice.1'],
      [createDigestAuthenticator({ loginUrl: `${identity.origin}/digest/MD5` }), 'wrong'],
    ];
    for (const [authenticator, secret] of authenticators) {
      const connection = await greetedRawSession(await startFtpServer(authenticator, { logger }));
      if ((await login(connection, 'alice', secret)) === 230) {
        passTtl();
        await connection.command('PWD');
      }
    }
    const logged = lines.map((line) => JSON.stringify(line));
    expect(logged.join('\n')).toMatch(/identity service/); // the outages were logged...
    for (const secret of secrets) expect(logged.filter((line) => line.includes(secret))).toEqual([]); // ...without secrets
  });

  it('keeps the query string out of the outage error message', async () => {
    const identity = await startIdentityServer();
    const authenticator = createWebhookAuthenticator({ loginUrl: `${identity.origin}/error` });
    const context = {
      sessionId: 's',
      remoteAddress: '127.0.0.1',
      localAddress: '127.0.0.1',
      secure: false,
      signal: new AbortController().signal,
    };
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    const failure = await authenticator
      .authenticate({ username: 'alice', password: 'wonder land' }, { ...context, logger: silent })
      .catch((error: Error) => error);
    await authenticator.close();
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(`identity service ${identity.origin}/error answered 500 to the login request`);
  });
});

describe('readiness probe (checkHealth)', () => {
  it('is healthy while the service answers, even with 401, and unhealthy on 5xx, hangs and refused connections', async () => {
    const identity = await startIdentityServer();
    const healthy = createBasicAuthenticator({ loginUrl: `${identity.origin}/basic` });
    const failing = createWebhookAuthenticator({ loginUrl: `${identity.origin}/error` });
    const hanging = createBasicAuthenticator({ loginUrl: `${identity.origin}/hang`, timeoutMs: 200 });
    const unreachable = createBearerAuthenticator({ loginUrl: `http://127.0.0.1:${await closedPort()}/` });
    onTestFinished(() => Promise.all([healthy, failing, hanging, unreachable].map((authenticator) => authenticator.close())));
    await expect(healthy.checkHealth()).resolves.toBeUndefined();
    await expect(failing.checkHealth()).rejects.toThrow(/answered 500/);
    await expect(hanging.checkHealth()).rejects.toThrow();
    await expect(unreachable.checkHealth()).rejects.toThrow();
    // The probe never carries credentials.
    const probes = identity.requests.filter((request) => request.url === '/basic');
    expect(probes.length).toBe(1);
    expect(probes[0]!.headers.authorization).toBeUndefined();
  });
});
