import { InvalidOptionError, type PluginLogger } from '@ftp/plugin-api';
import { createPostgresPool, type PostgresPool } from './postgres-pool.ts';
import { defaultSchema, sqlNames } from './sql-names.ts';

/** Options of `createPostgresAuthenticator`. Give `connectionString`, or `pool` to share one with other code. */
export interface PostgresAuthenticatorOptions {
  /**
   * `postgres://user:password@host:port/database`, with node-postgres's query parameters (`sslmode=verify-full`,
   * `sslrootcert=…`). A password left out is read from the PGPASSWORD environment variable.
   */
  readonly connectionString?: string;
  /** A pool made by the caller (`createPostgresPool`, or node-postgres's `Pool`); `close()` then leaves it open. */
  readonly pool?: PostgresPool;
  /** The schema that holds the tables, created when missing. Default "ftp". */
  readonly schema?: string;
  /** Most connections of the authenticator's own pool. Default 10. */
  readonly maxConnections?: number;
  /** Deadline for a connection (opening one, or waiting for a free one). Default 5,000 ms. */
  readonly connectTimeoutMs?: number;
  /** Deadline of one query. Default 5,000 ms. */
  readonly queryTimeoutMs?: number;
  /** A session's row is read again once this long has passed since its last check. Default 60,000 ms. */
  readonly revalidateIntervalMs?: number;
  /**
   * Bring the schema up to date at start. Default true. Set false when the schema is managed by a deploy step (see
   * `migrate`), so the server can run as a role without CREATE rights; logins then answer 421 until the tables exist.
   */
  readonly migrate?: boolean;
}

/** What the authenticator's and the shared state's options have in common, after checking, with defaults filled in. */
export interface CheckedConnectionOptions {
  readonly connectionString: string | undefined;
  readonly pool: PostgresPool | undefined;
  readonly schema: string;
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly migrate: boolean;
}

/** The authenticator's options after checking, with defaults filled in. */
export interface CheckedAuthenticatorOptions extends CheckedConnectionOptions {
  readonly revalidateIntervalMs: number;
}

/** The keys a config file may set (`pool` only comes from code). */
export const configKeys = [
  'connectionString',
  'schema',
  'maxConnections',
  'connectTimeoutMs',
  'queryTimeoutMs',
  'revalidateIntervalMs',
  'migrate',
] as const;

/** Checks the options; throws `InvalidOptionError` naming the key and the fault. Unknown keys are refused. */
export function checkAuthenticatorOptions(options: PostgresAuthenticatorOptions): CheckedAuthenticatorOptions {
  return {
    ...checkConnectionOptions(options, configKeys, 5_000),
    revalidateIntervalMs: wholeNumber(options.revalidateIntervalMs, 'revalidateIntervalMs', 60_000, 1, 86_400_000),
  };
}

/**
 * Checks the options the authenticator and the shared state share (`connectionString` or `pool`, `schema`, the
 * limits of their own pool, `migrate`), with `defaultTimeoutMs` for both deadlines. Refuses a key that is neither
 * one of `configKeys` nor `pool`; throws `InvalidOptionError` naming the key and the fault.
 */
export function checkConnectionOptions(
  options: Omit<PostgresAuthenticatorOptions, 'revalidateIntervalMs'>,
  configKeys: readonly string[],
  defaultTimeoutMs: number,
): CheckedConnectionOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('connectionString', 'is required');
  refuseUnknownKeys(options, [...configKeys, 'pool'], configKeys);
  const { connectionString, pool, schema, maxConnections, connectTimeoutMs, queryTimeoutMs, migrate } = options;
  if (pool !== undefined && connectionString !== undefined)
    throw new InvalidOptionError('pool', 'give "connectionString" or "pool", not both');
  if (pool === undefined) checkConnectionString(connectionString);
  else if (typeof pool !== 'object' || pool === null || typeof pool.query !== 'function' || typeof pool.connect !== 'function') {
    throw new InvalidOptionError('pool', 'must be a node-postgres Pool');
  }
  if (migrate !== undefined && typeof migrate !== 'boolean') throw new InvalidOptionError('migrate', 'must be true or false');
  return {
    connectionString,
    pool,
    schema: sqlNames(schema ?? defaultSchema).schema,
    maxConnections: wholeNumber(maxConnections, 'maxConnections', 10, 1, 1_000),
    connectTimeoutMs: wholeNumber(connectTimeoutMs, 'connectTimeoutMs', defaultTimeoutMs, 1, 600_000),
    queryTimeoutMs: wholeNumber(queryTimeoutMs, 'queryTimeoutMs', defaultTimeoutMs, 1, 600_000),
    migrate: migrate ?? true,
  };
}

/** Throws `InvalidOptionError` for the first key of `options` that `known` lacks, naming the keys a config file may set. */
export function refuseUnknownKeys(options: object, known: readonly string[], configKeys: readonly string[] = known): void {
  const unknownKey = Object.keys(options).find((key) => !known.includes(key));
  if (unknownKey !== undefined) throw new InvalidOptionError(unknownKey, `unknown option (known: ${configKeys.join(', ')})`);
}

/** The pool the options name: the caller's (`owned` false: closing leaves it open), or a new one of their limits. */
export function poolFor(options: CheckedConnectionOptions, logger: PluginLogger): { readonly pool: PostgresPool; readonly owned: boolean } {
  if (options.pool !== undefined) return { pool: options.pool, owned: false };
  const pool = createPostgresPool({
    connectionString: options.connectionString!,
    maxConnections: options.maxConnections,
    connectTimeoutMs: options.connectTimeoutMs,
    queryTimeoutMs: options.queryTimeoutMs,
    logger,
  });
  return { pool, owned: true };
}

function checkConnectionString(value: unknown): asserts value is string {
  if (value === undefined) throw new InvalidOptionError('connectionString', 'is required (postgres://user@host:5432/database)');
  // Never repeat the value: it usually carries the database password.
  if (typeof value !== 'string' || !/^postgres(ql)?:\/\/./.test(value)) {
    throw new InvalidOptionError('connectionString', 'must be a URL that starts with postgres:// or postgresql://');
  }
}

/** `value`, or `fallback` when it is undefined; throws `InvalidOptionError` unless it is a whole number in range. */
export function wholeNumber(value: unknown, option: string, fallback: number, minimum: number, maximum: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new InvalidOptionError(option, `must be a whole number from ${minimum} to ${maximum}`);
  }
  return value;
}
