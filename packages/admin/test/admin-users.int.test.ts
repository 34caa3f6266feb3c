import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'basic-ftp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { hashPassword } from '@ftp/plugin-api/password';
import { createLocalAuthenticator } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { createPostgresAuthenticator } from '@ftp/store-postgres';
import { eventually, tempDirectory } from '@ftp/test-utils';
import { noPostgresReason, postgresBin, startPostgres, type TestPostgres } from '@ftp/test-utils/postgres';
import { adminName, ftpClient, startAdminFixture } from './support.ts';

// The user routes over the `local` authenticator's users file (a real file, written atomically by its user store),
// with real FTP logins to show that a change applies at the next login and that a disabled user's session ends.

async function usersFileFixture() {
  const directory = await tempDirectory();
  const usersFile = join(directory, 'users.json');
  await writeFile(
    usersFile,
    JSON.stringify({ users: [{ username: 'alice', passwordHash: await hashPassword('alice pw', { logCost: 10 }) }] }),
  );
  const authenticator = createLocalAuthenticator({ usersFile });
  const fixture = await startAdminFixture({ authenticator, defender: { enabled: false } }, { users: authenticator.users });
  await fixture.api.login();
  return { ...fixture, usersFile };
}

/** Whether `user` can log in over FTP with `password` (530 is false; anything else fails the test). */
async function canLogIn(port: number, user: string, password: string): Promise<boolean> {
  const client = new Client(10_000);
  onTestFinished(() => client.close());
  try {
    await client.access({ host: '127.0.0.1', port, user, password });
    return true;
  } catch (error) {
    if (/530/.test(String(error))) return false;
    throw error;
  } finally {
    client.close();
  }
}

describe('quota', () => {
  it("shows a user's usage and recounts it from the storage, within the user's root directory", async () => {
    const directory = await tempDirectory();
    await mkdir(join(directory, 'files', 'alice'), { recursive: true });
    await writeFile(join(directory, 'files', 'alice', 'x.txt'), 'four');
    await writeFile(join(directory, 'files', 'outside.txt'), 'not alice');
    const usersFile = join(directory, 'users.json');
    const passwordHash = await hashPassword('alice pw', { logCost: 10 });
    await writeFile(usersFile, JSON.stringify({ users: [{ username: 'alice', passwordHash, rootDirectory: '/alice' }] }));
    const authenticator = createLocalAuthenticator({ usersFile });
    const { api, logs } = await startAdminFixture(
      { authenticator, storage: createFsStorage({ root: join(directory, 'files'), fsync: false }) },
      { users: authenticator.users },
    );
    await api.login();
    expect((await api.request('GET', '/api/quota/alice')).body).toEqual({ username: 'alice', usage: null });
    const rescanned = await api.request('POST', '/api/quota/alice/rescan');
    expect(rescanned.status).toBe(200);
    expect(rescanned.body).toEqual({ username: 'alice', usage: { bytes: 4, files: 1 } });
    expect((await api.request('GET', '/api/quota/alice')).body).toEqual({ username: 'alice', usage: { bytes: 4, files: 1 } });
    expect((await api.request('POST', '/api/quota/nobody/rescan')).status).toBe(404);
    expect(logs.find((line) => line.fields.action === 'quota.rescan')?.fields).toMatchObject({ admin: adminName, username: 'alice' });
  });

  it('refuses a rescan without a user store, which alone knows the root directory', async () => {
    const { api } = await startAdminFixture();
    await api.login();
    expect((await api.request('POST', '/api/quota/alice/rescan')).status).toBe(501);
    expect((await api.request('GET', '/api/quota/alice')).status).toBe(200);
  });
});

