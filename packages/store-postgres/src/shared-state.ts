import { randomUUID } from 'node:crypto';
import {
  type LoginFailure,
  type PluginLogger,
  type QuotaChange,
  type QuotaReservationRequest,
  type QuotaUsage,
  type SessionAdmission,
  type SessionScope,
  SharedStateUnavailableError,
  type SharedStateV1,
  silentLogger,
} from '@ftp/plugin-api';
import { migrate } from './migrations.ts';
import { type CheckedConnectionOptions, checkConnectionOptions, poolFor, wholeNumber } from './options.ts';
import type { PostgresPool, SqlStatement } from './postgres-pool.ts';
import { sharedStateStatements } from './shared-state-statements.ts';
import { sqlNames } from './sql-names.ts';

/** Options of `createPostgresSharedState`. Give `connectionString`, or `pool` to share one (with the authenticator). */
export interface PostgresSharedStateOptions {
  /** `postgres://user:password@host:port/database`; a password left out is read from PGPASSWORD. */
  readonly connectionString?: string;
  /** A pool made by the caller; `close()` then leaves it open. */
  readonly pool?: PostgresPool;
  /** The schema of the tables (the users table's, by default). Default "ftp". */
  readonly schema?: string;
  /** Most connections of its own pool. Default 10. */
  readonly maxConnections?: number;
  /** Deadline for a connection. Default 2,000 ms: a login waits at most this long before it is answered 421. */
  readonly connectTimeoutMs?: number;
  /** Deadline of one query. Default 2,000 ms. */
  readonly queryTimeoutMs?: number;
  /**
   * How long an instance's session slots, quota reservations and upload locks outlive its last heartbeat (sent every
   * third of it): a crashed instance's holdings are dropped after this. Default 30,000 ms.
   */
  readonly leaseMs?: number;
  /**
   * Bytes an upload reserves at once (then as many again as it has, as it grows): more means fewer round trips per
   * upload, and more held back from the user's parallel uploads until the commit. Default 1 MiB.
   */
  readonly quotaGrantBytes?: number;
  /** Bring the schema up to date at start. Default true (see `PostgresAuthenticatorOptions.migrate`). */
  readonly migrate?: boolean;
}

/** The keys a config file may set (`pool` only comes from code). */
export const sharedStateConfigKeys = [
  'connectionString',
  'schema',
  'maxConnections',
  'connectTimeoutMs',
  'queryTimeoutMs',
  'leaseMs',
  'quotaGrantBytes',
  'migrate',
] as const;

/** Where the shared state logs what is not about one session (an outage, a dropped instance). */
export interface PostgresSharedStateEnvironment {
  readonly logger?: PluginLogger;
}

/**
 * The shared state of every server instance on one PostgreSQL database (`SharedStateV1`): session counts per user and
 * per address, failed logins and bans, quota usage and reservations, upload locks, in the tables of the users'
 * schema. Each call is one statement, so one round trip: a login adds one (its session slot), a connection one (ban
 * and address slot together), an upload of a user with a quota two (reserve, commit), plus one per doubling of its
 * reservation past `quotaGrantBytes`.
 *
 * Each instance registers itself and renews its lease with a heartbeat; any instance drops the holdings of one whose
 * lease ran out. While the database is away, acquiring calls throw `SharedStateUnavailableError` (the server answers
 * 421 or 451); releases and commits are kept in order and applied once it is back, each once, so no quota is lost or
 * counted twice.
 */
export async function createPostgresSharedState(
  options: PostgresSharedStateOptions,
  environment: PostgresSharedStateEnvironment = {},
): Promise<SharedStateV1> {
  const settings = checkSharedStateOptions(options);
  const logger = environment.logger ?? silentLogger;
  const { pool, owned: ownsPool } = poolFor(settings, logger);
  const state = new PostgresSharedState(pool, ownsPool, settings, logger);
  try {
    if (settings.migrate) await migrate(pool, { schema: settings.schema, logger });
    await state.start();
  } catch (error) {
    if (ownsPool) await pool.end().catch(() => undefined);
    throw new SharedStateUnavailableError(`cannot open the shared state in schema "${settings.schema}": ${messageOf(error)}`, {
      cause: error,
    });
  }
  return state;
}

interface Settings extends CheckedConnectionOptions {
  readonly leaseMs: number;
  readonly quotaGrantBytes: number;
}

/** The statements run by name (all but the tidying ones, which run together). */
type StatementName = Exclude<keyof ReturnType<typeof sharedStateStatements>, 'tidy'>;

/** A release or commit that could not reach the database yet: applied in order once it can. */
interface Deferred {
  readonly what: string;
  readonly statement: SqlStatement;
}

