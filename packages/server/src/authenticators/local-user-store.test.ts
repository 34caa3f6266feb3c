import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserStoreError, type AuthenticatorV1 } from '@ftp/plugin-api';
import { hashPassword } from '@ftp/plugin-api/password';
import { createTestPluginContext } from '@ftp/plugin-api/testing';
import { eventually, type LoggedProcess, spawnLogged, thisMachine, writeUsersFileLock } from '@ftp/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalAuthenticator } from './local-authenticator.ts';
import { acquireUsersFileLock, createLocalUserStore, readLockState, removeLockDirectory } from './local-user-store.ts';
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

/** A user's revision as the store shows it: an opaque token, quotable as an HTTP entity tag. */
const revision = expect.stringMatching(/^[\x21\x23-\x7e]+$/);

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
    expect(await store().getUser('carol')).toEqual({ username: 'carol', enabled: false, homeDirectory: '/c', revision });
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
      { username: 'bob', enabled: false, revision },
      { username: 'carol', enabled: true, homeDirectory: '/c', revision },
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
      revision,
    });

    await store().updateUser?.('carol', { quota: null, bandwidth: { uploadBytesPerSecond: 10 } });
    const entry = JSON.parse(await readFile(usersFile, 'utf8')).users[0];
    expect(entry.quota).toBeUndefined();
    expect(entry.bandwidth).toEqual({ uploadBytesPerSecond: 10 });
    expect(entry.permissions).toEqual({ upload: false });
    expect(await outcome(authenticator, 'carol', 'carol-password')).toBe('accepted');
  });

  it("shows and changes a user's attributes (the storage's facts, such as the mounts storage's), seen by the next login", async () => {
    const authenticator = createLocalAuthenticator({ usersFile });
    const mounts = { '/team': { connector: 'team', quota: { folder: 'team', maxBytes: 100 } } };
    await store().updateUser?.('carol', { attributes: { mounts } });
    expect(await store().getUser('carol')).toEqual({
      username: 'carol',
      enabled: true,
      homeDirectory: '/c',
      attributes: { mounts },
      revision,
    });
    expect(JSON.parse(await readFile(usersFile, 'utf8')).users[0].attributes).toEqual({ mounts });
    const result = await authenticator.authenticate({ username: 'carol', password: 'carol-password' }, createTestPluginContext());
    expect(result).toMatchObject({ outcome: 'accepted', user: { attributes: { mounts } } });

    const bad = await store()
      .updateUser?.('carol', { attributes: { since: new Date(0) } })
      .catch((thrown: unknown) => thrown);
    expect((bad as UserStoreError).reason).toBe('invalid-user');
    expect((bad as Error).message).toContain('attributes.since: must be JSON');
    await store().updateUser?.('carol', { attributes: null });
    expect(await store().getUser('carol')).toEqual({ username: 'carol', enabled: true, homeDirectory: '/c', revision });
    expect(JSON.parse(await readFile(usersFile, 'utf8')).users[0]).not.toHaveProperty('attributes');
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

  it('gives every change of a user a new revision, and a change of another user or a refused one keeps it', async () => {
    const first = (await store().getUser('carol'))?.revision;
    expect(first).toEqual(revision);
    expect((await store().listUsers())[0]?.revision).toBe(first);
    await store().addUser({ username: 'dave', password: 'dave-password' });
    expect((await store().getUser('carol'))?.revision).toBe(first);
    await store().setEnabled('carol', false);
    const disabled = (await store().getUser('carol'))?.revision;
    expect(disabled).not.toBe(first);
    await store().setPassword('carol', 'other secret');
    const renewed = (await store().getUser('carol'))?.revision;
    expect(renewed).not.toBe(disabled);
    await store().updateUser?.('carol', { quota: { maxBytes: 9 } }, { ifRevision: renewed! });
    expect((await store().getUser('carol'))?.revision).not.toBe(renewed);
    expect((await store().getUser('carol'))?.quota).toEqual({ maxBytes: 9 });
  });

  it('of two writers that read the same revision, exactly one writes; the other gets "conflict" and changes nothing', async () => {
    const read = (await store().getUser('carol'))!.revision!;
    // Separate store objects, as two `ftp-server users` processes or an admin and a command would be.
    const outcomes = await Promise.allSettled([
      store().updateUser!('carol', { quota: { maxBytes: 1 } }, { ifRevision: read }),
      store().updateUser!('carol', { quota: { maxBytes: 2 } }, { ifRevision: read }),
    ]);
    const written = outcomes.filter((result) => result.status === 'fulfilled');
    const refused = outcomes.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    expect(written).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(UserStoreError.isInstance(refused[0]) && refused[0].reason).toBe('conflict');
    expect((refused[0] as Error).message).toContain('was changed since it was read');
    const winner = outcomes[0]!.status === 'fulfilled' ? 1 : 2;
    expect((await store().getUser('carol'))?.quota).toEqual({ maxBytes: winner });

    // A change made by hand in the file counts as well; a stale revision never writes.
    const before = await readFile(usersFile, 'utf8');
    expect(await reasonOf(store().updateUser!('carol', { quota: null }, { ifRevision: read }))).toBe('conflict');
    expect(await readFile(usersFile, 'utf8')).toBe(before);
    expect(await reasonOf(store().updateUser!('nobody', { quota: null }, { ifRevision: read }))).toBe('no-such-user');
    expect(await readdir(directory)).toEqual(['users.json']);
  });

  it('never breaks a lock file of an older version (no holder recorded): gives up saying how to remove it', async () => {
    await writeFile(`${usersFile}.lock`, '');
    const before = await readFile(usersFile, 'utf8');
    const message = await failure(store(100).setEnabled('carol', false));
    expect(message).toContain(`${usersFile}.lock exists and names no holder`);
    expect(message).toContain(`delete it (rm -r ${usersFile}.lock)`);
    expect(await readFile(usersFile, 'utf8')).toBe(before);
    expect(await readFile(`${usersFile}.lock`, 'utf8')).toBe('');
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

// A writer killed while it holds the lock (SIGKILL, power loss) leaves it behind. These tests take the lock in real
// child processes, through the built module (the same code as the sources above), and kill them by their PID.

/** The built module, which a child process can import. CI builds before testing; locally: npx tsc -b packages/server. */
const builtModule = fileURLToPath(new URL('../../dist/authenticators/local-user-store.js', import.meta.url));

/** A child process that takes the lock of `file` and then waits forever, as a writer before it writes. */
const lockingChild = `
const [moduleFile, file] = process.argv.slice(1);
const { acquireUsersFileLock } = await import(moduleFile);
const lock = await acquireUsersFileLock(file, 10000);
process.stdout.write(JSON.stringify({ locked: lock.holder.token, pid: process.pid }) + '\\n');
setInterval(() => {}, 1 << 30);
`;

/** Spawns a child that holds the users file's lock; resolves once it holds it. */
async function childHoldingLock(): Promise<{ child: LoggedProcess; token: string }> {
  if (!existsSync(builtModule)) throw new Error(`${builtModule} is missing: build first with "npx tsc -b packages/server"`);
  const child = spawnLogged(process.execPath, ['--input-type=module', '-e', lockingChild, builtModule, usersFile]);
  const line = await child.logLine((entry) => typeof entry.locked === 'string');
  expect(line.pid).toBe(child.child.pid);
  return { child, token: line.locked as string };
}

/** Kills `child` with SIGKILL (by the PID this test started) and waits until it is gone. */
async function killed(child: LoggedProcess): Promise<void> {
  process.kill(child.child.pid!, 'SIGKILL');
  await child.closed;
  expect(child.child.signalCode).toBe('SIGKILL');
}

/** The PID of a process that has ended (a child that exits at once). */
async function deadPid(): Promise<number> {
  const child = spawnLogged(process.execPath, ['-e', '']);
  expect(await child.closed).toBe(0);
  return child.child.pid!;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(UserStoreError.isInstance(error), String(error)).toBe(true);
  expect((error as UserStoreError).reason).toBe('unavailable');
  return (error as Error).message;
}

describe('the users file lock of a writer that died', () => {
  it('is broken by the next change when its holder was killed while holding it', async () => {
    const { child, token } = await childHoldingLock();
    expect(await readLockState(`${usersFile}.lock`)).toMatchObject({
      kind: 'held',
      holder: { pid: child.child.pid, host: hostname(), token },
    });
    await killed(child);

    // Within the default lock timeout: a lock that were not broken would fail this change.
    await store().setEnabled('carol', false);
    expect(JSON.parse(await readFile(usersFile, 'utf8')).users[0].enabled).toBe(false);
    expect(await readdir(directory)).toEqual(['users.json']);
  });

  it('is not broken while its holder is alive: the change fails naming the holder, and the lock stays', async () => {
    const { child, token } = await childHoldingLock();
    const before = await readFile(usersFile, 'utf8');
    const message = await failure(store(200).setEnabled('carol', false));
    expect(message).toContain(`${usersFile}.lock is held by process ${child.child.pid} on ${hostname()} since 20`);
    expect(message).toContain('which is still running');
    expect(await readLockState(`${usersFile}.lock`)).toMatchObject({ kind: 'held', holder: { pid: child.child.pid, token } });
    expect(await readFile(usersFile, 'utf8')).toBe(before);
    expect(await readdir(directory)).toEqual(['users.json', 'users.json.lock']);
  });

  it('is never broken when it names another host, even with a pid that does not exist here', async () => {
    const pid = await deadPid();
    await writeUsersFileLock(usersFile, { pid, host: 'elsewhere.example', ...thisMachine() });
    const message = await failure(store(100).setEnabled('carol', false));
    expect(message).toBe(
      `${usersFile}.lock is held by process ${pid} on elsewhere.example since 2026-01-02T03:04:05.000Z: a lock from another host is never broken automatically; if that process is gone, delete it (rm -r ${usersFile}.lock)`,
    );
    expect((await readLockState(`${usersFile}.lock`)).kind).toBe('held');
  });

  it.skipIf(thisMachine().pidNamespace === undefined)('is never broken when it names another pid namespace of this host', async () => {
    const pid = await deadPid();
    await writeUsersFileLock(usersFile, { pid, host: hostname(), ...thisMachine(), pidNamespace: 'pid:[1]' });
    expect(await failure(store(100).setEnabled('carol', false))).toContain('in another pid namespace (container)');
    expect((await readLockState(`${usersFile}.lock`)).kind).toBe('held');
  });

  it.skipIf(thisMachine().bootId === undefined)('is broken when this host was restarted since it was taken', async () => {
    // The holder's pid is alive now (this very process), but belongs to another boot: the holder is gone.
    await writeUsersFileLock(usersFile, {
      pid: process.pid,
      host: hostname(),
      ...thisMachine(),
      bootId: '00000000-0000-0000-0000-000000000000',
    });
    await store().setEnabled('carol', false);
    expect(await readdir(directory)).toEqual(['users.json']);
  });

  it('is taken when a breaker died after emptying it (an empty lock directory is free)', async () => {
    await mkdir(`${usersFile}.lock`);
    await store().setEnabled('carol', false);
    expect(await readdir(directory)).toEqual(['users.json']);
  });

  it('is broken once by concurrent changes that all found it stale, and none of their changes is lost', async () => {
    for (let round = 0; round < 3; round += 1) {
      const { child } = await childHoldingLock();
      await killed(child);
      const names = Array.from({ length: 6 }, (_, index) => `r${round}u${index}`);
      // Separate store objects, as separate processes: each finds the dead holder's lock and breaks it.
      await Promise.all(names.map((username) => store().addUser({ username, password: 'pw' })));
      const listed = (await store().listUsers()).map((user) => user.username);
      expect(listed).toEqual(expect.arrayContaining(names));
    }
    expect((await store().listUsers()).length).toBe(1 + 3 * 6);
    expect(await readdir(directory)).toEqual(['users.json']);
  });

  it('is held by one of two concurrent breakers at a time, then by the other', async () => {
    for (let round = 0; round < 3; round += 1) {
      const { child } = await childHoldingLock();
      await killed(child);
      const log: string[] = [];
      await Promise.all(
        ['a', 'b'].map(async (name) => {
          const lock = await acquireUsersFileLock(usersFile, 10_000);
          log.push(`in ${name}`);
          // Hold it across real I/O, giving the other breaker its turns to try.
          for (let read = 0; read < 20; read += 1) await readFile(usersFile, 'utf8');
          log.push(`out ${name}`);
          await lock.release();
        }),
      );
      expect([log[0], log[2]].map((entry) => entry?.slice(3)).sort()).toEqual(['a', 'b']);
      expect(log).toEqual([log[0], `out ${log[0]!.slice(3)}`, log[2], `out ${log[2]!.slice(3)}`]);
    }
    expect(await readdir(directory)).toEqual(['users.json']);
  });

  it('leaves nothing of a writer killed while it waited for the lock, once a later change is made', async () => {
    const holding = await childHoldingLock();
    const waiting = spawnLogged(process.execPath, ['--input-type=module', '-e', lockingChild, builtModule, usersFile]);
    // The waiter prepares its lock next to the held one, its record complete, before it waits.
    const prepared = (name: string) => /^users\.json\.lock\.[0-9a-f]{32}$/.test(name);
    const waitingPrepared = async () => {
      const name = (await readdir(directory)).find(prepared);
      return name !== undefined && (await readLockState(join(directory, name))).kind === 'held';
    };
    await eventually(waitingPrepared, "the waiting child's prepared lock with its record");
    await killed(waiting);
    await killed(holding.child);
    expect((await readdir(directory)).filter(prepared)).toHaveLength(1);

    await store().setEnabled('carol', false);
    expect(await readdir(directory)).toEqual(['users.json']);
  });

  it('removes a preparation without a record (a writer killed while preparing it) once it is a minute old, not before', async () => {
    const old = join(directory, `users.json.lock.${'c'.repeat(32)}`);
    const recent = join(directory, `users.json.lock.${'d'.repeat(32)}`);
    await mkdir(old);
    await mkdir(recent);
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(old, twoMinutesAgo, twoMinutesAgo);
    await store().setEnabled('carol', false);
    expect((await readdir(directory)).sort()).toEqual(['users.json', basename(recent)]);
  });

  it('is never confused with a newer lock by a breaker that comes late', async () => {
    const { child, token: staleToken } = await childHoldingLock();
    await killed(child);
    await store().setEnabled('carol', false);
    // A live writer (this process) holds the lock now.
    const fresh = await acquireUsersFileLock(usersFile, 1_000);
    try {
      // What a second breaker of the old lock does once it gets to run: it removes only what carries the old token.
      await removeLockDirectory(`${usersFile}.lock`, staleToken);
      expect(await readLockState(`${usersFile}.lock`)).toMatchObject({
        kind: 'held',
        holder: { token: fresh.holder.token, pid: process.pid },
      });
      expect(await failure(store(100).setEnabled('carol', true))).toContain(`is held by process ${process.pid} on ${hostname()}`);
    } finally {
      await fresh.release();
    }
    await store().setEnabled('carol', true);
    expect(JSON.parse(await readFile(usersFile, 'utf8')).users[0]).not.toHaveProperty('enabled');
    expect(await readdir(directory)).toEqual(['users.json']);
  });
});
