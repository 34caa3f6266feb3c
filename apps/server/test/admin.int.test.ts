import { mkdir, rename, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { Client } from 'basic-ftp';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { hashPassword } from '@ftp/plugin-api/password';
import { eventually, generateCertificate, tempDirectory } from '@ftp/test-utils';
import { assertCliBuilt, isListeningLine, runCli } from './support/cli.ts';

// The built CLI with an `admin` section, as an operator runs it: the admin API over HTTPS with the FTPS certificate,
// a real basic-ftp client in the session list, ended by the admin, and the audit line in the JSON log.

beforeAll(assertCliBuilt);

/** One HTTPS request that trusts `ca`; the body parsed when it is JSON. */
function call(url: string, ca: string, options: { method?: string; token?: string; body?: unknown } = {}) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const request = httpsRequest(url, { method: options.method ?? 'GET', ca, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: response.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text });
      });
    });
    request.on('error', reject);
    request.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

describe('ftp-server with admin', () => {
  it('serves the admin API over HTTPS with the FTPS certificate; an admin ends a session (logged with their name) and adds a user who logs in', async () => {
    const directory = await tempDirectory();
    const certificate = await generateCertificate({ directory });
    await mkdir(join(directory, 'data'));
    await writeFile(
      join(directory, 'users.json'),
      JSON.stringify({ users: [{ username: 'carol', passwordHash: await hashPassword('carol pw', { logCost: 10 }) }] }),
    );
    const config = {
      ftpPort: 0,
      authenticator: 'local',
      authenticatorConfig: { usersFile: 'users.json' },
      storageConfig: { root: './data' },
      tls: { certFile: 'cert.pem', keyFile: 'key.pem' },
      admin: { port: 0, accounts: [{ username: 'ops', passwordHash: await hashPassword('admin secret', { logCost: 10 }) }] },
    };
    await writeFile(join(directory, 'config.json'), JSON.stringify(config));
    const app = runCli(['--config', join(directory, 'config.json')]);
    const listening = await app.logLine(isListeningLine);
    const admin = listening.admin as { url: string; port: number };
    expect(admin.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);

    const login = await call(`${admin.url}api/login`, certificate.cert, {
      method: 'POST',
      body: { username: 'ops', password: 'admin secret' },
    });
    expect(login.status).toBe(200);
    const token = (login.body as { token: string }).token;

    const client = new Client(10_000);
    onTestFinished(() => client.close());
    const log: string[] = [];
    client.ftp.verbose = true;
    client.ftp.log = (message: string) => log.push(message);
    await client.access({ host: '127.0.0.1', port: listening.port as number, user: 'carol', password: 'carol pw' });

    const listed = await call(`${admin.url}api/sessions`, certificate.cert, { token });
    const sessions = (listed.body as { sessions: Array<{ id: string; username: string }> }).sessions;
    expect(sessions.map((session) => session.username)).toEqual(['carol']);
    const server = await call(`${admin.url}api/server`, certificate.cert, { token });
    expect(server.body).toMatchObject({ version: expect.any(String), listeners: [{ kind: 'control', port: listening.port }] });

    expect((await call(`${admin.url}api/sessions/${sessions[0]!.id}`, certificate.cert, { method: 'DELETE', token })).status).toBe(204);
    await eventually(() => log.join('\n').includes('421 Session ended by the administrator.'), 'the 421 at the client');
    const audit = await app.logLine((line) => line.msg === 'admin action');
    expect(audit).toMatchObject({ admin: 'ops', action: 'session.end', username: 'carol', component: 'admin' });

    // The app hands the local users file's store to the admin API: a user added there logs in over FTP at once.
    const added = await call(`${admin.url}api/users`, certificate.cert, {
      method: 'POST',
      token,
      body: { username: 'dave', password: 'dave pw' },
    });
    expect(added.status).toBe(201);
    const dave = new Client(10_000);
    onTestFinished(() => dave.close());
    await dave.access({ host: '127.0.0.1', port: listening.port as number, user: 'dave', password: 'dave pw' });
    expect(app.stdout()).not.toMatch(/admin secret|dave pw/);

    // SIGHUP reloads the certificate of the admin listener with the FTP server's.
    const renewed = await generateCertificate({ directory, prefix: 'new-' });
    await rename(join(directory, 'new-key.pem'), join(directory, 'key.pem'));
    await rename(join(directory, 'new-cert.pem'), join(directory, 'cert.pem'));
    app.child.kill('SIGHUP');
    await app.logLine((line) => line.msg === 'TLS certificate reloaded');
    expect((await call(`${admin.url}api/server`, renewed.cert, { token })).status).toBe(200);
    await expect(call(`${admin.url}api/server`, certificate.cert, { token })).rejects.toThrow();
  });

  it('refuses an admin account whose hash is not one, naming it, with the configuration exit code', async () => {
    const directory = await tempDirectory();
    const config = {
      ftpPort: 0,
      authenticator: 'no-auth',
      storageConfig: { root: '.' },
      admin: { port: 0, accounts: [{ username: 'ops', passwordHash: 'admin secret' }] },
    };
    await writeFile(join(directory, 'config.json'), JSON.stringify(config));
    const app = runCli(['--config', join(directory, 'config.json')]);
    expect(await app.closed).toBe(2);
    expect(app.stderr()).toContain('admin.accounts[0].passwordHash');
  });

  it('answers POST /api/server/restart with 501 in one process: it has no worker processes to replace', async () => {
    const directory = await tempDirectory();
    const config = {
      ftpPort: 0,
      authenticator: 'no-auth',
      storageConfig: { root: '.' },
      admin: { port: 0, accounts: [{ username: 'ops', passwordHash: await hashPassword('x', { logCost: 10 }) }] },
    };
    await writeFile(join(directory, 'config.json'), JSON.stringify(config));
    const app = runCli(['--config', join(directory, 'config.json')]);
    const url = ((await app.logLine(isListeningLine)).admin as { url: string }).url;
    const login = await fetch(new URL('/api/login', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ops', password: 'x' }),
    });
    const { token } = (await login.json()) as { token: string };
    const restart = await fetch(new URL('/api/server/restart', url), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(restart.status).toBe(501);
    expect(await restart.json()).toEqual({ error: 'not_supported', message: expect.stringMatching(/one process.*restart the service/) });
    expect(app.logLines.some((line) => line.action === 'server.restart')).toBe(false);
  });
});