/** Session slots taken in one statement, recorded in the database under `id`. */
interface SlotGrant {
  readonly id: string;
  readonly slots: number;
}

/** This instance's session slots of one scope and key: the grants it holds, and how many of their slots are in use. */
interface HeldSlots {
  grants: SlotGrant[];
  held: number;
  used: number;
  /** A grant on its way, which other acquirers of the key wait for rather than asking again. */
  granting: Promise<unknown> | undefined;
}

/**
 * Slots taken at once for a user without a session limit, then served from this instance without a round trip: with
 * no limit there is nothing to refuse, and the slots held unused only overstate the count the other instances read
 * (which matters to none of them unless one gives the same user a limit). Keys under a limit, and every address
 * (whose bans the database checks on each connection), take one slot per call, so their limits are counted exactly.
 */
const unlimitedSessionBlock = 16;

class PostgresSharedState implements SharedStateV1 {
  readonly specificationVersion = 'v1';
  readonly name = 'postgres';
  readonly quotaGrantBytes: number;
  readonly #pool: PostgresPool;
  readonly #ownsPool: boolean;
  readonly #settings: Settings;
  readonly #logger: PluginLogger;
  readonly #instanceId = randomUUID();
  readonly #statements: ReturnType<typeof sharedStateStatements>;
  readonly #prefix: string;
  readonly #deferred: Deferred[] = [];
  /** Ids of session grants to give back, in one statement however many there are. */
  readonly #grantsToRelease: string[] = [];
  readonly #slots = new Map<string, HeldSlots>();
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #longestWindowMs = 0;
  #beats = 0;
  /** When this instance's last heartbeat reached the database (performance.now()). */
  #lastHeartbeat = 0;
  #closed = false;

  constructor(pool: PostgresPool, ownsPool: boolean, settings: Settings, logger: PluginLogger) {
    this.#pool = pool;
    this.#ownsPool = ownsPool;
    this.#settings = settings;
    this.#logger = logger;
    this.quotaGrantBytes = settings.quotaGrantBytes;
    this.#statements = sharedStateStatements(sqlNames(settings.schema));
    this.#prefix = `ftp-shared-${settings.schema}`;
  }

  async start(): Promise<void> {
    await this.#pool.query(this.#statement('heartbeat', [this.#instanceId]));
    this.#lastHeartbeat = performance.now();
    const beatMs = Math.max(1, Math.floor(this.#settings.leaseMs / 3));
    this.#timer = setInterval(() => void this.#beat(), beatMs);
    // The heartbeat must not keep a process alive that has nothing else to do.
    this.#timer.unref();
  }

  async acquireSession(scope: SessionScope, key: string, limit: number | undefined): Promise<SessionAdmission> {
    const name = `${scope}\u0000${key}`;
    const inBlocks = limit === undefined && scope === 'user';
    let held = this.#slots.get(name);
    if (inBlocks) {
      while (held?.granting !== undefined) {
        await held.granting.catch(() => undefined);
        held = this.#slots.get(name);
      }
      if (held !== undefined && held.used < held.held) {
        held.used++;
        return 'acquired';
      }
    }
    const grant: SlotGrant = { id: randomUUID(), slots: inBlocks ? unlimitedSessionBlock : 1 };
    const asking = this.#ask('acquireSession', [scope, key, limit ?? null, this.#instanceId, grant.id, grant.slots]);
    if (held === undefined) {
      held = { grants: [], held: 0, used: 0, granting: undefined };
      this.#slots.set(name, held);
    }
    if (inBlocks) held.granting = asking;
    let row: Record<string, unknown>;
    try {
      row = await asking;
    } catch (error) {
      // The grant may have landed and only its answer been lost: giving it back frees it then, and nothing otherwise.
      void this.#releaseGrants([grant.id]);
      throw error;
    } finally {
      if (held.granting === asking) held.granting = undefined;
      this.#forgetIfEmpty(name, held);
    }
    if (row.banned === true) return 'banned';
    if (row.taken !== true) return 'limit-reached';
    held.grants.push(grant);
    held.held += grant.slots;
    held.used++;
    this.#slots.set(name, held);
    return 'acquired';
  }

  /**
   * Frees one slot of this instance's. A single-slot grant goes back to the database at once, so a limit sees it
   * free; a block only once a whole one and as much again are unused (the rest at the next heartbeat).
   */
  releaseSession(scope: SessionScope, key: string): Promise<void> {
    const name = `${scope}\u0000${key}`;
    const held = this.#slots.get(name);
    if (held === undefined || held.used === 0) return Promise.resolve();
    held.used--;
    return this.#releaseGrants(this.#unusedGrants(name, held, false));
  }

  /** Takes off `held` the grants whose slots are unused (when `idle`, every one that fits), and returns their ids. */
  #unusedGrants(name: string, held: HeldSlots, idle: boolean): string[] {
    const ids: string[] = [];
    let unused = held.held - held.used;
    held.grants = held.grants.filter((grant) => {
      const goes = grant.slots <= unused && (idle || grant.slots === 1 || unused >= 2 * grant.slots);
      if (goes) {
        unused -= grant.slots;
        held.held -= grant.slots;
        ids.push(grant.id);
      }
      return !goes;
    });
    this.#forgetIfEmpty(name, held);
    return ids;
  }

  #forgetIfEmpty(name: string, held: HeldSlots): void {
    if (held.held === 0 && held.used === 0 && held.granting === undefined && this.#slots.get(name) === held) this.#slots.delete(name);
  }

  /** Gives session grants back, exactly once each (see `releaseSessions`); never rejects. */
  #releaseGrants(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    this.#grantsToRelease.push(...ids);
    return this.#flush();
  }

