import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { UserStoreV1 } from '@ftp/plugin-api';
import { hashPassword } from '@ftp/plugin-api/password';
import { createLocalAuthenticator } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { createPostgresAuthenticator } from '@ftp/store-postgres';
import { eventually, tempDirectory } from '@ftp/test-utils';
import { noPostgresReason, postgresBin, startPostgres, type TestPostgres } from '@ftp/test-utils/postgres';
import { adminName, ftpClient, startAdminFixture } from './support.ts';

// The user routes over the `local` authenticator's users file (a real file, written atomically by its user store),
// with real FTP logins to show that a change applies at the next login and that a disabled user's session ends.

/** alice (password "alice pw") in a users file behind a real FTP and admin server; `storeOf` may narrow the user store. */
async function usersFileFixture(storeOf: (users: UserStoreV1) => UserStoreV1 = (users) => users) {
  const directory = await tempDirectory();
  const usersFile = join(directory, 'users.json');
  await writeFile(
    usersFile,
    JSON.stringify({ users: [{ username: 'alice', passwordHash: await hashPassword('alice pw', { logCost: 10 }) }] }),
  );
  const authenticator = createLocalAuthenticator({ usersFile });
  const fixture = await startAdminFixture({ authenticator, defender: { enabled: false } }, { users: storeOf(authenticator.users!) });
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
    // The disk storage names no quota folders: the user's tree has none.
    expect((await api.request('GET', '/api/quota/alice')).body).toEqual({
      username: 'alice',
      usage: null,
      folders: [],
      foldersError: null,
    });
    const rescanned = await api.request('POST', '/api/quota/alice/rescan');
    expect(rescanned.status).toBe(200);
    expect(rescanned.body).toEqual({ username: 'alice', usage: { bytes: 4, files: 1 } });
    expect((await api.request('GET', '/api/quota/alice')).body).toMatchObject({ username: 'alice', usage: { bytes: 4, files: 1 } });
    expect((await api.request('POST', '/api/quota/nobody/rescan')).status).toBe(404);
    expect(logs.find((line) => line.fields.action === 'quota.rescan')?.fields).toMatchObject({ admin: adminName, username: 'alice' });
  });

  it('refuses a rescan without a user store, which alone knows the root directory; the usage is shown, the folders unknown', async () => {
    const { api } = await startAdminFixture();
    await api.login();
    expect((await api.request('POST', '/api/quota/alice/rescan')).status).toBe(501);
    const shown = await api.request('GET', '/api/quota/alice');
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({ username: 'alice', usage: null, folders: null, foldersError: expect.stringContaining('no user store') });
  });

  it('shows the usage of a user the user store does not have, and says why the folders are unknown', async () => {
    const directory = await tempDirectory();
    await writeFile(join(directory, 'x.txt'), 'four');
    const usersFile = join(directory, 'users.json');
    await writeFile(usersFile, JSON.stringify({ users: [] }));
    const authenticator = createLocalAuthenticator({ usersFile });
    const { api, ftp } = await startAdminFixture(
      { authenticator, storage: createFsStorage({ root: directory, fsync: false }) },
      { users: authenticator.users },
    );
    await api.login();
    await ftp.rescanQuota({ username: 'ghost' });
    expect((await api.request('GET', '/api/quota/ghost')).body).toEqual({
      username: 'ghost',
      usage: { bytes: 4 + (await readFile(usersFile)).length, files: 2 },
      folders: null,
      foldersError: 'no user "ghost" in the user store',
    });
  });
});

