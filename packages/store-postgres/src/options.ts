import { InvalidOptionError } from '@ftp/plugin-api';
import type { PostgresPool } from './postgres-pool.ts';
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

/** The options after checking, with defaults filled in. */
export interface CheckedAuthenticatorOptions {
  readonly connectionString: string | undefined;
  readonly pool: PostgresPool | undefined;
  readonly schema: string;
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly revalidateIntervalMs: number;
  readonly migrate: boolean;
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

const optionKeys: readonly string[] = [...configKeys, 'pool'];

/** Checks the options; throws `InvalidOptionError` naming the key and the fault. Unknown keys are refused. */
export function checkAuthenticatorOptions(options: PostgresAuthenticatorOptions): CheckedAuthenticatorOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('connectionString', 'is required');
  const unknownKey = Object.keys(options).find((key) => !optionKeys.includes(key));
  if (unknownKey !== undefined) throw new InvalidOptionError(unknownKey, `unknown option (known: ${configKeys.join(', ')})`);
  const { connectionString, pool } = options;
  if (pool !== undefined && connectionString !== undefined)
    throw new InvalidOptionError('pool', 'give "connectionString" or "pool", not both');
  if (pool === undefined) checkConnectionString(connectionString);
  else if (typeof pool !== 'object' || pool === null || typeof pool.query !== 'function' || typeof pool.connect !== 'function') {
    throw new InvalidOptionError('pool', 'must be a node-postgres Pool');
  }
  if (options.migrate !== undefined && typeof options.migrate !== 'boolean')
    throw new InvalidOptionError('migrate', 'must be true or false');
  return {
    connectionString,
    pool,
    schema: sqlNames(options.schema ?? defaultSchema).schema,
    maxConnections: wholeNumber(options.maxConnections, 'maxConnections', 10, 1, 1_000),
    connectTimeoutMs: wholeNumber(options.connectTimeoutMs, 'connectTimeoutMs', 5_000, 1, 600_000),
    queryTimeoutMs: wholeNumber(options.queryTimeoutMs, 'queryTimeoutMs', 5_000, 1, 600_000),
    revalidateIntervalMs: wholeNumber(options.revalidateIntervalMs, 'revalidateIntervalMs', 60_000, 1, 86_400_000),
    migrate: options.migrate ?? true,
  };
}

function checkConnectionString(value: unknown): asserts value is string {
  if (value === undefined) throw new InvalidOptionError('connectionString', 'is required (postgres://user@host:5432/database)');
  // Never repeat the value: it usually carries the database password.
  if (typeof value !== 'string' || !/^postgres(ql)?:\/\/./.test(value)) {
    throw new InvalidOptionError('connectionString', 'must be a URL that starts with postgres:// or postgresql://');
  }
}

function wholeNumber(value: unknown, option: string, fallback: number, minimum: number, maximum: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new InvalidOptionError(option, `must be a whole number from ${minimum} to ${maximum}`);
  }
  return value;
}
