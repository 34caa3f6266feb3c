import { randomBytes } from 'node:crypto';
import { type InvalidOptionError, type AuthenticatorV1, UserStoreError } from '@ftp/plugin-api';
import { createTestPluginContext } from '@ftp/plugin-api/testing';
import { eventually } from '@ftp/test-utils';
import { bcrypt } from 'hash-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addUser,
  createPostgresAuthenticator,
  createPostgresPool,
  createPostgresUserStore,
  disableUser,
  listUsers,
  migrate,
  type PostgresPool,
  setPassword,
} from '../src/index.ts';
import { noPostgresReason, postgresBin, startPostgres, type TestPostgres } from './support/postgres.ts';

// The functions a `ftp-server users` command is built on, against a real database, checked through the authenticator.

/** A user's revision as the store shows it: an opaque token, quotable as an HTTP entity tag. */
const revision = expect.stringMatching(/^[0-9a-f]{32}$/);

describe.skipIf(postgresBin === undefined)(`user administration${postgresBin === undefined ? ` (${noPostgresReason})` : ''}`, () => {
  let postgres: TestPostgres;
  let pool: PostgresPool;
  let authenticator: AuthenticatorV1;
  const hashOptions = { logCost: 10 };
  const login = (username: string, password: string) => authenticator.authenticate({ username, password }, createTestPluginContext());

  beforeAll(async () => {
    postgres = await startPostgres();
    pool = createPostgresPool({ connectionString: postgres.connectionString });
    await migrate(pool);
    authenticator = await createPostgresAuthenticator({ pool });
  }, 60_000);
  afterAll(async () => {
    await authenticator?.close?.();
    await pool?.end();
    await postgres?.destroy();
  }, 60_000);

  it('adds a user who can log in with the facts given, and lists it without its hash', async () => {
    await addUser(
      pool,
      {
        username: 'alice',
        password: 'wonder land',
        homeDirectory: '/in',
        permissions: { delete: false },
        directoryPermissions: { '/in/ro': { upload: false } },
        quota: { maxBytes: 5_000_000_000, maxFiles: 10 },
        bandwidth: { downloadBytesPerSecond: 1_000_000 },
        maxSessions: 2,
        attributes: { prefix: 'a/' },
      },
      { hashOptions },
    );
    expect(await login('alice', 'wonder land')).toMatchObject({
      outcome: 'accepted',
      user: {
        username: 'alice',
        homeDirectory: '/in',
        permissions: { delete: false },
        directoryPermissions: { '/in/ro': { upload: false } },
        quota: { maxBytes: 5_000_000_000, maxFiles: 10 },
        bandwidth: { downloadBytesPerSecond: 1_000_000 },
        maxSessions: 2,
        attributes: { prefix: 'a/' },
      },
    });
    const listed = (await listUsers(pool)).find((user) => user.username === 'alice');
    expect(listed).toMatchObject({ enabled: true, expiresAt: null, passwordAlgorithm: 'scrypt', homeDirectory: '/in' });
    expect(JSON.stringify(listed)).not.toContain('$scrypt$');
  });

  it('imports a user with a bcrypt hash made elsewhere', async () => {
    const hash = await bcrypt({ password: 'from elsewhere', salt: randomBytes(16), costFactor: 4, outputType: 'encoded' });
    await addUser(pool, { username: 'imported', passwordHash: hash.replace(/^\$2b\$/, '$2a$') });
    expect((await login('imported', 'from elsewhere')).outcome).toBe('accepted');
    expect((await listUsers(pool)).find((user) => user.username === 'imported')?.passwordAlgorithm).toBe('bcrypt');
  });

  it('changes a password: the old one stops working, the new one works', async () => {
    await addUser(pool, { username: 'bob', password: 'old password' }, { hashOptions });
    await setPassword(pool, 'bob', 'new password', { hashOptions });
    expect((await login('bob', 'old password')).outcome).toBe('rejected');
    expect((await login('bob', 'new password')).outcome).toBe('accepted');
  });

  it('disables a user, who is then refused and listed as disabled', async () => {
    await addUser(pool, { username: 'carol', password: 'carols password' }, { hashOptions });
    await disableUser(pool, 'carol');
    expect(await login('carol', 'carols password')).toMatchObject({ outcome: 'rejected', reason: 'user disabled' });
    expect((await listUsers(pool)).find((user) => user.username === 'carol')?.enabled).toBe(false);
  });

  it('adds a user that expires, refused from then on', async () => {
    await addUser(pool, { username: 'dave', password: 'daves password', expiresAt: new Date(Date.now() - 1_000) }, { hashOptions });
    expect(await login('dave', 'daves password')).toMatchObject({ outcome: 'rejected', reason: 'user expired' });
  });

  it('refuses bad input with InvalidOptionError naming the field', async () => {
    const refusal = async (work: Promise<unknown>) =>
      work.then(
        () => undefined,
        (error: unknown) => error as InvalidOptionError,
      );
    await addUser(pool, { username: 'erin', password: 'erins password' }, { hashOptions });
    expect(await refusal(addUser(pool, { username: 'erin', password: 'again' }, { hashOptions }))).toMatchObject({ option: 'username' });
    expect(await refusal(addUser(pool, { username: 'frank' }))).toMatchObject({ option: 'password' });
    expect(await refusal(addUser(pool, { username: 'frank', password: 'a', passwordHash: 'b' }))).toMatchObject({ option: 'password' });
    expect(await refusal(addUser(pool, { username: 'frank', passwordHash: 'plain text' }))).toMatchObject({ option: 'passwordHash' });
    expect(await refusal(addUser(pool, { username: 'fr\nank', password: 'x' }))).toMatchObject({ option: 'username' });
    expect(await refusal(addUser(pool, { username: '', password: 'x' }))).toMatchObject({ option: 'username' });
    expect(
      await refusal(addUser(pool, { username: 'frank', password: 'x', permissions: { uplaod: true } as never }, { hashOptions })),
    ).toMatchObject({ option: 'user.permissions.uplaod' });
    expect(await refusal(setPassword(pool, 'nobody-here', 'x', { hashOptions }))).toMatchObject({ option: 'username' });
    expect(await refusal(disableUser(pool, 'nobody-here'))).toMatchObject({ option: 'username' });
    expect((await listUsers(pool)).map((user) => user.username)).not.toContain('frank');
  });

  it("is the authenticator's user store: add, passwd, disable, enable, delete, each seen by the next login", async () => {
    const users = authenticator.users!;
    await users.addUser({ username: 'grace', password: 'graces password', homeDirectory: '/g' });
    expect(await users.getUser('grace')).toEqual({ username: 'grace', enabled: true, homeDirectory: '/g', revision });
    expect((await login('grace', 'graces password')).outcome).toBe('accepted');
    await users.setPassword('grace', 'new one');
    expect((await login('grace', 'graces password')).outcome).toBe('rejected');
    expect((await login('grace', 'new one')).outcome).toBe('accepted');
    await users.setEnabled('grace', false);
    expect(await login('grace', 'new one')).toMatchObject({ outcome: 'rejected', reason: 'user disabled' });
    expect((await users.listUsers()).find((user) => user.username === 'grace')).toEqual({
      username: 'grace',
      enabled: false,
      homeDirectory: '/g',
      revision,
    });
    await users.setEnabled('grace', true);
    expect((await login('grace', 'new one')).outcome).toBe('accepted');
    await users.deleteUser('grace');
    expect(await login('grace', 'new one')).toMatchObject({ outcome: 'rejected', reason: 'unknown user' });
    expect(await users.getUser('grace')).toBeUndefined();
  });

  it("changes a user's permissions, quota and bandwidth through the user store, seen by the next login; null removes", async () => {
    const users = authenticator.users!;
    await users.addUser({ username: 'judy', password: 'judy pw', quota: { maxFiles: 9 }, permissions: { delete: false } });
    await users.updateUser!('judy', {
      permissions: { upload: false },
      quota: { maxBytes: 6_000_000_000 },
      bandwidth: { uploadBytesPerSecond: 2048, downloadBytesPerSecond: 4096 },
      homeDirectory: '/j',
    });
    const accepted = await login('judy', 'judy pw');
    expect(accepted).toMatchObject({
      outcome: 'accepted',
      user: {
        homeDirectory: '/j',
        permissions: { upload: false },
        quota: { maxBytes: 6_000_000_000 },
        bandwidth: { uploadBytesPerSecond: 2048, downloadBytesPerSecond: 4096 },
      },
    });
    expect((accepted as unknown as { user: { quota: object } }).user.quota).toEqual({ maxBytes: 6_000_000_000 });
    expect(await users.getUser('judy')).toEqual({
      username: 'judy',
      enabled: true,
      homeDirectory: '/j',
      permissions: { upload: false },
      quota: { maxBytes: 6_000_000_000 },
      bandwidth: { uploadBytesPerSecond: 2048, downloadBytesPerSecond: 4096 },
      revision,
    });
    await users.updateUser!('judy', { quota: null, bandwidth: null, permissions: null, homeDirectory: null });
    expect(await users.getUser('judy')).toEqual({ username: 'judy', enabled: true, revision });
    const user = (await login('judy', 'judy pw')) as unknown as { user: Record<string, unknown> };
    expect(user.user.quota).toBeUndefined();
    expect(user.user.permissions).toEqual({});
  });

  it("shows and changes a user's attributes through the user store (a JSON object, as the mounts storage reads them); null removes", async () => {
    const users = authenticator.users!;
    await users.addUser({ username: 'liam', password: 'liam pw', attributes: { prefix: 'l/' } });
    expect(await users.getUser('liam')).toEqual({ username: 'liam', enabled: true, attributes: { prefix: 'l/' }, revision });
    const mounts = { '/team': { connector: 'team', quota: { folder: 'team', maxBytes: 100 } } };
    await users.updateUser!('liam', { attributes: { mounts } });
    expect(await login('liam', 'liam pw')).toMatchObject({ outcome: 'accepted', user: { attributes: { mounts } } });
    expect((await users.listUsers()).find((user) => user.username === 'liam')?.attributes).toEqual({ mounts });
    expect((await listUsers(pool, { username: 'liam' }))[0]?.attributes).toEqual({ mounts });
    const refused = await users.updateUser!('liam', { attributes: { at: new Date(0) } }).catch((error: unknown) => error);
    expect(UserStoreError.isInstance(refused) && refused.reason).toBe('invalid-user');
    expect((await users.getUser('liam'))?.attributes).toEqual({ mounts });
    await users.updateUser!('liam', { attributes: null });
    expect(await users.getUser('liam')).toEqual({ username: 'liam', enabled: true, revision });
    expect(((await login('liam', 'liam pw')) as unknown as { user: Record<string, unknown> }).user.attributes).toBeUndefined();
  });

  it('gives every change of a user a new revision: password, enabled flag, expiry, profile; another user keeps it', async () => {
    const users = createPostgresUserStore(pool, { hashOptions });
    await users.addUser({ username: 'mona', password: 'mona pw' });
    const revisions = [(await users.getUser('mona'))!.revision];
    const changes: (() => Promise<unknown>)[] = [
      () => users.setPassword('mona', 'other pw'),
      () => users.setEnabled('mona', false),
      () => pool.query(`UPDATE ftp.users SET expires_at = now() + interval '1 day' WHERE username = 'mona'`),
      () => users.updateUser!('mona', { attributes: { mounts: {} } }),
      () => users.updateUser!('mona', { directoryPermissions: { '/in': { upload: false } } }),
    ];
    for (const change of changes) {
      await users.addUser({ username: `other-${revisions.length}`, password: 'x' });
      expect((await users.getUser('mona'))!.revision).toBe(revisions.at(-1));
      await change();
      revisions.push((await users.getUser('mona'))!.revision);
    }
    expect(new Set(revisions).size).toBe(revisions.length);
    expect((await users.listUsers()).find((user) => user.username === 'mona')?.revision).toBe(revisions.at(-1));
    // A session with another time zone and date style computes the same revision.
    const other = createPostgresPool({
      connectionString: `${postgres.connectionString}?options=-c%20TimeZone%3DAsia%2FTokyo%20-c%20DateStyle%3DSQL`,
    });
    try {
      expect((await createPostgresUserStore(other).getUser('mona'))!.revision).toBe(revisions.at(-1));
    } finally {
      await other.end();
    }
  });

  it('of two writers that read the same revision, exactly one writes; the other gets "conflict" and changes nothing', async () => {
    const first = createPostgresUserStore(pool, { hashOptions });
    const second = createPostgresPool({ connectionString: postgres.connectionString });
    try {
      await first.addUser({ username: 'nina', password: 'nina pw', quota: { maxFiles: 1 } });
      const read = (await first.getUser('nina'))!.revision!;
      // Two stores on two pools, as two instances or an admin API and a command would be.
      const outcomes = await Promise.allSettled([
        first.updateUser!('nina', { quota: { maxFiles: 2 } }, { ifRevision: read }),
        createPostgresUserStore(second).updateUser!('nina', { quota: { maxFiles: 3 } }, { ifRevision: read }),
      ]);
      const refused = outcomes.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
      expect(outcomes.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(UserStoreError.isInstance(refused[0]) && refused[0].reason).toBe('conflict');
      expect((refused[0] as Error).message).toContain('was changed since it was read');
      const winner = outcomes[0]!.status === 'fulfilled' ? 2 : 3;
      expect((await first.getUser('nina'))?.quota).toEqual({ maxFiles: winner });

      // The row locked by another transaction that changes it: the conditional UPDATE waits, then finds it changed.
      const current = (await first.getUser('nina'))!.revision!;
      const holder = await second.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`UPDATE ftp.users SET quota_max_files = 7 WHERE username = 'nina'`);
        const waiting = first.updateUser!('nina', { quota: { maxFiles: 8 } }, { ifRevision: current }).then(
          () => 'written',
          (error: unknown) => (UserStoreError.isInstance(error) ? error.reason : String(error)),
        );
        // The holder commits only once the conditional UPDATE waits for the row, so it re-evaluates its WHERE clause.
        await eventually(async () => {
          const { rows } = await pool.query(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%WITH changed AS%'",
          );
          return rows.length > 0;
        }, 'the conditional UPDATE to wait for the row');
        await holder.query('COMMIT');
        expect(await waiting).toBe('conflict');
      } finally {
        holder.release();
      }
      expect((await first.getUser('nina'))?.quota).toEqual({ maxFiles: 7 });
      expect(
        await first.updateUser!('nobody-here', { quota: null }, { ifRevision: current }).catch(
          (error: unknown) => (error as UserStoreError).reason,
        ),
      ).toBe('no-such-user');
      // The revision read now writes.
      await first.updateUser!('nina', { quota: null }, { ifRevision: (await first.getUser('nina'))!.revision! });
      expect((await first.getUser('nina'))?.quota).toBeUndefined();
    } finally {
      await second.end();
    }
  });

  it('refuses a bad profile change naming the field, and an unknown user, changing nothing', async () => {
    const users = authenticator.users!;
    await users.addUser({ username: 'ken', password: 'ken pw', quota: { maxBytes: 5 } });
    const refusal = (work: Promise<unknown>) =>
      work.then(
        () => 'resolved',
        (error: unknown) => (UserStoreError.isInstance(error) ? `${error.reason}: ${error.message}` : String(error)),
      );
    expect(await refusal(users.updateUser!('ken', { quota: { maxBytes: -1 } }))).toMatch(/^invalid-user: quota\.maxBytes/);
    expect(await refusal(users.updateUser!('ken', { bandwidth: { uploadBytesPerSecond: 0 } }))).toMatch(
      /^invalid-user: bandwidth\.uploadBytesPerSecond/,
    );
    expect(await refusal(users.updateUser!('ken', { maxSessions: 1 } as never))).toMatch(/^invalid-user: maxSessions: unknown key/);
    expect(await refusal(users.updateUser!('nobody-here', { quota: null }))).toMatch(/^no-such-user/);
    expect((await users.getUser('ken'))?.quota).toEqual({ maxBytes: 5 });
  });

  it('refuses through the user store with the reason, and names an unreachable database as unavailable', async () => {
    const users = createPostgresUserStore(pool, { hashOptions });
    const reason = (work: Promise<unknown>) =>
      work.then(
        () => 'resolved',
        (error: unknown) => (UserStoreError.isInstance(error) ? error.reason : String(error)),
      );
    await users.addUser({ username: 'heidi', password: 'x' });
    expect(await reason(users.addUser({ username: 'heidi', password: 'y' }))).toBe('user-exists');
    expect(await reason(users.setPassword('nobody-here', 'x'))).toBe('no-such-user');
    expect(await reason(users.setEnabled('nobody-here', true))).toBe('no-such-user');
    expect(await reason(users.deleteUser('nobody-here'))).toBe('no-such-user');
    expect(await reason(users.addUser({ username: 'ivan', password: '' }))).toBe('invalid-user');
    expect(await reason(users.addUser({ username: 'ivan', password: 'x', homeDirectory: 'relative' }))).toBe('invalid-user');
    const closed = createPostgresPool({ connectionString: `postgres://postgres@127.0.0.1:${postgres.port}/no_such_database` });
    try {
      expect(await reason(createPostgresUserStore(closed).listUsers())).toBe('unavailable');
    } finally {
      await closed.end();
    }
  });
});
