import { timingSafeEqual } from 'node:crypto';
import {
  AuthenticationUnavailableError,
  type AuthenticationRequest,
  type AuthenticationResult,
  type AuthenticatorV1,
  type PluginContext,
  type PluginLogger,
  type SessionRevalidation,
  silentLogger,
} from '@ftp/plugin-api';
import { createHashThreads } from './hash-threads.ts';
import { migrate } from './migrations.ts';
import { type PostgresAuthenticatorOptions, checkAuthenticatorOptions, poolFor } from './options.ts';
import { createDummyHash, parseStoredPasswordHash, type StoredPasswordHash, verifyStoredPassword } from './password-verification.ts';
import { sqlNames } from './sql-names.ts';
import { createPostgresUserStore } from './user-admin.ts';
import { type LoginRow, loginStatement, profileFromRow, revalidationStatement } from './user-row.ts';

/** Where the authenticator logs what is not about one session (a broken idle connection, migrations). */
export interface PostgresAuthenticatorEnvironment {
  readonly logger?: PluginLogger;
}

/**
 * Authenticates against a users table in PostgreSQL ("postgres"), so that every server instance on the same database
 * sees the same users: a row added, changed or disabled takes effect at that user's next login on every instance,
 * without a restart, and a session of a user who was disabled, removed, expired or given a new password ends at its
 * next re-validation.
 *
 * Each login is one query (the user's row, permissions included) and one password verification. An unknown user name
 * is verified against a dummy scrypt hash of the default cost, so a login costs about the same whether or not the
 * user exists. When PostgreSQL cannot answer, logins throw `AuthenticationUnavailableError` (421, not 530) and
 * `checkHealth` rejects; the pool reconnects by itself when the database is back.
 *
 * Resolves once the schema is up to date (see `migrate`); rejects, and releases the pool, when it cannot be, so a
 * server never starts with a users table it cannot read.
 */
export async function createPostgresAuthenticator(
  options: PostgresAuthenticatorOptions,
  environment: PostgresAuthenticatorEnvironment = {},
): Promise<AuthenticatorV1> {
  const settings = checkAuthenticatorOptions(options);
  const logger = environment.logger ?? silentLogger;
  const names = sqlNames(settings.schema);
  const { pool, owned: ownsPool } = poolFor(settings, logger);
  if (settings.migrate) {
    try {
      await migrate(pool, { schema: names.schema, logger });
    } catch (error) {
      if (ownsPool) await pool.end().catch(() => undefined);
      throw new AuthenticationUnavailableError(`cannot bring the users schema "${names.schema}" up to date: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }

  const threads = createHashThreads();
  const dummyHash = createDummyHash();
  // Prepared once per connection under a name of its own; the schema is part of the text, so part of the name too.
  const login = { name: `ftp-store-postgres-login-${names.schema}`, text: loginStatement(names) };
  const recheck = { name: `ftp-store-postgres-revalidate-${names.schema}`, text: revalidationStatement(names) };
  let closed = false;

  function unavailable(error: unknown, context: PluginContext, what: string): AuthenticationUnavailableError {
    context.logger.warn({ error: messageOf(error) }, `PostgreSQL did not answer the ${what}`);
    return new AuthenticationUnavailableError(`the users database did not answer the ${what}`, { cause: error });
  }

  function revalidation(username: string, passwordHash: string): SessionRevalidation {
    return {
      intervalMs: settings.revalidateIntervalMs,
      async check(context) {
        let row: { password_hash: string; active: boolean } | undefined;
        try {
          row = (await pool.query({ ...recheck, values: [username] })).rows[0];
        } catch (error) {
          throw unavailable(error, context, 're-validation');
        }
        const reason =
          row === undefined
            ? 'user removed'
            : !row.active
              ? 'user disabled or expired'
              : !sameText(row.password_hash, passwordHash)
                ? 'password changed'
                : undefined;
        if (reason !== undefined) context.logger.info({ username, reason }, 'session ended by re-validation');
        return reason === undefined;
      },
    };
  }

  return Object.freeze({
    specificationVersion: 'v1' as const,
    name: 'postgres',
    async authenticate(request: AuthenticationRequest, context: PluginContext): Promise<AuthenticationResult> {
      const { username, password } = request;
      let row: LoginRow | undefined;
      // A text value cannot hold NUL, and no row has an empty name: neither is worth a query that must fail.
      if (username !== '' && !username.includes('\0')) {
        try {
          row = (await pool.query({ ...login, values: [username] })).rows[0];
        } catch (error) {
          throw unavailable(error, context, 'login');
        }
      }
      let stored: StoredPasswordHash = dummyHash;
      let hashProblem: string | undefined;
      if (row !== undefined) {
        try {
          stored = parseStoredPasswordHash(row.password_hash);
        } catch (error) {
          hashProblem = messageOf(error);
        }
      }
      let matches: boolean;
      try {
        matches = await verifyStoredPassword(password, stored, threads);
      } catch (error) {
        context.logger.error({ error: messageOf(error) }, 'password verification failed');
        throw new AuthenticationUnavailableError('password verification failed', { cause: error });
      }
      if (row === undefined) return { outcome: 'rejected', reason: 'unknown user' };
      if (hashProblem !== undefined) {
        context.logger.warn({ username, problem: hashProblem }, 'the password hash in the users table is not usable; login refused');
        return { outcome: 'rejected', reason: 'unusable password hash' };
      }
      if (!matches) return { outcome: 'rejected', reason: 'wrong password' };
      if (!row.enabled) return { outcome: 'rejected', reason: 'user disabled' };
      if (row.expired) return { outcome: 'rejected', reason: 'user expired' };
      let profile: ReturnType<typeof profileFromRow>;
      try {
        profile = profileFromRow(row, username);
      } catch (error) {
        context.logger.warn({ username, problem: messageOf(error) }, 'the users row is not valid; login refused');
        return { outcome: 'rejected', reason: 'invalid users row' };
      }
      return { outcome: 'accepted', user: { ...profile, username }, revalidation: revalidation(username, row.password_hash) };
    },
    // `ftp-server users` and the admin API: the same table, through the same pool.
    users: createPostgresUserStore(pool, { schema: names.schema }),
    async checkHealth(): Promise<void> {
      // Reads the table itself (no rows), so a missing schema or a revoked grant fails the probe too.
      await pool.query(`SELECT 1 FROM ${names.users} LIMIT 0`);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await threads.close();
      if (ownsPool) await pool.end();
    },
  });
}

function sameText(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
