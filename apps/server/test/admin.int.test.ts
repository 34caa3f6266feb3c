import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { chromium } from 'playwright-core';
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

/** One request to the admin API over plain HTTP, with the token when given; the JSON body parsed. */
async function callHttp(url: string, options: { method?: string; token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as unknown) : text };
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

  it("counts and shows the quota of users whose records mount directories (mounts storage): the mounts' files, each quota folder with its limits and usage, on the API and the page", async () => {
    // carol's record mounts /projects (her files there count against her) and /archive (a quota folder of her own);
    // every user's tree has /shared, the folder "team". dave's record gets its mounts from the admin API.
    const directory = await tempDirectory();
    await mkdir(join(directory, 'home', 'carol'), { recursive: true });
    await mkdir(join(directory, 'home', 'dave'), { recursive: true });
    await mkdir(join(directory, 'projects', 'carol'), { recursive: true });
    await mkdir(join(directory, 'archive', 'carol'), { recursive: true });
    await mkdir(join(directory, 'archive', 'dave'), { recursive: true });
    await mkdir(join(directory, 'team'));
    await writeFile(join(directory, 'home', 'carol', 'a.txt'), 'hello');
    await writeFile(join(directory, 'projects', 'carol', 'p.bin'), Buffer.alloc(100));
    await writeFile(join(directory, 'archive', 'carol', 'old.bin'), Buffer.alloc(60));
    await writeFile(join(directory, 'team', 't.bin'), Buffer.alloc(40));
    const archive = { connector: 'archive', quota: { folder: 'archive-{user}', maxBytes: 500 } };
    const passwordHash = await hashPassword('user pw', { logCost: 10 });
    await writeFile(
      join(directory, 'users.json'),
      JSON.stringify({
        users: [
          {
            username: 'carol',
            passwordHash,
            quota: { maxBytes: 1_000_000 },
            attributes: { mounts: { '/projects': { connector: 'projects', rootDirectory: '/carol' }, '/archive': archive } },
          },
          { username: 'dave', passwordHash },
        ],
      }),
    );
    const config = {
      ftpAddr: '127.0.0.1',
      ftpPort: 0,
      authenticator: 'local',
      authenticatorConfig: { usersFile: 'users.json' },
      storageConnector: 'mounts',
      storageConfig: {
        connectors: {
          home: { storageConnector: 'fs', storageConfig: { root: 'home/{user}', fsync: false } },
          projects: { storageConnector: 'fs', storageConfig: { root: 'projects', fsync: false } },
          archive: { storageConnector: 'fs', storageConfig: { root: 'archive/{user}', fsync: false } },
          team: { storageConnector: 'fs', storageConfig: { root: 'team', fsync: false } },
        },
        mounts: { '/': 'home', '/shared': { connector: 'team', quota: { folder: 'team', maxBytes: 1000, maxFiles: 5 } } },
      },
      admin: { port: 0, accounts: [{ username: 'ops', passwordHash: await hashPassword('admin secret', { logCost: 10 }) }] },
    };
    await writeFile(join(directory, 'config.json'), JSON.stringify(config));
    const app = runCli(['--config', join(directory, 'config.json')], { cwd: directory });
    const listening = await app.logLine(isListeningLine);
    const url = (listening.admin as { url: string }).url;
    const login = await callHttp(`${url}api/login`, { method: 'POST', body: { username: 'ops', password: 'admin secret' } });
    const token = (login.body as { token: string }).token;
    const call = (path: string, options: { method?: string; body?: unknown } = {}) => callHttp(`${url}api/${path}`, { ...options, token });

    // The rescan opens carol's storage with her record's mounts: /projects counts against her, /archive and /shared
    // in their folders' accounts.
    expect(await call('quota/carol/rescan', { method: 'POST' })).toEqual({
      status: 200,
      body: { username: 'carol', usage: { bytes: 105, files: 2 } },
    });
    const team = { name: 'team', path: '/shared', maxBytes: 1000, maxFiles: 5, usage: { bytes: 40, files: 1 } };
    expect(await call('quota/carol')).toEqual({
      status: 200,
      body: {
        username: 'carol',
        usage: { bytes: 105, files: 2 },
        folders: [{ name: 'archive-carol', path: '/archive', maxBytes: 500, maxFiles: null, usage: { bytes: 60, files: 1 } }, team],
        foldersError: null,
      },
    });
    // The same accounts as carol's logins: her upload to /projects adds to what the rescan counted.
    const client = new Client(10_000);
    onTestFinished(() => client.close());
    await client.access({ host: '127.0.0.1', port: listening.port as number, user: 'carol', password: 'user pw' });
    await client.uploadFrom(Readable.from([Buffer.alloc(10)]), '/projects/new.bin');
    client.close();
    expect(((await call('quota/carol')).body as { usage: unknown }).usage).toEqual({ bytes: 115, files: 3 });

    // An operator adds a mount to dave's record: his tree gets a folder of his own, never counted yet, beside "team".
    const changed = await call('users/dave', { method: 'PATCH', body: { attributes: { mounts: { '/archive': archive } } } });
    expect(changed).toMatchObject({ status: 200, body: { attributes: { mounts: { '/archive': archive } } } });
    expect(((await call('quota/dave')).body as { folders: unknown }).folders).toEqual([
      { name: 'archive-dave', path: '/archive', maxBytes: 500, maxFiles: null, usage: null },
      team,
    ]);
    // A record whose mounts the storage cannot read: the usage is still shown, the folders unknown with the cause.
    await call('users/dave', { method: 'PATCH', body: { attributes: { mounts: { '/x': 'nowhere' } } } });
    expect(await call('quota/dave')).toEqual({
      status: 200,
      body: {
        username: 'dave',
        usage: null,
        folders: null,
        foldersError: expect.stringMatching(/^the storage could not be opened for the user: .*nowhere/),
      },
    });
    expect(await call('quota/dave/rescan', { method: 'POST' })).toEqual({
      status: 409,
      body: { error: 'conflict', message: expect.stringMatching(/^the user's storage refused the rescan: .*nowhere/) },
    });

    const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: install Debian's chromium (apt-get install chromium)`);
    // --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    onTestFinished(() => browser.close());
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(url);
    await page.locator('#login-form').getByLabel('Admin name').fill('ops');
    await page.locator('#login-form').getByLabel('Password').fill('admin secret');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Users' }).click();
    const carol = page.locator('#users tbody tr[data-username="carol"] td.quota');
    await expect
      .poll(() => carol.locator('li').allTextContents())
      .toEqual(['Folder archive-carol at /archive: 60 B in 1 file / 500 B', 'Folder team at /shared: 40 B in 1 file / 1000 B · 5 files']);
    expect(await carol.getAttribute('data-used-bytes')).toBe('115');
    const dave = page.locator('#users tbody tr[data-username="dave"] td.quota');
    await expect
      .poll(() => dave.locator('.folders-unknown').textContent())
      .toMatch(/^Quota folders unknown: the storage could not be opened/);
    expect(pageErrors).toEqual([]);
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
