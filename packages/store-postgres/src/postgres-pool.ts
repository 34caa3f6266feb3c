import type { PluginLogger } from '@ftp/plugin-api';
import pg from 'pg';

/** A statement with its parameters; with `name`, each connection prepares it once and then only binds and runs it. */
export interface SqlStatement {
  readonly text: string;
  readonly values?: unknown[];
  readonly name?: string;
}

/** What a query answers: node-postgres's result, reduced to the fields this package reads. */
export interface SqlResult {
  // biome-ignore lint/suspicious/noExplicitAny: rows are typed by the query that asked for them
  readonly rows: any[];
  readonly rowCount: number | null;
}

/** Anything that runs a statement: a node-postgres `Pool`, `PoolClient` or `Client`. */
export interface Queryable {
  query(statement: string | SqlStatement, values?: unknown[]): Promise<SqlResult>;
}

/** One connection taken from a pool, as node-postgres's `PoolClient`. */
export interface PooledConnection extends Queryable {
  /**
   * `error` (an `Error`): the connection broke; `notification` (`{ channel, payload }`): a NOTIFY on a channel it
   * LISTENs to.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the argument's type depends on the event, as node-postgres declares it
  on(event: 'error' | 'notification', listener: (argument: any) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: as for `on`
  off(event: 'error' | 'notification', listener: (argument: any) => void): unknown;
  /** Back to the pool; pass the error to close a connection that broke instead. */
  release(error?: Error | boolean): void;
}

/** A node-postgres `Pool` (or anything that behaves like one). Declared here so these types need no `@types/pg`. */
export interface PostgresPool extends Queryable {
  connect(): Promise<PooledConnection>;
  end(): Promise<void>;
}

/** Options of `createPostgresPool`. */
export interface PostgresPoolOptions {
  /** `postgres://user:password@host:port/database?sslmode=verify-full`; a password left out is read from PGPASSWORD. */
  readonly connectionString: string;
  /** Most connections at once. Default 10. */
  readonly maxConnections?: number;
  /** Deadline for opening a connection, or for waiting for a free one. Default 5,000 ms. */
  readonly connectTimeoutMs?: number;
  /** Deadline of one query, from sending it to its last row; a connection that misses it is closed. Default 5,000 ms. */
  readonly queryTimeoutMs?: number;
  /** Where a connection that breaks while idle is reported; never with the connection string. */
  readonly logger?: PluginLogger;
}

/**
 * A node-postgres pool with this package's defaults. A connection that breaks while idle in the pool (the server
 * restarted, a proxy dropped it) is logged and replaced on the next query: without the pool's `error` listener,
 * node-postgres would raise it as an uncaught exception and end the process.
 */
export function createPostgresPool(options: PostgresPoolOptions): PostgresPool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    query_timeout: options.queryTimeoutMs ?? 5_000,
    idleTimeoutMillis: 60_000,
    keepAlive: true,
    application_name: 'ftp-server',
  });
  pool.on('error', (error) => {
    options.logger?.warn({ error: error.message }, 'a pooled PostgreSQL connection broke while idle; the next query opens a new one');
  });
  return pool;
}
