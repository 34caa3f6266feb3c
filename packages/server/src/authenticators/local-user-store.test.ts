import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserStoreError, type AuthenticatorV1 } from '@ftp/plugin-api';
import { hashPassword } from '@ftp/plugin-api/password';
import { createTestPluginContext } from '@ftp/plugin-api/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalAuthenticator } from './local-authenticator.ts';
import { createLocalUserStore } from './local-user-store.ts';
import { parseLocalUsers } from './local-users.ts';

// The local users file as a user store, on a real file system: what a change writes, that a running authenticator
// applies it at the next login, and that concurrent writers never lose a change nor show a reader half a file.

const hashOptions = { logCost: 4 };
let directory: string;
let usersFile: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ftp-user-store-'));
  usersFile = join(directory, 'users.json');
  const carol = await hashPassword('carol-password', hashOptions);
  await writeFile(
    usersFile,
    JSON.stringify({ $comment: 'kept', users: [{ username: 'carol', passwordHash: carol, homeDirectory: '/c' }] }),
  );
  await chmod(usersFile, 0o640);
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const store = (lockTimeoutMs?: number) =>
  createLocalUserStore({ usersFile, hashOptions, ...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }) });

async function outcome(authenticator: AuthenticatorV1, username: string, password: string): Promise<string> {
  const result = await authenticator.authenticate({ username, password }, createTestPluginContext());
  return result.outcome === 'accepted' ? 'accepted' : `rejected: ${result.reason}`;
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(UserStoreError.isInstance(error), String(error)).toBe(true);
  return (error as UserStoreError).reason;
}

