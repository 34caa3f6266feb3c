import type { PluginLogger } from '@ftp/plugin-api';
import type { PooledConnection, PostgresPool, Queryable } from './postgres-pool.ts';
import { type SqlNames, sqlNames } from './sql-names.ts';

/** One step of the schema. Steps are never edited once released; a change is a new step. */
interface Migration {
  readonly version: number;
  readonly name: string;
  statements(names: SqlNames): readonly string[];
}

const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'users',
    statements: ({ users }) => [
      `CREATE TABLE ${users} (
        username text PRIMARY KEY CHECK (char_length(username) BETWEEN 1 AND 255),
        password_hash text NOT NULL,
        home_directory text CHECK (home_directory LIKE '/%'),
        root_directory text CHECK (root_directory LIKE '/%'),
        permissions jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(permissions) = 'object'),
        directory_permissions jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(directory_permissions) = 'object'),
        quota_max_bytes bigint CHECK (quota_max_bytes >= 0),
        quota_max_files bigint CHECK (quota_max_files >= 0),
        upload_bytes_per_second bigint CHECK (upload_bytes_per_second >= 1),
        download_bytes_per_second bigint CHECK (download_bytes_per_second >= 1),
        max_sessions integer CHECK (max_sessions >= 1),
        attributes jsonb CHECK (jsonb_typeof(attributes) = 'object'),
        enabled boolean NOT NULL DEFAULT true,
        expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    version: 2,
    name: 'shared state',
    // What server instances share (see shared-state.ts). Rows of an instance are tied to it by instance_id, so the
    // others can drop them once its heartbeat stops.
    statements: (names) => [
      `CREATE TABLE ${names.instances} (
        id text PRIMARY KEY,
        seen_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE ${names.sessionCounts} (
        scope text NOT NULL CHECK (scope IN ('user', 'address')),
        key text NOT NULL,
        count integer NOT NULL DEFAULT 0 CHECK (count >= 0),
        PRIMARY KEY (scope, key)
      )`,
      `CREATE TABLE ${names.instanceSessions} (
        instance_id text NOT NULL,
        scope text NOT NULL,
        key text NOT NULL,
        count integer NOT NULL DEFAULT 0 CHECK (count >= 0),
        PRIMARY KEY (instance_id, scope, key)
      )`,
      `CREATE TABLE ${names.loginFailures} (
        scope text NOT NULL CHECK (scope IN ('user', 'address')),
        key text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX login_failures_key ON ${names.loginFailures} (scope, key, at)`,
      `CREATE TABLE ${names.bans} (
        address text PRIMARY KEY,
        until timestamptz NOT NULL
      )`,
      `CREATE TABLE ${names.quotaUsage} (
        username text PRIMARY KEY,
        used_bytes bigint NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
        used_files bigint NOT NULL DEFAULT 0 CHECK (used_files >= 0),
        reserved_bytes bigint NOT NULL DEFAULT 0 CHECK (reserved_bytes >= 0),
        reserved_files bigint NOT NULL DEFAULT 0 CHECK (reserved_files >= 0),
        last_grant bigint NOT NULL DEFAULT 0,
        counted boolean NOT NULL DEFAULT false
      )`,
      `CREATE TABLE ${names.quotaReservations} (
        id text PRIMARY KEY,
        instance_id text NOT NULL,
        username text NOT NULL,
        bytes bigint NOT NULL DEFAULT 0,
        files bigint NOT NULL DEFAULT 0,
        committed boolean NOT NULL DEFAULT false,
        dropped boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX quota_reservations_instance ON ${names.quotaReservations} (instance_id) WHERE NOT committed`,
      `CREATE TABLE ${names.uploadLocks} (
        username text NOT NULL,
        path text NOT NULL,
        instance_id text NOT NULL,
        PRIMARY KEY (username, path)
      )`,
    ],
  },
  {
    version: 3,
    name: 'session slots',
    // One row per grant of session slots, with its own id, so that giving it back is exactly once (a retried release
    // finds its row gone and frees nothing). Replaces the per-instance counts of version 2, which the sweep still
    // empties for instances of an older release.
    statements: (names) => [
      `CREATE TABLE ${names.sessionSlots} (
        id text PRIMARY KEY,
        instance_id text NOT NULL,
        scope text NOT NULL,
        key text NOT NULL,
        slots integer NOT NULL CHECK (slots >= 1)
      )`,
      `CREATE INDEX session_slots_instance ON ${names.sessionSlots} (instance_id)`,
    ],
  },
  {
    version: 4,
    name: 'quota folders',
    // The accounts of quota folders, which every user whose tree has the folder shares: the same shape as the users'
    // accounts of version 2, keyed by the folder's name, in tables of their own. A folder and a user of the same name
    // are two accounts, and instances of an older release, which know only the users' tables, keep working on them
    // unchanged (their statements, ON CONFLICT (username) included, and their sweep never see a folder's rows).
    statements: (names) => [
      `CREATE TABLE ${names.quotaFolderUsage} (
        folder text PRIMARY KEY,
        used_bytes bigint NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
        used_files bigint NOT NULL DEFAULT 0 CHECK (used_files >= 0),
        reserved_bytes bigint NOT NULL DEFAULT 0 CHECK (reserved_bytes >= 0),
        reserved_files bigint NOT NULL DEFAULT 0 CHECK (reserved_files >= 0),
        last_grant bigint NOT NULL DEFAULT 0,
        counted boolean NOT NULL DEFAULT false
      )`,
      `CREATE TABLE ${names.quotaFolderReservations} (
        id text PRIMARY KEY,
        instance_id text NOT NULL,
        folder text NOT NULL,
        bytes bigint NOT NULL DEFAULT 0,
        files bigint NOT NULL DEFAULT 0,
        committed boolean NOT NULL DEFAULT false,
        dropped boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX quota_folder_reservations_instance ON ${names.quotaFolderReservations} (instance_id) WHERE NOT committed`,
    ],
  },
];

/** The newest schema version this release knows. */
export const schemaVersion = migrations.at(-1)!.version;

/** What `migrate` did. */
export interface MigrationReport {
  /** The versions this call applied, in order; empty when the schema was already up to date. */
  readonly applied: readonly number[];
}

/** Options of `migrate`. */
export interface MigrateOptions {
  /** The schema of the tables. Default "ftp". */
  readonly schema?: string;
  readonly logger?: PluginLogger;
}

// Advisory locks share one key space per database; the first key names this package ("ftps" in ASCII), the second
// the schema, so instances that migrate different schemas of one database do not wait for each other.
const lockClass = 0x66747073;

/**
 * Brings the schema up to date: creates it and a `schema_migrations` table when missing, then applies each step that
 * table does not list, each in its own transaction together with its row. Instances that start together take turns on
 * a transaction-scoped advisory lock and re-read the table under it, so every step runs once; a crash mid-step rolls
 * it back whole. When nothing is missing it only reads, so a role without CREATE rights can start an instance once
 * the schema exists.
 */
export function migrate(pool: PostgresPool, options: MigrateOptions = {}): Promise<MigrationReport> {
  return migrateUpTo(pool, options, schemaVersion);
}

/**
 * `migrate`, applying the steps up to `lastVersion` only: the schema an earlier release left, for the tests of the
 * steps after it. Not part of the package's surface.
 */
export async function migrateUpTo(pool: PostgresPool, options: MigrateOptions, lastVersion: number): Promise<MigrationReport> {
  const steps = migrations.filter((migration) => migration.version <= lastVersion);
  const names = sqlNames(options.schema);
  const known = await appliedVersions(pool, names);
  const unknown = [...(known ?? [])].filter((version) => version > schemaVersion);
  if (unknown.length > 0) {
    options.logger?.warn({ schema: names.schema, versions: unknown }, 'the users schema has steps from a newer release; running with it');
  }
  if (known !== undefined && steps.every((migration) => known.has(migration.version))) return { applied: [] };

  const connection = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  connection.on('error', onError);
  const applied: number[] = [];
  try {
    await inTransaction(connection, async () => {
      await lock(connection, names);
      const schemaExists = await connection.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [names.schema]);
      if (schemaExists.rowCount === 0) await connection.query(`CREATE SCHEMA ${names.quotedSchema}`);
      await connection.query(
        `CREATE TABLE IF NOT EXISTS ${names.migrations} (
          version integer PRIMARY KEY,
          name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`,
      );
    });
    for (const migration of steps) {
      await inTransaction(connection, async () => {
        await lock(connection, names);
        const done = await connection.query(`SELECT 1 FROM ${names.migrations} WHERE version = $1`, [migration.version]);
        if (done.rowCount !== 0) return;
        for (const statement of migration.statements(names)) await connection.query(statement);
        await connection.query(`INSERT INTO ${names.migrations} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
        applied.push(migration.version);
      });
    }
  } catch (error) {
    broken ??= error as Error;
    throw error;
  } finally {
    connection.off('error', onError);
    // A connection that failed mid-transaction is closed rather than handed to the next user of the pool.
    connection.release(broken);
  }
  if (applied.length > 0) options.logger?.info({ schema: names.schema, applied }, 'users schema migrated');
  return { applied };
}

/**
 * The steps of this release the schema lacks (every one when it has no `schema_migrations` table yet). An instance
 * that does not migrate refuses to start on such a schema: its statements name the tables those steps add.
 */
export async function missingSteps(database: Queryable, schema?: string): Promise<number[]> {
  const known = await appliedVersions(database, sqlNames(schema));
  return migrations.map((migration) => migration.version).filter((version) => known?.has(version) !== true);
}

/** The versions in `schema_migrations`, or undefined when that table does not exist yet. */
async function appliedVersions(database: Queryable, names: SqlNames): Promise<Set<number> | undefined> {
  const table = await database.query('SELECT to_regclass($1) IS NOT NULL AS present', [names.migrations]);
  if (table.rows[0]?.present !== true) return undefined;
  const versions = await database.query(`SELECT version FROM ${names.migrations}`);
  return new Set(versions.rows.map((row: { version: number }) => row.version));
}

async function lock(connection: Queryable, names: SqlNames): Promise<void> {
  await connection.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [lockClass, names.schema]);
}

async function inTransaction(connection: PooledConnection, work: () => Promise<void>): Promise<void> {
  await connection.query('BEGIN');
  try {
    await work();
    await connection.query('COMMIT');
  } catch (error) {
    await connection.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
