import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { PassThrough, Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AuthenticatorV1 } from '@ftp/plugin-api';
import { createFsStorage } from '@ftp/storage-fs';
import { createMemoryStorage } from '@ftp/server/testing';
import { eventually, gatedSink, generateCertificate, rawSession, tempDirectory } from '@ftp/test-utils';
import { openApiDocument } from '../src/index.ts';
import { adminName, checkEvent, ftpClient, openEventStream, startAdminFixture } from './support.ts';

// The admin API over real HTTP against a real FTP server with real basic-ftp clients connected. Every answer is
// checked against the OpenAPI document the package serves (see ApiClient in support.ts).

type Session = { id: string; username: string | null; transfer: { bytes: number; command: string; direction: string } | null };

describe('login and access control', () => {
  it('answers 401 to every API request without a valid bearer token, a cookie included', async () => {
    const { api } = await startAdminFixture();
    for (const [method, path] of [
      ['GET', '/api/sessions'],
      ['GET', '/api/server'],
      ['GET', '/api/openapi.json'],
      ['DELETE', '/api/sessions/anything'],
      ['POST', '/api/logout'],
      ['GET', '/api/events'],
    ] as const) {
      expect((await api.request(method, path)).status, `${method} ${path}`).toBe(401);
      expect((await api.request(method, path, { token: 'x'.repeat(43) })).status).toBe(401);
    }
    await api.login();
    const token = api.token!;
    const withCookie = await api.request('GET', '/api/sessions', { token: null, headers: { cookie: `token=${token}` } });
    expect(withCookie.status).toBe(401);
    expect((await api.request('GET', '/api/sessions')).status).toBe(200);
  });

  it('grants no cross-origin request: a preflight gets 405 and no CORS header', async () => {
    const { admin } = await startAdminFixture();
    const response = await fetch(new URL('/api/login', admin.url), {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.invalid',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(response.status).toBe(405);
    expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });

  it('refuses a wrong password with 401, logs it with the name tried, and never logs the password', async () => {
    const { api, logs } = await startAdminFixture();
    const answer = await api.login(adminName, 'wrong password');
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: 'unauthorized' });
    expect((await api.login('nobody', 'wrong password')).status).toBe(401);
    expect(logs.filter((line) => line.message === 'admin login failed').map((line) => line.fields.admin)).toEqual([adminName, 'nobody']);
    expect(JSON.stringify(logs)).not.toContain('wrong password');
  });

  it('counts failed admin logins with the defender: the address gets banned for the admin API and for FTP', async () => {
    const { api, ftpPort } = await startAdminFixture({ defender: { maxFailuresPerIp: 3, failedLoginDelayMs: 0 } });
    for (let attempt = 0; attempt < 3; attempt++) expect((await api.login(adminName, `guess ${attempt}`)).status).toBe(401);
    const banned = await api.login();
    expect(banned.status).toBe(403);
    expect(banned.body).toMatchObject({ error: 'banned' });
    const ftp = await rawSession(ftpPort);
    expect((await ftp.read()).code).toBe(421);
  });

  it('takes only a JSON body for the login (a cross-site form cannot send one) and names a bad field', async () => {
    const { api } = await startAdminFixture();
    const form = await api.request('POST', '/api/login', {
      token: null,
      body: 'username=root&password=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const missing = await api.request('POST', '/api/login', { token: null, body: { username: adminName } });
    expect(missing.status).toBe(400);
    expect((missing.body as { message: string }).message).toContain('"password"');
    const broken = await api.request('POST', '/api/login', { token: null, body: '{"username":' });
    expect(broken.status).toBe(400);
    expect((await api.request('GET', '/api/login', { token: null })).status).toBe(405);
  });

  it('ends a token at logout and when it expires', async () => {
    const { api } = await startAdminFixture({}, { tokenTtlMs: 1_000 });
    const login = await api.login();
    expect(Date.parse((login.body as { expiresAt: string }).expiresAt)).toBeGreaterThan(Date.now());
    expect((await api.request('POST', '/api/logout')).status).toBe(204);
    expect((await api.request('GET', '/api/server')).status).toBe(401);
    await api.login();
    await eventually(async () => (await api.request('GET', '/api/server')).status === 401, 'the token to expire', 5_000);
  });

  it('serves the API and the page over HTTPS with the given certificate', async () => {
    const certificate = await generateCertificate();
    const { admin } = await startAdminFixture({}, { tls: { cert: certificate.cert, key: certificate.key } });
    expect(admin.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const status = await new Promise<number>((resolve, reject) => {
      httpsRequest(new URL('/api/server', admin.url), { ca: certificate.cert }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(401);
  });
});

describe('sessions', () => {
  it('lists a slowly downloading basic-ftp client with growing bytes, shows it alone, and ends it: 421, audit line', async () => {
    const { api, ftpPort, logs } = await startAdminFixture({
      storage: createMemoryStorage({ files: { '/big.bin': randomBytes(32 * 1024 * 1024) } }),
    });
    await api.login();
    const { client, log } = await ftpClient(ftpPort, 'alice');
    const gate = gatedSink();
    const download = client.downloadTo(gate.sink, '/big.bin').then(
      () => 'completed',
      (error: unknown) => String(error),
    );

    const listed = async () => ((await api.request('GET', '/api/sessions')).body as { sessions: Session[] }).sessions;
    const first = await eventually(async () => {
      const [session] = await listed();
      return session?.transfer !== null && session !== undefined && session.transfer.bytes > 0 && session;
    }, 'the download in the session list');
    expect(first).toMatchObject({ username: 'alice', remoteAddress: '127.0.0.1', secure: false, command: 'RETR' });
    expect(first.transfer).toMatchObject({ command: 'RETR', path: '/big.bin', direction: 'download' });

    gate.allow(first.transfer!.bytes + 2 * 1024 * 1024);
    await eventually(async () => {
      const [session] = await listed();
      return (session?.transfer?.bytes ?? 0) > first.transfer!.bytes;
    }, 'the bytes to grow');
    const one = await api.request('GET', `/api/sessions/${first.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: first.id, username: 'alice' });

    expect((await api.request('DELETE', `/api/sessions/${first.id}`)).status).toBe(204);
    gate.allow(Number.POSITIVE_INFINITY);
    expect(await download).not.toBe('completed');
    expect(log.join('\n')).toContain('421 Session ended by the administrator.');
    expect(await listed()).toEqual([]);
    expect((await api.request('GET', `/api/sessions/${first.id}`)).status).toBe(404);
    expect((await api.request('DELETE', `/api/sessions/${first.id}`)).status).toBe(404);
    const audit = logs.find((line) => line.message === 'admin action' && line.fields.action === 'session.end');
    expect(audit?.fields).toMatchObject({ admin: adminName, sessionId: first.id, username: 'alice' });
  });

  it('ends an upload in progress and leaves no partial file', async () => {
    const root = await tempDirectory();
    const { api, ftpPort } = await startAdminFixture({ storage: createFsStorage({ root, fsync: false }) });
    await api.login();
    const { client, log } = await ftpClient(ftpPort);
    const source = new PassThrough();
    const upload = client.uploadFrom(source, 'partial.bin').then(
      () => 'completed',
      (error: unknown) => String(error),
    );
    source.write(randomBytes(1024 * 1024));
    const session = await eventually(async () => {
      const [found] = ((await api.request('GET', '/api/sessions')).body as { sessions: Session[] }).sessions;
      return found?.transfer !== null && found !== undefined && found.transfer.bytes >= 1024 * 1024 && found;
    }, 'the upload in the session list');
    expect(session.transfer).toMatchObject({ command: 'STOR', direction: 'upload' });
    expect((await api.request('DELETE', `/api/sessions/${session.id}`)).status).toBe(204);
    source.end(randomBytes(1024));
    expect(await upload).not.toBe('completed');
    expect(log.join('\n')).toContain('421 Session ended by the administrator.');
    expect(await readdir(root)).toEqual([]);
  });
});

describe('defender', () => {
  /** Accepts the password "right" only. */
  const onePassword: AuthenticatorV1 = {
    specificationVersion: 'v1',
    name: 'one password',
    authenticate: async (request) =>
      request.password === 'right' ? { outcome: 'accepted', user: { username: request.username } } : { outcome: 'rejected' },
  };

  /** One refused FTP login: 530, or 421 for the one that bans the address. */
  async function failFtpLogin(port: number, reply = /530/): Promise<void> {
    const client = new Client(10_000);
    onTestFinished(() => client.close());
    await client.connect('127.0.0.1', port);
    await expect(client.login('mallory', 'guess')).rejects.toThrow(reply);
    client.close();
  }

  it('lists a ban made by failed FTP logins, lifts it (FTP admits the address again) and adds to the allow list', async () => {
    const { api, ftpPort, logs } = await startAdminFixture({
      authenticator: onePassword,
      defender: { maxFailuresPerIp: 2, failedLoginDelayMs: 0, allowList: ['10.0.0.0/8'] },
    });
    await api.login();
    await failFtpLogin(ftpPort);
    await failFtpLogin(ftpPort, /421/);
    const listed = await api.request('GET', '/api/defender');
    expect(listed.body).toMatchObject({ enabled: true, bans: [{ address: '127.0.0.1' }], failures: [], allowList: ['10.0.0.0/8'] });
    expect((await (await rawSession(ftpPort)).read()).code).toBe(421);

    expect((await api.request('DELETE', '/api/defender/bans/127.0.0.1')).status).toBe(204);
    expect((await (await rawSession(ftpPort)).read()).code).toBe(220);
    expect((await api.request('DELETE', '/api/defender/bans/127.0.0.1')).status).toBe(404);

    await failFtpLogin(ftpPort);
    expect((await api.request('GET', '/api/defender')).body).toMatchObject({ failures: [{ address: '127.0.0.1', count: 1 }] });
    const allowed = await api.request('POST', '/api/defender/allow-list', { body: { address: '127.0.0.1' } });
    expect(allowed.status).toBe(201);
    expect(allowed.body).toEqual({ allowList: ['10.0.0.0/8', '127.0.0.1'] });
    for (let attempt = 0; attempt < 3; attempt++) await failFtpLogin(ftpPort);
    expect((await api.request('GET', '/api/defender')).body).toMatchObject({ bans: [] });
    const bad = await api.request('POST', '/api/defender/allow-list', { body: { address: 'everyone' } });
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toContain('"everyone" is not an IP address or CIDR block');

    const actions = logs.filter((line) => line.message === 'admin action').map((line) => [line.fields.action, line.fields.address]);
    expect(actions).toEqual([
      ['defender.unban', '127.0.0.1'],
      ['defender.allow', '127.0.0.1'],
    ]);
  });

  it('says when the defender is off', async () => {
    const { api } = await startAdminFixture({ defender: { enabled: false } });
    await api.login();
    expect((await api.request('GET', '/api/defender')).body).toEqual({ enabled: false, bans: null, failures: null, allowList: [] });
    expect((await api.request('POST', '/api/defender/allow-list', { body: { address: '127.0.0.1' } })).status).toBe(501);
  });
});

describe('server and events', () => {
  it('reports version, uptime, the FTP listener, passive ports and counters', async () => {
    const { api, ftpPort } = await startAdminFixture({ storage: createMemoryStorage({ files: { '/a.txt': 'hello' } }) });
    await api.login();
    const { client } = await ftpClient(ftpPort);
    await client.downloadTo(new PassThrough().resume(), '/a.txt');
    const answer = await api.request('GET', '/api/server');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      version: '1.2.3-test',
      listeners: [{ kind: 'control', address: '127.0.0.1', port: ftpPort }],
      sessions: 1,
      defenderEnabled: true,
      counters: { connections: 1, logins: 1, downloads: 1, bytesDownloaded: 5 },
    });
  });

  it('restarts the worker processes through the given restart, with an audit line; without one (one process) answers 501', async () => {
    const reasons: string[] = [];
    const { api, logs } = await startAdminFixture(
      {},
      {
        restart: async (reason) => {
          reasons.push(reason);
          return { replaced: 2, complete: true };
        },
      },
    );
    await api.login();
    expect((await api.request('GET', '/api/server/restart')).status).toBe(405);
    const answer = await api.request('POST', '/api/server/restart');
    expect(answer).toMatchObject({ status: 200, body: { replaced: 2, complete: true } });
    expect(reasons).toEqual([`admin ${adminName}`]);
    const audit = logs.find((line) => line.message === 'admin action' && line.fields.action === 'server.restart');
    expect(audit?.fields.admin).toBe(adminName);
    // One process: nothing to replace but itself.
    const single = await startAdminFixture();
    await single.api.login();
    const refused = await single.api.request('POST', '/api/server/restart');
    expect(refused).toMatchObject({ status: 501, body: { error: 'not_supported' } });
    expect((refused.body as { message: string }).message).toMatch(/one process/);
    expect(single.logs.some((line) => line.fields.action === 'server.restart')).toBe(false);
    expect((await single.api.request('GET', '/api/server')).body).toMatchObject({ workers: null });
  });

  it('serves the OpenAPI document it is checked against', async () => {
    const { api } = await startAdminFixture();
    await api.login();
    const answer = await api.request('GET', '/api/openapi.json');
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    expect((answer.body as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('streams logins, uploads, downloads and errors as Server-Sent Events', async () => {
    const { api, ftpPort, admin } = await startAdminFixture({ storage: createMemoryStorage({ files: { '/a.txt': 'hello' } }) });
    await api.login();
    const stream = await openEventStream(admin.url, api.token!);
    const { client } = await ftpClient(ftpPort, 'bob');
    await client.uploadFrom(Readable.from([Buffer.from('12345678')]), '/b.txt');
    await client.downloadTo(new PassThrough().resume(), '/a.txt');
    await expect(client.remove('/missing.txt')).rejects.toThrow(/550/);
    await eventually(() => stream.events.some((event) => event.event === 'error'), 'the error event');
    const byType = new Map(stream.events.map((event) => [event.event, event.data]));
    expect(byType.get('login')).toMatchObject({ username: 'bob', remoteAddress: '127.0.0.1' });
    expect(byType.get('upload')).toMatchObject({ username: 'bob', path: '/b.txt', bytes: 8, command: 'STOR' });
    expect(byType.get('download')).toMatchObject({ path: '/a.txt', bytes: 5, command: 'RETR' });
    expect(byType.get('error')).toMatchObject({ username: 'bob', command: 'DELE', replyCode: 550 });
    for (const event of stream.events) checkEvent(event.data);
    stream.close();
  });
});

describe('the listener', () => {
  it('answers 404 for unknown paths and 405 for wrong methods, with JSON errors', async () => {
    const { api } = await startAdminFixture();
    await api.login();
    expect((await api.request('GET', '/api/nothing')).status).toBe(404);
    expect((await api.request('PUT', '/api/sessions/abc')).status).toBe(405);
    expect((await api.request('GET', '/nothing.html')).status).toBe(404);
  });

  it('serves the page with a content security policy that allows only its own script', async () => {
    const { admin } = await startAdminFixture();
    const response = await fetch(admin.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(await response.text()).toContain('<script src="admin.js"');
  });

  it('refuses a bad account list at start, naming the option', async () => {
    const { startAdminServer } = await import('../src/index.ts');
    const { createFtpServer, createNoAuthAuthenticator } = await import('@ftp/server');
    const server = createFtpServer({ authenticator: createNoAuthAuthenticator(), storage: createMemoryStorage() });
    const logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => logger };
    await expect(startAdminServer({ server, accounts: [], logger, port: 0 })).rejects.toThrow(/admin\.accounts/);
    await expect(startAdminServer({ server, accounts: [{ username: 'a', passwordHash: 'plain' }], logger, port: 0 })).rejects.toThrow(
      /admin\.accounts\[0\]\.passwordHash/,
    );
  });
});