describe('the local users file as a user store', () => {
  it('adds a user that a running authenticator lets in at the next login, keeping the file mode and other keys', async () => {
    const authenticator = createLocalAuthenticator({ usersFile });
    expect(await outcome(authenticator, 'dave', 'dave-password')).toBe('rejected: unknown user');
    await store().addUser({ username: 'dave', password: 'dave-password', homeDirectory: '/d' });

    expect(await outcome(authenticator, 'dave', 'dave-password')).toBe('accepted');
    expect(await outcome(authenticator, 'carol', 'carol-password')).toBe('accepted');
    expect((await stat(usersFile)).mode & 0o777).toBe(0o640);
    const document = JSON.parse(await readFile(usersFile, 'utf8'));
    expect(document.$comment).toBe('kept');
    expect(document.users[1]).toMatchObject({ username: 'dave', homeDirectory: '/d', passwordHash: expect.stringMatching(/^\$scrypt\$/) });
    expect(await readFile(usersFile, 'utf8')).not.toContain('dave-password');
    expect(await readdir(directory)).toEqual(['users.json']);
  });

  it('changes a password: the old one is refused, the new one accepted, without a restart', async () => {
    const authenticator = createLocalAuthenticator({ usersFile });
    expect(await outcome(authenticator, 'carol', 'carol-password')).toBe('accepted');
    await store().setPassword('carol', 'new secret');
    expect(await outcome(authenticator, 'carol', 'carol-password')).toBe('rejected: wrong password');
    expect(await outcome(authenticator, 'carol', 'new secret')).toBe('accepted');
  });

  it('disables and enables a user', async () => {
    const authenticator = createLocalAuthenticator({ usersFile });
    await store().setEnabled('carol', false);
    expect(await outcome(authenticator, 'carol', 'carol-password')).toBe('rejected: user disabled');
    expect(await store().getUser('carol')).toEqual({ username: 'carol', enabled: false, homeDirectory: '/c' });
    await store().setEnabled('carol', true);
    expect(await outcome(authenticator, 'carol', 'carol-password')).toBe('accepted');
    expect(JSON.parse(await readFile(usersFile, 'utf8')).users[0]).not.toHaveProperty('enabled');
  });

  it('lists file users and inline users by name, and deletes a user', async () => {
    const inlineUsers = parseLocalUsers([{ username: 'alice', passwordHash: await hashPassword('x', hashOptions) }], 'users');
    const users = createLocalUserStore({ usersFile, inlineUsers, hashOptions });
    await users.addUser({ username: 'bob', password: 'bob-password', enabled: false });
    expect(await users.listUsers()).toEqual([
      { username: 'alice', enabled: true, writable: false },
      { username: 'bob', enabled: false },
      { username: 'carol', enabled: true, homeDirectory: '/c' },
    ]);
    await users.deleteUser('bob');
    expect((await users.listUsers()).map((user) => user.username)).toEqual(['alice', 'carol']);
    expect(await reasonOf(users.setPassword('alice', 'other'))).toBe('read-only-user');
    expect(await reasonOf(users.addUser({ username: 'alice', password: 'other' }))).toBe('user-exists');
  });

  it('refuses a taken name, an unknown user and invalid facts, leaving the file as it was', async () => {
    const before = await readFile(usersFile, 'utf8');
    expect(await reasonOf(store().addUser({ username: 'carol', password: 'x' }))).toBe('user-exists');
    expect(await reasonOf(store().setPassword('nobody', 'x'))).toBe('no-such-user');
    expect(await reasonOf(store().setEnabled('nobody', false))).toBe('no-such-user');
    expect(await reasonOf(store().addUser({ username: 'eve', password: 'x', homeDirectory: 'relative' }))).toBe('invalid-user');
    expect(await reasonOf(store().addUser({ username: 'eve', password: '' }))).toBe('invalid-user');
    expect(await reasonOf(store().addUser({ username: 'e\r\nve', password: 'x' }))).toBe('invalid-user');
    expect(await readFile(usersFile, 'utf8')).toBe(before);
    expect(await readdir(directory)).toEqual(['users.json']);
  });

  it("changes a user's profile, which a running authenticator returns at the next login; null removes a fact", async () => {
    const authenticator = createLocalAuthenticator({ usersFile });
    const context = createTestPluginContext();
    await store().updateUser?.('carol', {
      permissions: { upload: false },
      quota: { maxBytes: 1000, maxFiles: 3 },
      bandwidth: { downloadBytesPerSecond: 4096 },
      homeDirectory: null,
    });
    const result = await authenticator.authenticate({ username: 'carol', password: 'carol-password' }, context);
    expect(result).toMatchObject({ outcome: 'accepted' });
    const user = (result as unknown as { user: Record<string, unknown> }).user;
    expect(user).toMatchObject({ permissions: { upload: false }, quota: { maxBytes: 1000, maxFiles: 3 } });
    expect(user.homeDirectory).toBeUndefined();
    expect(await store().getUser('carol')).toEqual({
      username: 'carol',
      enabled: true,
      permissions: { upload: false },
      quota: { maxBytes: 1000, maxFiles: 3 },
      bandwidth: { downloadBytesPerSecond: 4096 },
    });

    await store().updateUser?.('carol', { quota: null, bandwidth: { uploadBytesPerSecond: 10 } });
    const entry = JSON.parse(await readFile(usersFile, 'utf8')).users[0];
    expect(entry.quota).toBeUndefined();
    expect(entry.bandwidth).toEqual({ uploadBytesPerSecond: 10 });
    expect(entry.permissions).toEqual({ upload: false });
    expect(await outcome(authenticator, 'carol', 'carol-password')).toBe('accepted');
  });

  it('refuses a bad change naming the field, an unknown user and an inline user, leaving the file as it was', async () => {
    const before = await readFile(usersFile, 'utf8');
    const bad = await store()
      .updateUser?.('carol', { quota: { maxBytes: -5 } })
      .catch((thrown: unknown) => thrown);
    expect((bad as UserStoreError).reason).toBe('invalid-user');
    expect((bad as Error).message).toContain('quota.maxBytes');
    const unknownKey = await store()
      .updateUser?.('carol', { password: 'x' } as never)
      .catch((thrown: unknown) => thrown);
    expect((unknownKey as Error).message).toContain('password: unknown key');
    expect(await reasonOf(store().updateUser?.('nobody', { quota: null }) ?? Promise.resolve())).toBe('no-such-user');
    const inline = createLocalUserStore({
      usersFile,
      hashOptions,
      inlineUsers: parseLocalUsers([{ username: 'alice', passwordHash: JSON.parse(before).users[0].passwordHash }], 'users'),
    });
    expect(await reasonOf(inline.updateUser?.('alice', { quota: null }) ?? Promise.resolve())).toBe('read-only-user');
    expect(await readFile(usersFile, 'utf8')).toBe(before);
    expect(await readdir(directory)).toEqual(['users.json']);
  });

  it('loses none of many concurrent adds, and a reader never sees a partly written file', async () => {
    const names = Array.from({ length: 16 }, (_, index) => `user${index}`);
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        // Every read parses: the file is replaced whole by a rename, never truncated and rewritten.
        expect(JSON.parse(await readFile(usersFile, 'utf8')).users.length).toBeGreaterThanOrEqual(1);
        reads += 1;
      }
    })();
    try {
      // Separate store objects, as separate `ftp-server users` processes would be: only the file lock orders them.
      await Promise.all([
        ...names.map((username) => store().addUser({ username, password: `${username}-password` })),
        store().updateUser?.('carol', { quota: { maxBytes: 7 } }),
      ]);
    } finally {
      writing = false;
      await reader;
    }
    expect(reads).toBeGreaterThan(0);
    const listed = (await store().listUsers()).map((user) => user.username);
    expect(listed).toEqual(['carol', ...names].sort());
    expect((await store().getUser('carol'))?.quota).toEqual({ maxBytes: 7 });
    expect(await readdir(directory)).toEqual(['users.json']);
  });

  it('waits for a held lock, then gives up naming it, without touching the file', async () => {
    await writeFile(`${usersFile}.lock`, '');
    const before = await readFile(usersFile, 'utf8');
    const error = await store(100)
      .setEnabled('carol', false)
      .catch((thrown: unknown) => thrown);
    expect((error as UserStoreError).reason).toBe('unavailable');
    expect((error as Error).message).toContain(`${usersFile}.lock exists`);
    expect(await readFile(usersFile, 'utf8')).toBe(before);
  });

  it('writes through a symbolic link to its target, keeping the link', async () => {
    const link = join(directory, 'link.json');
    await symlink(usersFile, link);
    await createLocalUserStore({ usersFile: link, hashOptions }).setEnabled('carol', false);
    expect(JSON.parse(await readFile(usersFile, 'utf8')).users[0].enabled).toBe(false);
    expect((await stat(link)).isFile()).toBe(true);
    expect(JSON.parse(await readFile(link, 'utf8')).users[0].enabled).toBe(false);
  });

  it('is offered by the local authenticator only with a users file', async () => {
    expect(createLocalAuthenticator({ usersFile }).users).toBeDefined();
    expect(createLocalAuthenticator({ users: [] }).users).toBeUndefined();
  });
});