describe('users', () => {
  it('lists, adds a user who then logs in over FTP, changes the password for the next login, and deletes', async () => {
    const { api, ftpPort, usersFile, logs } = await usersFileFixture();
    expect((await api.request('GET', '/api/users')).body).toEqual({
      users: [{ username: 'alice', enabled: true, writable: true, homeDirectory: null, rootDirectory: null }],
    });

    const added = await api.request('POST', '/api/users', {
      body: { username: 'bob', password: 'bob first', homeDirectory: '/bob', quota: { maxBytes: 1_000_000 } },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ username: 'bob', enabled: true, homeDirectory: '/bob' });
    expect(added.headers.get('location')).toBe('/api/users/bob');
    expect(await canLogIn(ftpPort, 'bob', 'bob first')).toBe(true);
    expect(await readFile(usersFile, 'utf8')).not.toContain('bob first');

    expect((await api.request('PATCH', '/api/users/bob', { body: { password: 'bob second' } })).status).toBe(200);
    expect(await canLogIn(ftpPort, 'bob', 'bob first')).toBe(false);
    expect(await canLogIn(ftpPort, 'bob', 'bob second')).toBe(true);

    expect((await api.request('DELETE', '/api/users/bob')).status).toBe(204);
    expect(await canLogIn(ftpPort, 'bob', 'bob second')).toBe(false);
    expect((await api.request('GET', '/api/users/bob')).status).toBe(404);

    const actions = logs.filter((line) => line.message === 'admin action').map((line) => [line.fields.admin, line.fields.action]);
    expect(actions).toEqual([
      [adminName, 'user.add'],
      [adminName, 'user.password'],
      [adminName, 'user.delete'],
    ]);
    expect(JSON.stringify(logs)).not.toMatch(/bob first|bob second/);
  });

  it("disabling a user ends the user's open session with 421 and refuses new logins until enabled again", async () => {
    const { api, ftpPort } = await usersFileFixture();
    const { log } = await ftpClient(ftpPort, 'alice', 'alice pw');
    const disabled = await api.request('PATCH', '/api/users/alice', { body: { enabled: false } });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ enabled: false });
    await eventually(() => log.join('\n').includes('421 Your account was disabled.'), 'the 421 at the client');
    expect(await canLogIn(ftpPort, 'alice', 'alice pw')).toBe(false);
    await api.request('PATCH', '/api/users/alice', { body: { enabled: true } });
    expect(await canLogIn(ftpPort, 'alice', 'alice pw')).toBe(true);
  });

  it('names what is wrong: a taken name, a bad profile, an unknown field, an unknown user', async () => {
    const { api } = await usersFileFixture();
    const taken = await api.request('POST', '/api/users', { body: { username: 'alice', password: 'x' } });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ error: 'conflict' });
    const badQuota = await api.request('POST', '/api/users', { body: { username: 'carol', password: 'x', quota: { maxBytes: -1 } } });
    expect(badQuota.status).toBe(400);
    expect((badQuota.body as { message: string }).message).toContain('quota.maxBytes');
    const unknown = await api.request('PATCH', '/api/users/alice', { body: { quota: { maxBytes: 5 } } });
    expect(unknown.status).toBe(400);
    expect((unknown.body as { message: string }).message).toContain('"quota"');
    expect((await api.request('PATCH', '/api/users/nobody', { body: { enabled: false } })).status).toBe(404);
    expect((await api.request('DELETE', '/api/users/nobody')).status).toBe(404);
  });

  it('answers 501 when the authenticator keeps no users', async () => {
    const { api } = await startAdminFixture();
    await api.login();
    const answer = await api.request('GET', '/api/users');
    expect(answer.status).toBe(501);
    expect(answer.body).toMatchObject({ error: 'not_supported' });
  });
});

describe.skipIf(postgresBin === undefined)(`users in PostgreSQL${postgresBin === undefined ? ` (${noPostgresReason})` : ''}`, () => {
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(() => postgres?.destroy(), 60_000);

  it('adds a user to the users table who logs in over FTP, disables and deletes them', async () => {
    const authenticator = await createPostgresAuthenticator({ connectionString: await postgres.createDatabase() });
    const { api, ftpPort } = await startAdminFixture({ authenticator, defender: { enabled: false } }, { users: authenticator.users });
    await api.login();
    expect((await api.request('POST', '/api/users', { body: { username: 'pat', password: 'pat pw' } })).status).toBe(201);
    expect((await api.request('GET', '/api/users')).body).toMatchObject({ users: [{ username: 'pat', enabled: true }] });
    expect(await canLogIn(ftpPort, 'pat', 'pat pw')).toBe(true);
    expect((await api.request('PATCH', '/api/users/pat', { body: { enabled: false } })).status).toBe(200);
    expect(await canLogIn(ftpPort, 'pat', 'pat pw')).toBe(false);
    expect((await api.request('DELETE', '/api/users/pat')).status).toBe(204);
    expect((await api.request('GET', '/api/users')).body).toEqual({ users: [] });
  });
});