describe('users', () => {
  it('lists, adds a user who then logs in over FTP, changes the password for the next login, and deletes', async () => {
    const { api, ftpPort, usersFile, logs } = await usersFileFixture();
    expect((await api.request('GET', '/api/users')).body).toEqual({
      users: [
        {
          username: 'alice',
          enabled: true,
          writable: true,
          homeDirectory: null,
          rootDirectory: null,
          permissions: {},
          directoryPermissions: {},
          quota: null,
          bandwidth: null,
          attributes: null,
          revision: expect.stringMatching(/^[0-9a-f]{32}$/),
        },
      ],
      profileChanges: true,
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

  it("adds and changes a user's attributes (the storage's facts), as a JSON object replaced whole; null removes them", async () => {
    const { api, usersFile, logs } = await usersFileFixture();
    const mounts = { '/team': { connector: 'team', quota: { folder: 'team', maxBytes: 100 } } };
    const added = await api.request('POST', '/api/users', { body: { username: 'bob', password: 'bob pw', attributes: { prefix: 'b/' } } });
    expect(added.body).toMatchObject({ username: 'bob', attributes: { prefix: 'b/' } });
    const changed = await api.request('PATCH', '/api/users/bob', { body: { attributes: { mounts } } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ attributes: { mounts } });
    expect(JSON.parse(await readFile(usersFile, 'utf8')).users[1].attributes).toEqual({ mounts });
    for (const attributes of [['mounts'], 'mounts: {}']) {
      const refused = await api.request('PATCH', '/api/users/bob', { body: { attributes } });
      expect(refused.status).toBe(400);
      expect((refused.body as { message: string }).message).toContain('attributes: must be an object');
    }
    expect((await api.request('PATCH', '/api/users/bob', { body: { attributes: null } })).body).toMatchObject({ attributes: null });
    expect(JSON.parse(await readFile(usersFile, 'utf8')).users[1]).not.toHaveProperty('attributes');
    const updates = logs.filter((line) => line.fields.action === 'user.update').map((line) => line.fields.fields);
    expect(updates).toEqual([['attributes'], ['attributes']]);
    expect(JSON.stringify(logs)).not.toContain('team');
  });

  it('answers the revision as an ETag and changes a user only under a matching If-Match: a stale one gets 412, nothing changed', async () => {
    const { api, usersFile, logs } = await usersFileFixture();
    const read = await api.request('GET', '/api/users/alice');
    const etag = read.headers.get('etag');
    expect(etag).toBe(`"${(read.body as { revision: string }).revision}"`);

    // Another operator changes alice after this one read her.
    const other = await api.request('PATCH', '/api/users/alice', { body: { quota: { maxFiles: 5 } } });
    expect(other.status).toBe(200);
    const now = other.headers.get('etag');
    expect(now).toMatch(/^"[0-9a-f]{32}"$/);
    expect(now).not.toBe(etag);
    expect(other.body).toMatchObject({ revision: now!.slice(1, -1) });

    const before = await readFile(usersFile, 'utf8');
    const stale = await api.request('PATCH', '/api/users/alice', {
      body: { attributes: { mounts: { '/team': 'team' } }, enabled: false },
      headers: { 'if-match': etag! },
    });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ error: 'conflict', message: expect.stringContaining('was changed since it was read') });
    // The header is not echoed back into the message.
    expect(JSON.stringify(stale.body)).not.toContain(etag!.slice(1, -1));
    expect(await readFile(usersFile, 'utf8')).toBe(before);
    // A weak tag never matches (If-Match compares strongly); a malformed header is refused naming it.
    const weak = await api.request('PATCH', '/api/users/alice', { body: { quota: null }, headers: { 'if-match': `W/${now}` } });
    expect(weak.status).toBe(412);
    const malformed = await api.request('PATCH', '/api/users/alice', { body: { quota: null }, headers: { 'if-match': 'abc' } });
    expect(malformed.status).toBe(400);
    expect((malformed.body as { message: string }).message).toContain('If-Match');
    expect(await readFile(usersFile, 'utf8')).toBe(before);
    expect(logs.filter((line) => line.fields.action === 'user.update')).toHaveLength(1);

    // Read again, the change applies; one of several tags, and "*", match too.
    const changed = await api.request('PATCH', '/api/users/alice', {
      body: { attributes: { mounts: { '/team': 'team' } } },
      headers: { 'if-match': `${etag}, ${now}` },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ quota: { maxFiles: 5 }, attributes: { mounts: { '/team': 'team' } } });
    expect((await api.request('PATCH', '/api/users/alice', { body: { quota: null }, headers: { 'if-match': '*' } })).status).toBe(200);
    expect((await api.request('GET', '/api/users/alice')).body).toMatchObject({ quota: null, attributes: { mounts: { '/team': 'team' } } });
  });

  it('names what is wrong: a taken name, a bad profile, an unknown field, an unknown user', async () => {
    const { api } = await usersFileFixture();
    const taken = await api.request('POST', '/api/users', { body: { username: 'alice', password: 'x' } });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ error: 'conflict' });
    const badQuota = await api.request('POST', '/api/users', { body: { username: 'carol', password: 'x', quota: { maxBytes: -1 } } });
    expect(badQuota.status).toBe(400);
    expect((badQuota.body as { message: string }).message).toContain('quota.maxBytes');
    const unknown = await api.request('PATCH', '/api/users/alice', { body: { maxSessions: 5 } });
    expect(unknown.status).toBe(400);
    expect((unknown.body as { message: string }).message).toContain('"maxSessions"');
    expect((await api.request('PATCH', '/api/users/nobody', { body: { enabled: false } })).status).toBe(404);
    expect((await api.request('DELETE', '/api/users/nobody')).status).toBe(404);
  });

  it("changes a user's quota, permissions and bandwidth: the next login gets 552 over the quota and 550 without upload, an open session keeps its own", async () => {
    const { api, ftpPort, usersFile, logs } = await usersFileFixture();
    const before = await ftpClient(ftpPort, 'alice', 'alice pw');
    const quota = await api.request('PATCH', '/api/users/alice', {
      body: { quota: { maxBytes: 10 }, bandwidth: { downloadBytesPerSecond: 1_000_000 } },
    });
    expect(quota.status).toBe(200);
    expect(quota.body).toMatchObject({ quota: { maxBytes: 10 }, bandwidth: { downloadBytesPerSecond: 1_000_000 }, permissions: {} });
    expect(JSON.parse(await readFile(usersFile, 'utf8')).users[0]).toMatchObject({ quota: { maxBytes: 10 } });
    const { client } = await ftpClient(ftpPort, 'alice', 'alice pw');
    await expect(client.uploadFrom(Readable.from([Buffer.alloc(100)]), '/big.bin')).rejects.toThrow(/552/);
    await client.uploadFrom(Readable.from([Buffer.from('small')]), '/small.bin');

    const permissions = await api.request('PATCH', '/api/users/alice', { body: { permissions: { upload: false }, quota: null } });
    expect(permissions.status).toBe(200);
    expect(permissions.body).toMatchObject({ permissions: { upload: false }, quota: null });
    expect((await api.request('GET', '/api/users/alice')).body).toMatchObject({
      permissions: { upload: false },
      quota: null,
      bandwidth: { downloadBytesPerSecond: 1_000_000 },
    });
    const after = await ftpClient(ftpPort, 'alice', 'alice pw');
    await expect(after.client.uploadFrom(Readable.from([Buffer.from('no')]), '/new.bin')).rejects.toThrow(/550/);
    // The session opened before both changes keeps the profile it logged in with (the local authenticator does not
    // re-validate sessions): no quota, upload allowed.
    await before.client.uploadFrom(Readable.from([Buffer.alloc(100)]), '/before.bin');

    const updates = logs.filter((line) => line.fields.action === 'user.update').map((line) => line.fields);
    expect(updates).toEqual([
      expect.objectContaining({ admin: adminName, username: 'alice', fields: ['bandwidth', 'quota'] }),
      expect.objectContaining({ admin: adminName, username: 'alice', fields: ['permissions', 'quota'] }),
    ]);
  });

  it('refuses a bad profile change naming the field and changes nothing of the request, the password included', async () => {
    const { api, ftpPort, usersFile, logs } = await usersFileFixture();
    const before = await readFile(usersFile, 'utf8');
    for (const [body, field] of [
      [{ password: 'new pw', quota: { maxBytes: -1 } }, 'quota.maxBytes'],
      [{ bandwidth: { uploadBytesPerSecond: 0 } }, 'bandwidth.uploadBytesPerSecond'],
      [{ permissions: { upload: 'no' } }, 'permissions.upload'],
      [{ permissions: { teleport: true } }, 'permissions.teleport'],
      [{ quota: { maxSize: 1 } }, 'quota.maxSize'],
    ] as const) {
      const answer = await api.request('PATCH', '/api/users/alice', { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect((answer.body as { message: string }).message).toContain(field);
    }
    expect(await readFile(usersFile, 'utf8')).toBe(before);
    expect(await canLogIn(ftpPort, 'alice', 'alice pw')).toBe(true);
    expect(logs.filter((line) => line.message === 'admin action')).toEqual([]);
    expect(JSON.stringify(logs)).not.toContain('new pw');
  });

  it('answers 501 to a profile change when the user store has no updateUser, and still changes the password', async () => {
    // A store as a third party may write it: everything but the optional updateUser.
    const { api, ftpPort } = await usersFileFixture(({ updateUser: _updateUser, ...withoutUpdate }) => withoutUpdate);
    expect((await api.request('GET', '/api/users')).body).toMatchObject({ profileChanges: false });
    const refused = await api.request('PATCH', '/api/users/alice', { body: { password: 'second pw', quota: { maxBytes: 1 } } });
    expect(refused.status).toBe(501);
    expect((refused.body as { message: string }).message).toContain('quota');
    expect(await canLogIn(ftpPort, 'alice', 'alice pw')).toBe(true);
    expect((await api.request('PATCH', '/api/users/alice', { body: { password: 'second pw' } })).status).toBe(200);
    expect(await canLogIn(ftpPort, 'alice', 'second pw')).toBe(true);
  });

  it('fails closed on If-Match with a user store that keeps no revisions: no ETag, 412, nothing changed; without If-Match it changes', async () => {
    // A store written before revisions: it shows none, and its updateUser takes no options (it would ignore them).
    const withoutRevision = <T extends { revision?: string } | undefined>(user: T) => {
      if (user === undefined) return user;
      const { revision: _revision, ...rest } = user;
      return rest as T;
    };
    const { api, usersFile } = await usersFileFixture((full) => ({
      ...full,
      listUsers: async () => (await full.listUsers()).map(withoutRevision),
      getUser: async (username) => withoutRevision(await full.getUser(username)),
      updateUser: (username, changes) => full.updateUser!(username, changes),
    }));
    const read = await api.request('GET', '/api/users/alice');
    expect(read.headers.get('etag')).toBeNull();
    expect(read.body).toMatchObject({ revision: null });
    const before = await readFile(usersFile, 'utf8');
    const refused = await api.request('PATCH', '/api/users/alice', {
      body: { quota: { maxBytes: 1 } },
      headers: { 'if-match': '"anything"' },
    });
    expect(refused.status).toBe(412);
    expect((refused.body as { message: string }).message).toContain('has no revision');
    expect(await readFile(usersFile, 'utf8')).toBe(before);
    expect((await api.request('PATCH', '/api/users/alice', { body: { quota: { maxBytes: 1 } } })).body).toMatchObject({
      quota: { maxBytes: 1 },
    });
  });

  it("matches an If-Match tag whose revision holds a comma, which is the tag's own between its quotes", async () => {
    // A store whose revisions carry a comma (visible ASCII, as the contract allows): here the file's, with ",v" added.
    const withComma = <T extends { revision?: string } | undefined>(user: T) =>
      user === undefined ? user : ({ ...user, revision: `${user.revision},v` } as T);
    const { api } = await usersFileFixture((full) => ({
      ...full,
      getUser: async (username) => withComma(await full.getUser(username)),
      updateUser: (username, changes, options) =>
        full.updateUser!(username, changes, options?.ifRevision === undefined ? options : { ifRevision: options.ifRevision.slice(0, -2) }),
    }));
    const etag = (await api.request('GET', '/api/users/alice')).headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{32},v"$/);
    const changed = await api.request('PATCH', '/api/users/alice', {
      body: { quota: { maxFiles: 3 } },
      headers: { 'if-match': `"x", ${etag}` },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ quota: { maxFiles: 3 } });
    const stale = await api.request('PATCH', '/api/users/alice', { body: { quota: null }, headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);
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
    expect((await api.request('GET', '/api/users')).body).toEqual({ users: [], profileChanges: true });
  });

  it("changes a user's quota and permissions in the users table: the next login gets 552 over the quota, 550 without upload", async () => {
    const authenticator = await createPostgresAuthenticator({ connectionString: await postgres.createDatabase() });
    onTestFinished(() => authenticator.close?.());
    const { api, ftpPort, logs } = await startAdminFixture({ authenticator, defender: { enabled: false } }, { users: authenticator.users });
    await api.login();
    expect((await api.request('POST', '/api/users', { body: { username: 'quinn', password: 'quinn pw' } })).status).toBe(201);
    const changed = await api.request('PATCH', '/api/users/quinn', { body: { quota: { maxBytes: 10, maxFiles: 5 } } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ quota: { maxBytes: 10, maxFiles: 5 }, permissions: {}, bandwidth: null });
    const { client } = await ftpClient(ftpPort, 'quinn', 'quinn pw');
    await expect(client.uploadFrom(Readable.from([Buffer.alloc(100)]), '/big.bin')).rejects.toThrow(/552/);
    expect((await api.request('PATCH', '/api/users/quinn', { body: { permissions: { upload: false } } })).status).toBe(200);
    expect((await api.request('GET', '/api/users/quinn')).body).toMatchObject({ permissions: { upload: false }, quota: { maxBytes: 10 } });
    const after = await ftpClient(ftpPort, 'quinn', 'quinn pw');
    await expect(after.client.uploadFrom(Readable.from([Buffer.from('x')]), '/x.bin')).rejects.toThrow(/550/);
    const mounts = { '/team': { connector: 'team' } };
    expect((await api.request('PATCH', '/api/users/quinn', { body: { attributes: { mounts } } })).status).toBe(200);
    expect((await api.request('GET', '/api/users/quinn')).body).toMatchObject({ attributes: { mounts } });
    expect(logs.filter((line) => line.fields.action === 'user.update').map((line) => line.fields.fields)).toEqual([
      ['quota'],
      ['permissions'],
      ['attributes'],
    ]);
  });

  it('refuses a PATCH of the users table with a stale If-Match (412), changing nothing; the ETag read now works', async () => {
    const authenticator = await createPostgresAuthenticator({ connectionString: await postgres.createDatabase() });
    onTestFinished(() => authenticator.close?.());
    const { api } = await startAdminFixture({ authenticator, defender: { enabled: false } }, { users: authenticator.users });
    await api.login();
    expect((await api.request('POST', '/api/users', { body: { username: 'rita', password: 'rita pw' } })).status).toBe(201);
    const etag = (await api.request('GET', '/api/users/rita')).headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await api.request('PATCH', '/api/users/rita', { body: { attributes: { mounts: { '/a': 'a' } } } })).status).toBe(200);
    const stale = await api.request('PATCH', '/api/users/rita', {
      body: { attributes: { mounts: { '/b': 'b' } } },
      headers: { 'if-match': etag },
    });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ error: 'conflict' });
    const current = await api.request('GET', '/api/users/rita');
    expect(current.body).toMatchObject({ attributes: { mounts: { '/a': 'a' } } });
    const merged = await api.request('PATCH', '/api/users/rita', {
      body: { attributes: { mounts: { '/a': 'a', '/b': 'b' } } },
      headers: { 'if-match': current.headers.get('etag')! },
    });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ attributes: { mounts: { '/a': 'a', '/b': 'b' } } });
  });
});