  async isBanned(address: string): Promise<boolean> {
    return (await this.#ask('isBanned', [address])).banned === true;
  }

  async recordLoginFailure(failure: LoginFailure): Promise<boolean> {
    this.#longestWindowMs = Math.max(this.#longestWindowMs, failure.windowMs);
    const row = await this.#ask('recordLoginFailure', [
      failure.address,
      failure.username,
      failure.maxFailuresPerAddress,
      failure.maxFailuresPerUser,
      failure.windowMs,
      failure.banMs,
    ]);
    return row.banned === true;
  }

  async quotaUsage(username: string): Promise<QuotaUsage | undefined> {
    const row = await this.#ask('quotaUsage', [username], true);
    return row === undefined ? undefined : { bytes: Number(row.bytes), files: Number(row.files) };
  }

  async setQuotaUsage(username: string, usage: QuotaUsage): Promise<void> {
    await this.#ask('setQuotaUsage', [username, usage.bytes, usage.files], true);
  }

  async reserveQuota(request: QuotaReservationRequest): Promise<number | undefined> {
    const values = [
      request.username,
      request.reservationId,
      request.bytes,
      request.files,
      request.maxBytes ?? null,
      request.maxFiles ?? null,
      this.#instanceId,
    ];
    let row = await this.#ask('reserveQuota', values);
    if (row.known !== true) {
      // The user's row is made once, then the reservation asked again: two round trips, on the first upload only.
      await this.#ask('createQuotaRow', [request.username], true);
      row = await this.#ask('reserveQuota', values);
    }
    return row.granted === null || row.granted === undefined ? undefined : Number(row.granted);
  }

  commitQuota(change: QuotaChange): Promise<void> {
    const statement =
      change.reservationId === undefined
        ? this.#statement('changeUsage', [change.username, change.bytes, change.files])
        : this.#statement('commitReservation', [change.username, change.reservationId, change.bytes, change.files, this.#instanceId]);
    return this.#apply('quota commit', statement);
  }

  releaseQuota(_username: string, reservationId: string): Promise<void> {
    return this.#apply('quota release', this.#statement('releaseReservation', [reservationId]));
  }

  async acquireUploadLock(username: string, path: string): Promise<boolean> {
    try {
      return (await this.#pool.query(this.#statement('acquireUploadLock', [username, path, this.#instanceId]))).rowCount === 1;
    } catch (error) {
      throw this.#unavailable(error);
    }
  }

  releaseUploadLock(username: string, path: string): Promise<void> {
    return this.#apply('upload lock release', this.#statement('releaseUploadLock', [username, path, this.#instanceId]));
  }

  async checkHealth(): Promise<void> {
    await this.#pool.query(this.#statements.health);
    // Whatever waited for the database goes now rather than at the next heartbeat.
    if (this.#deferred.length > 0 || this.#grantsToRelease.length > 0) await this.#flush();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    try {
      await this.#flush();
      // What this instance still holds goes at once rather than after its lease.
      await this.#pool.query(this.#statement('sweep', [this.#settings.leaseMs, this.#instanceId]));
    } catch (error) {
      this.#logger.warn(
        { error: messageOf(error), pending: this.#deferred.length },
        'shared state: closed without reaching PostgreSQL; the other instances drop what this one held after its lease',
      );
    } finally {
      if (this.#ownsPool) await this.#pool.end().catch(() => undefined);
    }
  }

  /** One acquiring statement; its first row (required unless `optional`), or `SharedStateUnavailableError`. */
  async #ask(name: StatementName, values: unknown[], optional = false) {
    if (this.#closed) throw new SharedStateUnavailableError('the shared state is closed');
    let rows: Record<string, unknown>[];
    try {
      rows = (await this.#pool.query(this.#statement(name, values))).rows;
    } catch (error) {
      throw this.#unavailable(error);
    }
    const row = rows[0] as Record<string, unknown> | undefined;
    if (row === undefined && !optional) throw new SharedStateUnavailableError(`the shared state answered no row to ${name}`);
    return row as Record<string, unknown>;
  }

  /**
   * A release or commit: run now, unless earlier ones still wait (order matters: a commit after its own reservation's
   * release must not run first); kept and retried when the database does not answer. Never rejects.
   */
  async #apply(what: string, statement: SqlStatement): Promise<void> {
    this.#deferred.push({ what, statement });
    await this.#flush();
  }

  /**
   * Applies the kept releases and commits in order, the session grants to give back together in one statement;
   * stops at the first the database does not take. What arrives meanwhile goes in the next round.
   */
  #flush(): Promise<void> {
    this.#flushing ??= (async () => {
      try {
        while (this.#deferred.length > 0 || this.#grantsToRelease.length > 0) {
          const grants = this.#grantsToRelease.length;
          const next: Deferred =
            grants > 0
              ? { what: 'session release', statement: this.#statement('releaseSessions', [this.#grantsToRelease.slice()]) }
              : this.#deferred[0]!;
          try {
            await this.#pool.query(next.statement);
          } catch (error) {
            const pending = this.#deferred.length + this.#grantsToRelease.length;
            if (pending === 1 || this.#beats % 12 === 0) {
              this.#logger.warn(
                { error: messageOf(error), pending, what: next.what },
                'shared state: PostgreSQL did not take a release or commit; kept until it does',
              );
            }
            return;
          }
          if (grants > 0) this.#grantsToRelease.splice(0, grants);
          else this.#deferred.shift();
        }
      } finally {
        this.#flushing = undefined;
      }
    })();
    return this.#flushing;
  }

  /** Renews this instance's lease, drops instances whose lease ran out, applies what waited, and now and then tidies. */
  async #beat(): Promise<void> {
    this.#beats++;
    try {
      await this.#pool.query(this.#statement('heartbeat', [this.#instanceId]));
      // After this instance itself could not reach the database for a lease, the others likely could not either: an
      // outage is not a crash, so they get a lease to send their heartbeat before any is dropped.
      const reachedAll = performance.now() - this.#lastHeartbeat < this.#settings.leaseMs;
      this.#lastHeartbeat = performance.now();
      if (reachedAll) {
        const swept = await this.#pool.query(this.#statement('sweep', [this.#settings.leaseMs, null]));
        const dropped = Number(swept.rows[0]?.instances ?? 0);
        if (dropped > 0) this.#logger.warn({ instances: dropped }, 'shared state: dropped what instances without a heartbeat held');
      }
      for (const [name, held] of this.#slots) void this.#releaseGrants(this.#unusedGrants(name, held, true));
      if (this.#deferred.length > 0 || this.#grantsToRelease.length > 0) await this.#flush();
      if (this.#beats % 10 === 0) {
        for (const text of this.#statements.tidy) {
          await this.#pool.query(text.includes('$1') ? { text, values: [Math.max(this.#longestWindowMs, 86_400_000)] } : text);
        }
      }
    } catch (error) {
      this.#logger.warn({ error: messageOf(error) }, 'shared state: heartbeat failed; PostgreSQL is not answering');
    }
  }

  #statement(name: StatementName, values: unknown[]): SqlStatement {
    // Named, so each connection prepares a statement once and then only binds and runs it.
    return { name: `${this.#prefix}-${name}`, text: this.#statements[name], values };
  }

  #unavailable(error: unknown): SharedStateUnavailableError {
    if (SharedStateUnavailableError.isInstance(error)) return error;
    return new SharedStateUnavailableError(`PostgreSQL did not answer: ${messageOf(error)}`, { cause: error });
  }
}

function checkSharedStateOptions(options: PostgresSharedStateOptions): Settings {
  return {
    // A login waits at most the connection deadline before it is answered 421: shorter than the authenticator's.
    ...checkConnectionOptions(options, sharedStateConfigKeys, 2_000),
    leaseMs: wholeNumber(options.leaseMs, 'leaseMs', 30_000, 30, 3_600_000),
    quotaGrantBytes: wholeNumber(options.quotaGrantBytes, 'quotaGrantBytes', 1_048_576, 0, 2 ** 40),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
