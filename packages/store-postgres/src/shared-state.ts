import { randomUUID } from 'node:crypto';
import {
  type DefenderState,
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
import { migrate, missingSteps } from './migrations.ts';
import { type CheckedConnectionOptions, checkConnectionOptions, poolFor, wholeNumber } from './options.ts';
import type { PooledConnection, PostgresPool, SqlResult, SqlStatement } from './postgres-pool.ts';
import {
  leaseRoomFactor,
  type QuotaAccountKind,
  type QuotaStatementName,
  quotaAccountStatements,
  sharedStateStatements,
} from './shared-state-statements.ts';
import { sqlNames } from './sql-names.ts';

/** Options of `createPostgresSharedState`. Give `connectionString`, or `pool` to share one (with the authenticator). */
export interface PostgresSharedStateOptions {
  /** `postgres://user:password@host:port/database`; a password left out is read from PGPASSWORD. */
  readonly connectionString?: string;
  /**
   * A pool made by the caller; `close()` then leaves it open. One of its connections stays with the shared state (it
   * listens for bans on it) until `close()`, so end the pool after that.
   */
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
 * schema. Each call that must answer from the database is one statement, so one round trip, and what can wait does:
 * - a connection takes its address slot and checks the ban in one round trip; a login of a user under a session
 *   limit one more, of a user without one none most of the time (slots are taken in blocks);
 * - an upload of a user far from the quota's limits reserves from this instance's lease of the quota (a round trip
 *   per block of many uploads), and what ended uploads stored is settled in batches a few milliseconds later; near a
 *   limit each upload reserves and commits exactly, as before;
 * - releases (sessions, locks) are sent after the client was answered, the slots of many sessions in one statement.
 *
 * Each instance registers itself and renews its lease with a heartbeat; any instance drops the holdings of one whose
 * lease ran out. While the database is away, acquiring calls throw `SharedStateUnavailableError` (the server answers
 * 421 or 451); releases, commits and settlements are kept in order and applied once it is back, each once (each
 * carries an id the database records), so no quota is lost or counted twice.
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
    else {
      // Without the tables of a missing step, the sweep of dead instances and the release of a reservation would fail
      // on every call, and the releases and commits queued after one would never apply.
      const missing = await missingSteps(pool, settings.schema);
      if (missing.length > 0) {
        throw new Error(`the schema lacks version ${missing.join(', ')} of this release: run migrate, or start with "migrate" on`);
      }
    }
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

/**
 * The account a quota call counts in: a user's own, or a quota folder's, which every user whose tree has the folder
 * shares (see `SharedStateV1.quotaUsage`). The two kinds live in tables of their own, so a folder and a user of the
 * same name are two accounts.
 */
interface QuotaAccount {
  readonly kind: QuotaAccountKind;
  readonly name: string;
}

function quotaAccount(username: string, folder: string | undefined): QuotaAccount {
  return folder === undefined ? { kind: 'user', name: username } : { kind: 'folder', name: folder };
}

/** A release or commit that could not reach the database yet: applied in order once it can. */
interface Deferred {
  readonly what: string;
  readonly statement: SqlStatement;
  /** Called with the rows once the database took it. */
  readonly applied?: (rows: Record<string, unknown>[]) => void;
}

/**
 * A block of one account's quota (a user's or a quota folder's) that this instance reserved in the database (a
 * reservation of its own, `id`, dropped by a sweep like any other if the instance dies) and serves uploads from
 * without a round trip. What the uploads stored is applied to the usage and taken off the lease together, a few
 * milliseconds later, in one statement for all of them (`settleLease`); until then the lease still reserves it, so
 * the other instances see the account's files as reserved, never as free.
 */
interface QuotaLease {
  readonly key: string;
  readonly account: QuotaAccount;
  readonly maxBytes: number | null;
  readonly maxFiles: number | null;
  readonly id: string;
  /** What the lease holds in the database once the settlements on their way have landed. */
  bytes: number;
  files: number;
  /** Reserved by the running uploads served from it. */
  drawnBytes: number;
  drawnFiles: number;
  uploads: number;
  /** The usage change of ended uploads, and what of it they stored out of the lease, not yet settled. */
  changeBytes: number;
  changeFiles: number;
  storedBytes: number;
  storedFiles: number;
  settledUploads: string[];
  /** A limit came near: no more uploads are served from it, and it ends once the last one has. */
  closing: boolean;
  extending: Promise<unknown> | undefined;
}

/** An upload this instance reserved for: from a lease, exactly in the database, or both (it grew past the lease). */
interface UploadReservation {
  readonly lease: QuotaLease | undefined;
  leaseBytes: number;
  leaseFiles: number;
  exact: boolean;
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
  /** The highest limit the unused slots were counted under (Infinity: none); a call under a lower one asks afresh. */
  countedUnder: number;
}

/**
 * Session slots taken at once for a key far from its limit (or without one), then served from this instance without
 * a round trip. Near the limit (less than `leaseRoomFactor` blocks left) every slot is taken alone, so the limit is
 * counted exactly there; what blocks hold unused goes back once a whole block and as much again are unused, and all
 * of it at the next heartbeat. An address takes blocks only while the instance watches bans (see `#watchBans`).
 */
const sessionBlock = 16;

/**
 * What a quota lease asks for at a time, beyond the upload that asks: enough for many small uploads per round trip.
 * Leases exist only far from a limit (see `leaseRoomFactor`).
 */
const leaseBlockFiles = 64;
const leaseBlockGrants = 64;
/** How long ended uploads of a lease wait to be settled together. */
const settleDelayMs = 20;

class PostgresSharedState implements SharedStateV1 {
  readonly specificationVersion = 'v1';
  readonly name = 'postgres';
  readonly quotaGrantBytes: number;
  readonly countsQuotaFolders = true;
  readonly #pool: PostgresPool;
  readonly #ownsPool: boolean;
  readonly #settings: Settings;
  readonly #logger: PluginLogger;
  readonly #instanceId = randomUUID();
  readonly #statements: ReturnType<typeof sharedStateStatements>;
  readonly #quotaStatements: ReturnType<typeof quotaAccountStatements>;
  readonly #prefix: string;
  readonly #deferred: Deferred[] = [];
  /** Ids of session grants to give back, in one statement however many there are. */
  readonly #grantsToRelease: string[] = [];
  readonly #slots = new Map<string, HeldSlots>();
  /** Session keys found near their limit, and until when (performance.now()) they take one slot at a time. */
  readonly #sessionsNearLimitUntil = new Map<string, number>();
  /** The connection that LISTENs for bans, while it does and was last found alive; undefined otherwise. */
  #banWatch: PooledConnection | undefined;
  #banWatchStarting: Promise<void> | undefined;
  /** The bans in force as announced (address to performance.now() expiry); only read while `#banWatch` is set. */
  readonly #bans = new Map<string, number>();
  readonly #banChannel: string;
  /** The open quota leases, by account and limits. */
  readonly #leases = new Map<string, QuotaLease>();
  /** Leases that stopped serving uploads and end once their last one has. */
  readonly #closing = new Set<QuotaLease>();
  /** Accounts and limits found near a limit, and until when (performance.now()) their uploads reserve exactly. */
  readonly #nearLimitUntil = new Map<string, number>();
  readonly #uploads = new Map<string, UploadReservation>();
  /** Uploads served from a lease whose commit is not settled yet: a second commit of one changes nothing. */
  readonly #endedUploads = new Set<string>();
  #settleTimer: NodeJS.Timeout | undefined;
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
    const names = sqlNames(settings.schema);
    this.#statements = sharedStateStatements(names);
    this.#quotaStatements = quotaAccountStatements(names);
    this.#prefix = `ftp-shared-${settings.schema}`;
    // A channel name is an identifier: 63 bytes at most (the schema is a plain identifier, so it needs no escaping).
    this.#banChannel = `ftp_bans_${settings.schema}`.slice(0, 63);
  }

  async start(): Promise<void> {
    await this.#pool.query(this.#statement('heartbeat', [this.#instanceId]));
    this.#lastHeartbeat = performance.now();
    await this.#watchBans();
    const beatMs = Math.max(1, Math.floor(this.#settings.leaseMs / 3));
    this.#timer = setInterval(() => void this.#beat(), beatMs);
    // The heartbeat must not keep a process alive that has nothing else to do.
    this.#timer.unref();
  }

  async acquireSession(scope: SessionScope, key: string, limit: number | undefined): Promise<SessionAdmission> {
    const name = `${scope}\u0000${key}`;
    // A slot served from a block passes no ban check in the database: an address takes blocks only while this
    // instance learns of every ban as it is made.
    const inBlocks = (scope === 'user' || this.#banWatch !== undefined) && this.#roomForBlocks(name, limit);
    let held = this.#slots.get(name);
    if (inBlocks) {
      while (held?.granting !== undefined) {
        await held.granting.catch(() => undefined);
        held = this.#slots.get(name);
      }
      if (held !== undefined && held.used < held.held) {
        if ((limit ?? Number.POSITIVE_INFINITY) >= held.countedUnder) {
          if (scope === 'address' && this.#bannedHere(key)) return 'banned';
          held.used++;
          return 'acquired';
        }
        // Counted under a higher limit than this call's (a lowered limit): serving from them could pass the lower
        // one, so they go back, and this call is counted afresh.
        void this.#releaseGrants(this.#unusedGrants(name, held, true));
        held = this.#slots.get(name);
      }
    }
    const grant: SlotGrant = { id: randomUUID(), slots: inBlocks ? sessionBlock : 1 };
    const asking = this.#ask('acquireSession', [scope, key, limit ?? null, this.#instanceId, grant.id, grant.slots]);
    if (held === undefined) {
      held = { grants: [], held: 0, used: 0, granting: undefined, countedUnder: 0 };
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
    if (row.taken !== true) {
      if (grant.slots === 1 || limit === undefined) return 'limit-reached';
      // A block did not fit: the key is near its limit, so its slots are taken one at a time for a heartbeat's time,
      // and what this instance holds unused goes back now, for the others to take.
      this.#sessionsNearLimitUntil.set(name, performance.now() + this.#settings.leaseMs / 3);
      await this.#releaseGrants(this.#unusedGrants(name, held, true));
      return this.acquireSession(scope, key, limit);
    }
    const countedUnder = limit ?? Number.POSITIVE_INFINITY;
    held.countedUnder = held.held === held.used ? countedUnder : Math.max(held.countedUnder, countedUnder);
    held.grants.push(grant);
    held.held += grant.slots;
    held.used++;
    this.#slots.set(name, held);
    return 'acquired';
  }

  /** Whether slots of `name` may be taken in blocks under `limit`: none, or one far enough (see `sessionBlock`). */
  #roomForBlocks(name: string, limit: number | undefined): boolean {
    if (limit === undefined) return true;
    if (limit < leaseRoomFactor * sessionBlock) return false;
    return !stillBefore(this.#sessionsNearLimitUntil, name);
  }

  #bannedHere(address: string): boolean {
    return stillBefore(this.#bans, address);
  }

  /**
   * Listens for the bans every instance announces as it makes them (NOTIFY on the schema's channel), after reading
   * the bans in force, on a connection of its own. While it listens, connections from an address can be admitted from
   * this instance's blocks of slots with the ban checked here: a ban reaches every listening instance as its
   * transaction commits, so one made on another instance holds here from then on, bar the moment a notification is in
   * flight. When the connection breaks, or fails the check each heartbeat makes on it, the bans known here are
   * forgotten and every connection is checked by the database again until it listens anew.
   */
  #watchBans(): Promise<void> {
    if (this.#banWatch !== undefined || this.#closed) return Promise.resolve();
    this.#banWatchStarting ??= (async () => {
      let connection: PooledConnection | undefined;
      const onNotification = (message: { channel: string; payload?: string }) => {
        if (message.channel === this.#banChannel && message.payload !== undefined) this.#noteBan(message.payload);
      };
      const onError = (error: Error) => this.#stopWatchingBans(connection, error);
      try {
        connection = await this.#pool.connect();
        connection.on('error', onError);
        connection.on('notification', onNotification);
        await connection.query(`LISTEN "${this.#banChannel}"`);
        const active = await connection.query(this.#statements.activeBans);
        for (const row of active.rows) this.#holdBan(String(row.address), Number(row.remaining));
        if (this.#closed) throw new Error('closed');
        this.#banWatch = connection;
      } catch (error) {
        if (connection !== undefined) {
          connection.off('error', onError);
          connection.off('notification', onNotification);
          connection.release(error instanceof Error ? error : true);
        }
        this.#bans.clear();
        if (!this.#closed)
          this.#logger.warn({ error: messageOf(error) }, 'shared state: cannot listen for bans; every connection is checked by PostgreSQL');
      } finally {
        this.#banWatchStarting = undefined;
      }
    })();
    return this.#banWatchStarting;
  }

  #stopWatchingBans(connection: PooledConnection | undefined, error?: Error): void {
    if (connection === undefined || this.#banWatch !== connection) return;
    this.#banWatch = undefined;
    this.#bans.clear();
    // A listening connection never goes back to the pool: it is closed.
    connection.release(error ?? true);
    if (error !== undefined)
      this.#logger.warn({ error: error.message }, 'shared state: stopped listening for bans; every connection is checked by PostgreSQL');
  }

  /** A ban announced by `recordLoginFailure` on any instance ("<ms> <address>"), or lifted by `liftBan` ("lift <address>"). */
  #noteBan(payload: string): void {
    if (payload.startsWith('lift ')) {
      this.#bans.delete(payload.slice(5));
      return;
    }
    const space = payload.indexOf(' ');
    const ms = Number(payload.slice(0, space));
    if (space > 0 && Number.isFinite(ms)) this.#holdBan(payload.slice(space + 1), ms);
  }

  #holdBan(address: string, remainingMs: number): void {
    const until = performance.now() + remainingMs;
    if (until > (this.#bans.get(address) ?? 0)) this.#bans.set(address, until);
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
      this.#banChannel,
    ]);
    // This instance's own announcement may come after the next connection from the address.
    if (row.banned === true) this.#holdBan(failure.address, failure.banMs);
    return row.banned === true;
  }

  async listDefenderState(windowMs: number): Promise<DefenderState> {
    if (this.#closed) throw new SharedStateUnavailableError('the shared state is closed');
    let bans: Record<string, unknown>[];
    let failures: Record<string, unknown>[];
    try {
      [bans, failures] = await Promise.all([
        this.#query(this.#statement('defenderBans', [])).then((result) => result.rows),
        this.#query(this.#statement('defenderFailures', [windowMs])).then((result) => result.rows),
      ]);
    } catch (error) {
      throw this.#unavailable(error);
    }
    return {
      bans: bans.map((row) => ({ address: String(row.address), until: Number(row.until) })),
      failures: failures.map((row) => ({ address: String(row.address), count: Number(row.count) })),
    };
  }

  async liftBan(address: string): Promise<boolean> {
    const row = await this.#ask('liftBan', [address, this.#banChannel]);
    // This instance's own announcement may come after the next connection from the address.
    this.#bans.delete(address);
    return row.lifted === true;
  }

  async quotaUsage(username: string, folder?: string): Promise<QuotaUsage | undefined> {
    // What this instance's uploads stored counts once settled: settle it first.
    await this.#settle(false);
    const account = quotaAccount(username, folder);
    const row = await this.#askQuota(account, 'quotaUsage', [account.name], true);
    return row === undefined ? undefined : { bytes: Number(row.bytes), files: Number(row.files) };
  }

  async setQuotaUsage(username: string, usage: QuotaUsage, folder?: string): Promise<void> {
    // The count includes the files of ended uploads: their change must land before it, not after.
    await this.#settle(false);
    const account = quotaAccount(username, folder);
    await this.#askQuota(account, 'setQuotaUsage', [account.name, usage.bytes, usage.files], true);
  }

  /**
   * From the account's lease when it has room (no round trip), else by asking for more lease (a round trip now and
   * then), else, near a limit, exactly in the database as the contract describes.
   */
  async reserveQuota(request: QuotaReservationRequest): Promise<number | undefined> {
    if (this.#closed) throw new SharedStateUnavailableError('the shared state is closed');
    const known = this.#uploads.get(request.reservationId);
    const lease = known === undefined ? this.#leaseFor(request) : known.exact ? undefined : known.lease;
    if (lease !== undefined) {
      if (await this.#drawFromLease(lease, request.bytes, request.files)) {
        if (known === undefined) {
          lease.uploads++;
          this.#uploads.set(request.reservationId, { lease, leaseBytes: request.bytes, leaseFiles: request.files, exact: false });
        } else {
          known.leaseBytes += request.bytes;
          known.leaseFiles += request.files;
        }
        return request.bytes;
      }
    }
    const granted = await this.#reserveExactly(request);
    if (granted !== undefined) {
      if (known === undefined) this.#uploads.set(request.reservationId, { lease: undefined, leaseBytes: 0, leaseFiles: 0, exact: true });
      else known.exact = true;
    }
    return granted;
  }

  async #reserveExactly(request: QuotaReservationRequest): Promise<number | undefined> {
    const account = quotaAccount(request.username, request.folder);
    const values = [
      account.name,
      request.reservationId,
      request.bytes,
      request.files,
      request.maxBytes ?? null,
      request.maxFiles ?? null,
      this.#instanceId,
    ];
    let row = await this.#askQuota(account, 'reserveQuota', values);
    if (row.known !== true) {
      // The account's row is made once, then the reservation asked again: two round trips, on the first upload only.
      await this.#askQuota(account, 'createQuotaRow', [account.name], true);
      row = await this.#askQuota(account, 'reserveQuota', values);
    }
    return row.granted === null || row.granted === undefined ? undefined : Number(row.granted);
  }

  /**
   * The account's open lease under these limits (one per set of limits, so a changed limit never uses an older lease);
   * none for a while after the account was found near a limit.
   */
  #leaseFor(request: QuotaReservationRequest): QuotaLease | undefined {
    const maxBytes = request.maxBytes ?? null;
    const maxFiles = request.maxFiles ?? null;
    const account = quotaAccount(request.username, request.folder);
    const key = `${account.kind}\u0000${account.name}\u0000${maxBytes}\u0000${maxFiles}`;
    if (stillBefore(this.#nearLimitUntil, key)) return undefined;
    let lease = this.#leases.get(key);
    if (lease === undefined) {
      lease = {
        key,
        account,
        maxBytes,
        maxFiles,
        id: randomUUID(),
        bytes: 0,
        files: 0,
        drawnBytes: 0,
        drawnFiles: 0,
        uploads: 0,
        changeBytes: 0,
        changeFiles: 0,
        storedBytes: 0,
        storedFiles: 0,
        settledUploads: [],
        closing: false,
        extending: undefined,
      };
      this.#leases.set(key, lease);
    }
    return lease;
  }

  /** Takes `bytes` and `files` from the lease, asking the database for more of it when short; false when it cannot. */
  async #drawFromLease(lease: QuotaLease, bytes: number, files: number): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      // A lease is only as good as this instance's own lease in the database: after a heartbeat that is late, the
      // others may have dropped it.
      if (lease.closing || performance.now() - this.#lastHeartbeat > this.#settings.leaseMs / 2) return false;
      const freeBytes = lease.bytes - lease.drawnBytes - lease.storedBytes;
      const freeFiles = lease.files - lease.drawnFiles - lease.storedFiles;
      if (freeBytes >= bytes && freeFiles >= files) {
        lease.drawnBytes += bytes;
        lease.drawnFiles += files;
        // Half a block left: more is asked for now, while uploads still draw, so that none waits for it.
        if (lease.extending === undefined && (freeBytes - bytes < this.#leaseBlockBytes / 2 || freeFiles - files < leaseBlockFiles / 2)) {
          void this.#startExtending(lease, 0, 0).catch(() => undefined);
        }
        return true;
      }
      if (!(await (lease.extending ?? this.#startExtending(lease, bytes, files)))) return false;
    }
    return false;
  }

  /** What a lease asks for at a time beyond the upload that asks, in bytes. */
  get #leaseBlockBytes(): number {
    return Math.max(this.quotaGrantBytes, 65_536) * leaseBlockGrants;
  }

  /** One extension of the lease at a time; the others wait for it. */
  #startExtending(lease: QuotaLease, bytes: number, files: number): Promise<boolean> {
    const extending = this.#extendLease(lease, bytes, files).finally(() => {
      if (lease.extending === extending) lease.extending = undefined;
    });
    lease.extending = extending;
    return extending;
  }

  /** Asks the database for a block more of the lease (all or nothing); false near a limit or when the lease ended. */
  async #extendLease(lease: QuotaLease, bytes: number, files: number): Promise<boolean> {
    const values = [
      lease.account.name,
      lease.id,
      bytes + this.#leaseBlockBytes,
      files + leaseBlockFiles,
      lease.maxBytes,
      lease.maxFiles,
      this.#instanceId,
    ];
    let row = await this.#askQuota(lease.account, 'extendLease', values);
    if (row.known !== true) {
      await this.#askQuota(lease.account, 'createQuotaRow', [lease.account.name], true);
      row = await this.#askQuota(lease.account, 'extendLease', values);
    }
    if (row.granted !== true) {
      // Near a limit, or the lease ended: uploads reserve exactly for a heartbeat's time, then a lease is tried again.
      this.#closeLease(lease, true);
      return false;
    }
    lease.bytes += values[2] as number;
    lease.files += values[3] as number;
    return true;
  }

  /** No more uploads from the lease; it ends with the settlement after its last upload. */
  #closeLease(lease: QuotaLease, nearLimit = false): void {
    if (nearLimit) this.#nearLimitUntil.set(lease.key, performance.now() + this.#settings.leaseMs / 3);
    lease.closing = true;
    this.#closing.add(lease);
    if (this.#leases.get(lease.key) === lease) this.#leases.delete(lease.key);
    if (lease.uploads === 0) this.#settleSoon();
  }

  commitQuota(change: QuotaChange): Promise<void> {
    const account = quotaAccount(change.username, change.folder);
    if (change.reservationId === undefined) {
      return this.#apply('quota commit', this.#quotaStatement(account, 'changeUsage', [account.name, change.bytes, change.files]));
    }
    // A second commit of an upload served from a lease, before its settlement landed: nothing to do. After, the
    // settlement has recorded the upload as ended, and `commitReservation` changes nothing either.
    if (this.#endedUploads.has(change.reservationId)) return Promise.resolve();
    const upload = this.#endUpload(change.reservationId);
    const lease = upload?.lease;
    if (upload === undefined || upload.exact || lease === undefined) {
      return this.#apply(
        'quota commit',
        this.#quotaStatement(account, 'commitReservation', [
          account.name,
          change.reservationId,
          change.bytes,
          change.files,
          this.#instanceId,
        ]),
      );
    }
    lease.changeBytes += change.bytes;
    lease.changeFiles += change.files;
    // What the upload stored stays reserved by the lease until the settlement moves it to the usage.
    lease.storedBytes += Math.max(0, change.bytes);
    lease.storedFiles += Math.max(0, change.files);
    lease.settledUploads.push(change.reservationId);
    this.#endedUploads.add(change.reservationId);
    this.#settleSoon();
    return Promise.resolve();
  }

  releaseQuota(_username: string, reservationId: string): Promise<void> {
    const upload = this.#endUpload(reservationId);
    if (upload !== undefined && !upload.exact) return Promise.resolve();
    // The reservation is ended in whichever account it was made, found by its id.
    return this.#apply('quota release', this.#statement('releaseReservation', [reservationId]));
  }

  /** Forgets a running upload; what it drew from a lease is free there again. */
  #endUpload(reservationId: string): UploadReservation | undefined {
    const upload = this.#uploads.get(reservationId);
    if (upload === undefined) return undefined;
    this.#uploads.delete(reservationId);
    const lease = upload.lease;
    if (lease !== undefined) {
      lease.drawnBytes -= upload.leaseBytes;
      lease.drawnFiles -= upload.leaseFiles;
      lease.uploads--;
      if (lease.closing && lease.uploads === 0) this.#settleSoon();
    }
    return upload;
  }

  #settleSoon(): void {
    if (this.#settleTimer !== undefined || this.#closed) return;
    this.#settleTimer = setTimeout(() => {
      this.#settleTimer = undefined;
      void this.#settle(false);
    }, settleDelayMs);
  }

  /**
   * Settles every lease with ended uploads, and ends those that are closing (or, when `idle`, unused) once no upload
   * runs from them: queued in order with the other releases and commits, each with its own id, so an outage keeps
   * them and a retry applies each once.
   */
  async #settle(idle: boolean): Promise<void> {
    if (this.#settleTimer !== undefined) {
      clearTimeout(this.#settleTimer);
      this.#settleTimer = undefined;
    }
    const leases = [...this.#leases.values(), ...this.#closing];
    for (const lease of leases) {
      const ends = (lease.closing || idle) && lease.uploads === 0 && lease.extending === undefined;
      if (lease.settledUploads.length === 0 && !ends) continue;
      const uploads = lease.settledUploads;
      const statement = this.#quotaStatement(lease.account, 'settleLease', [
        lease.account.name,
        randomUUID(),
        lease.id,
        lease.changeBytes,
        lease.changeFiles,
        lease.storedBytes,
        lease.storedFiles,
        ends,
        this.#instanceId,
        uploads,
      ]);
      lease.bytes -= lease.storedBytes;
      lease.files -= lease.storedFiles;
      lease.changeBytes = lease.changeFiles = lease.storedBytes = lease.storedFiles = 0;
      lease.settledUploads = [];
      if (ends) {
        lease.closing = true;
        this.#closing.delete(lease);
        if (this.#leases.get(lease.key) === lease) this.#leases.delete(lease.key);
      }
      this.#deferred.push({
        what: 'quota settlement',
        statement,
        applied: (rows) => {
          for (const upload of uploads) this.#endedUploads.delete(upload);
          const row = rows[0];
          // A limit came near: the lease goes once its uploads have ended, and uploads reserve exactly.
          if (row !== undefined && !lease.closing && this.#nearLimit(lease, Number(row.bytes), Number(row.files))) {
            this.#closeLease(lease, true);
          }
        },
      });
    }
    await this.#flush();
  }

  #nearLimit(lease: QuotaLease, takenBytes: number, takenFiles: number): boolean {
    const block = this.#leaseBlockBytes;
    return (
      (lease.maxBytes !== null && lease.maxBytes - takenBytes < leaseRoomFactor * block) ||
      (lease.maxFiles !== null && lease.maxFiles - takenFiles < leaseRoomFactor * leaseBlockFiles)
    );
  }

  async acquireUploadLock(username: string, path: string): Promise<boolean> {
    try {
      return (await this.#query(this.#statement('acquireUploadLock', [username, path, this.#instanceId]))).rowCount === 1;
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
    await this.#banWatchStarting;
    this.#stopWatchingBans(this.#banWatch);
    try {
      await this.#settle(true);
      // What this instance still holds goes at once rather than after its lease.
      await this.#query(this.#statement('sweep', [this.#settings.leaseMs, this.#instanceId]));
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
  #ask(name: StatementName, values: unknown[], optional = false) {
    return this.#askStatement(name, this.#statement(name, values), optional);
  }

  /** One acquiring quota statement in `account`, as `#ask`. */
  #askQuota(account: QuotaAccount, name: QuotaStatementName, values: unknown[], optional = false) {
    return this.#askStatement(name, this.#quotaStatement(account, name, values), optional);
  }

  async #askStatement(name: string, statement: SqlStatement, optional: boolean) {
    if (this.#closed) throw new SharedStateUnavailableError('the shared state is closed');
    let rows: Record<string, unknown>[];
    try {
      rows = (await this.#query(statement)).rows;
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
    if (this.#flushing === undefined) {
      if (this.#deferred.length === 0 && this.#grantsToRelease.length === 0) return Promise.resolve();
      // Cleared in a later turn than it is set, whatever the queue holds.
      this.#flushing = this.#drain().finally(() => {
        this.#flushing = undefined;
      });
    }
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (this.#deferred.length > 0 || this.#grantsToRelease.length > 0) {
      const grants = this.#grantsToRelease.length;
      const next: Deferred =
        grants > 0
          ? { what: 'session release', statement: this.#statement('releaseSessions', [this.#grantsToRelease.slice()]) }
          : this.#deferred[0]!;
      let rows: Record<string, unknown>[];
      try {
        rows = (await this.#query(next.statement)).rows;
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
      else this.#deferred.shift()?.applied?.(rows);
    }
  }

  /** Renews this instance's lease, drops instances whose lease ran out, applies what waited, and now and then tidies. */
  async #beat(): Promise<void> {
    this.#beats++;
    try {
      const beat = await this.#query(this.#statement('heartbeat', [this.#instanceId]));
      if (beat.rows[0]?.registered === true) this.#forgetHoldings();
      // After this instance itself could not reach the database for a lease, the others likely could not either: an
      // outage is not a crash, so they get a lease to send their heartbeat before any is dropped.
      const reachedAll = performance.now() - this.#lastHeartbeat < this.#settings.leaseMs;
      this.#lastHeartbeat = performance.now();
      if (reachedAll) {
        const swept = await this.#query(this.#statement('sweep', [this.#settings.leaseMs, null]));
        const dropped = Number(swept.rows[0]?.instances ?? 0);
        if (dropped > 0) this.#logger.warn({ instances: dropped }, 'shared state: dropped what instances without a heartbeat held');
      }
      for (const [name, held] of this.#slots) void this.#releaseGrants(this.#unusedGrants(name, held, true));
      // Settles the leases and ends the idle ones, and applies what waited.
      await this.#settle(true);
      await this.#checkBanWatch();
      if (this.#beats % 10 === 0) {
        for (const text of this.#statements.tidy) {
          await this.#query(text.includes('$1') ? { text, values: [Math.max(this.#longestWindowMs, 86_400_000)] } : text);
        }
      }
    } catch (error) {
      this.#logger.warn({ error: messageOf(error) }, 'shared state: heartbeat failed; PostgreSQL is not answering');
    }
  }

  /** The ban watch answers (a connection that went silent would miss bans), or it starts again. */
  async #checkBanWatch(): Promise<void> {
    const watch = this.#banWatch;
    if (watch === undefined) {
      await this.#watchBans();
      return;
    }
    try {
      await watch.query('SELECT 1');
    } catch (error) {
      this.#stopWatchingBans(watch, error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Another instance swept this one (its heartbeats stopped reaching the database for a lease): its session slots,
   * leases and reservations there are gone. Serving anything more from them would pass limits the database no longer
   * counts them in, so they are forgotten here too; the uploads still running from them settle their usage alone.
   */
  #forgetHoldings(): void {
    this.#logger.warn({}, 'shared state: this instance was dropped by another after missing heartbeats; what it held is forgotten');
    this.#slots.clear();
    for (const lease of this.#leases.values()) this.#closeLease(lease);
  }

  /**
   * Runs one statement; again, up to `conflictAttempts` times in all, when PostgreSQL aborted it as the victim of a
   * deadlock or a serialisation failure. Each statement is a transaction of its own, rolled back whole then, so
   * running it again applies it once. The statements keep one lock order (see shared-state-statements.ts), but an
   * instance of an earlier release, or an operator's transaction, may not: an upload or a login is not refused, and a
   * release not held back to the next heartbeat, for a conflict a second try resolves.
   */
  async #query(statement: SqlStatement | string): Promise<SqlResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#pool.query(statement);
      } catch (error) {
        if (attempt >= conflictAttempts || !abortedForConflict(error)) throw error;
      }
    }
  }

  #statement(name: StatementName, values: unknown[]): SqlStatement {
    // Named, so each connection prepares a statement once and then only binds and runs it.
    return { name: `${this.#prefix}-${name}`, text: this.#statements[name], values };
  }

  /** A quota statement of the account's kind, named apart from the other kind's (a name is one prepared text). */
  #quotaStatement(account: QuotaAccount, name: QuotaStatementName, values: unknown[]): SqlStatement {
    return { name: `${this.#prefix}-${account.kind}-${name}`, text: this.#quotaStatements[account.kind][name], values };
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

/** How many times a statement PostgreSQL aborted for a conflict with another transaction is run in all. */
const conflictAttempts = 3;

/** PostgreSQL aborted the statement for a conflict with another transaction: a deadlock (40P01) or serialisation (40001). */
function abortedForConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** Whether the time (performance.now()) `untilByKey` holds for `key` is still ahead; one that has passed is dropped. */
function stillBefore(untilByKey: Map<string, number>, key: string): boolean {
  const until = untilByKey.get(key);
  if (until === undefined) return false;
  if (performance.now() < until) return true;
  untilByKey.delete(key);
  return false;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
