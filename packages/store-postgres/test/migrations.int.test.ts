import { randomUUID } from 'node:crypto';
import { AuthenticationUnavailableError, SharedStateUnavailableError } from '@ftp/plugin-api';
import { createTestPluginContext } from '@ftp/plugin-api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPostgresAuthenticator,
  createPostgresPool,
  createPostgresSharedState,
  hashPassword,
  migrate,
  schemaVersion,
} from '../src/index.ts';
import { migrateUpTo } from '../src/migrations.ts';
import { noPostgresReason, postgresBin, startPostgres, type TestPostgres } from './support/postgres.ts';

describe.skipIf(postgresBin === undefined)(`schema migrations${postgresBin === undefined ? ` (${noPostgresReason})` : ''}`, () => {
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(() => postgres?.destroy(), 60_000);

  it('instances that start together on an empty database migrate it once', async () => {
    const database = await postgres.createDatabase();
    const instances = await Promise.all([1, 2, 3].map(() => createPostgresAuthenticator({ connectionString: database })));
    try {
      const rows = await postgres.query('SELECT version, name, applied_at FROM ftp.schema_migrations ORDER BY version', [], database);
      expect(rows.rows.map((row) => row.version)).toEqual(Array.from({ length: schemaVersion }, (_, index) => index + 1));
      // A later start finds nothing to do and changes nothing.
      const pool = createPostgresPool({ connectionString: database });
      try {
        expect(await migrate(pool)).toEqual({ applied: [] });
      } finally {
        await pool.end();
      }
      const again = await postgres.query('SELECT version, name, applied_at FROM ftp.schema_migrations ORDER BY version', [], database);
      expect(again.rows).toEqual(rows.rows);
    } finally {
      await Promise.all(instances.map((instance) => instance.close?.()));
    }
  });

  it('reports which versions it applied, into the schema it is given', async () => {
    const pool = createPostgresPool({ connectionString: postgres.connectionString });
    try {
      expect(await migrate(pool, { schema: 'Custom_Schema' })).toEqual({ applied: [1, 2, 3, 4] });
      expect(await migrate(pool, { schema: 'Custom_Schema' })).toEqual({ applied: [] });
      const tables = await postgres.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'Custom_Schema' ORDER BY tablename`);
      expect(tables.rows.map((row) => row.tablename)).toEqual([
        'bans',
        'instance_sessions',
        'instances',
        'login_failures',
        'quota_folder_reservations',
        'quota_folder_usage',
        'quota_reservations',
        'quota_usage',
        'schema_migrations',
        'session_counts',
        'session_slots',
        'upload_locks',
        'users',
      ]);
    } finally {
      await pool.end();
    }
  });

  it("brings a database of version 3 to quota folders with its users' quota accounts and reservations intact", async () => {
    const database = await postgres.createDatabase();
    const pool = createPostgresPool({ connectionString: database });
    const alice = `alice-${randomUUID()}`;
    const upload = randomUUID();
    try {
      expect(await migrateUpTo(pool, {}, 3)).toEqual({ applied: [1, 2, 3] });
      // What a release with the schema of version 3 left: alice's counted usage, and an upload of hers still running
      // (on an instance that is alive) with 2,000 bytes and a file reserved.
      await postgres.query(
        `INSERT INTO ftp.quota_usage (username, used_bytes, used_files, reserved_bytes, reserved_files, counted)
        VALUES ($1, 1000, 2, 2000, 1, true)`,
        [alice],
        database,
      );
      await postgres.query(`INSERT INTO ftp.instances (id) VALUES ('an older instance')`, [], database);
      await postgres.query(
        `INSERT INTO ftp.quota_reservations (id, instance_id, username, bytes, files) VALUES ($1, 'an older instance', $2, 2000, 1)`,
        [upload, alice],
        database,
      );
      expect(await migrate(pool)).toEqual({ applied: [4] });
    } finally {
      await pool.end();
    }

    const state = await createPostgresSharedState({ connectionString: database });
    try {
      expect(await state.quotaUsage(alice)).toEqual({ bytes: 1_000, files: 2 });
      // The running upload still holds its reservation: 7,000 bytes of 10,000 are left.
      expect(await state.reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 9_000, files: 0, maxBytes: 10_000 })).toBe(
        7_000,
      );
      // A folder of alice's name is another account, never counted yet.
      expect(await state.quotaUsage(alice, alice)).toBeUndefined();
      // The upload made before the migration ends in alice's account: its usage applies and its reservation goes.
      await state.commitQuota({ username: alice, reservationId: upload, bytes: 1_500, files: 1 });
      expect(await state.quotaUsage(alice)).toEqual({ bytes: 2_500, files: 3 });
      const rows = await postgres.query(
        'SELECT reserved_bytes::int AS bytes, reserved_files::int AS files FROM ftp.quota_usage WHERE username = $1',
        [alice],
        database,
      );
      expect(rows.rows).toEqual([{ bytes: 7_000, files: 0 }]);
    } finally {
      await state.close?.();
    }
  });

  it('with migrate off, refuses to open the shared state on a schema that lacks steps of this release', async () => {
    const database = await postgres.createDatabase();
    const pool = createPostgresPool({ connectionString: database });
    try {
      await migrateUpTo(pool, {}, 3);
      // Its statements would name tables that are not there: the sweep of dead instances and every release of a quota
      // reservation would fail, and the releases and commits queued after one would wait for good.
      const refused = await createPostgresSharedState({ connectionString: database, migrate: false }).then(
        (state) => state.close?.(),
        (error: unknown) => error,
      );
      expect(SharedStateUnavailableError.isInstance(refused)).toBe(true);
      expect(String(refused)).toMatch(/version 4.*migrate/);
      await migrate(pool);
    } finally {
      await pool.end();
    }
    const state = await createPostgresSharedState({ connectionString: database, migrate: false });
    await state.close?.();
  });

  it('starts as a role without CREATE rights once the schema exists, and refuses to start before', async () => {
    const database = await postgres.createDatabase();
    await postgres.query('CREATE ROLE ftp_runtime LOGIN', [], database).catch(() => undefined);
    await postgres.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC', [], database);
    const runtime = database.replace('postgres://postgres@', 'postgres://ftp_runtime@');
    const refused = await createPostgresAuthenticator({ connectionString: runtime }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(AuthenticationUnavailableError.isInstance(refused)).toBe(true);
    expect(String(refused)).toContain('"ftp"');

    const owner = await createPostgresAuthenticator({ connectionString: database });
    await owner.close?.();
    await postgres.query(
      'GRANT USAGE ON SCHEMA ftp TO ftp_runtime; GRANT SELECT ON ftp.users, ftp.schema_migrations TO ftp_runtime',
      [],
      database,
    );
    await postgres.query(
      `INSERT INTO ftp.users (username, password_hash) VALUES ('alice', $1)`,
      [await hashPassword('secret', { logCost: 10 })],
      database,
    );
    const authenticator = await createPostgresAuthenticator({ connectionString: runtime });
    try {
      const result = await authenticator.authenticate({ username: 'alice', password: 'secret' }, createTestPluginContext());
      expect(result.outcome).toBe('accepted');
    } finally {
      await authenticator.close?.();
    }
  });

  it('with migrate off, answers 421 and fails its health check until the tables exist', async () => {
    const database = await postgres.createDatabase();
    const authenticator = await createPostgresAuthenticator({ connectionString: database, migrate: false });
    try {
      const outcome = await authenticator.authenticate({ username: 'alice', password: 'secret' }, createTestPluginContext()).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(AuthenticationUnavailableError.isInstance(outcome)).toBe(true);
      await expect(authenticator.checkHealth?.()).rejects.toThrow(/ftp/);
      const pool = createPostgresPool({ connectionString: database });
      await migrate(pool).finally(() => pool.end());
      await expect(authenticator.checkHealth?.()).resolves.toBeUndefined();
      const result = await authenticator.authenticate({ username: 'alice', password: 'secret' }, createTestPluginContext());
      expect(result).toMatchObject({ outcome: 'rejected', reason: 'unknown user' });
    } finally {
      await authenticator.close?.();
    }
  });
});
