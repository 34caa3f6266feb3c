/**
 * What several server instances behind one load balancer must agree on, so that they act as one server: live
 * session counts (per user and per client address), the defender's failed logins and bans, quota usage, and locks
 * on uploads that change a file in place. The server keeps all of it behind this contract; the default
 * implementation holds it in the process's memory (one instance), `@ftp/store-postgres` in a database that every
 * instance shares.
 *
 * Rules every implementation keeps:
 * - A method that reads or takes something (`acquireSession`, `isBanned`, `recordLoginFailure`, `quotaUsage`,
 *   `setQuotaUsage`, `reserveQuota`, `acquireUploadLock`) either answers from the shared store or throws
 *   `SharedStateUnavailableError`; it never answers from a guess. The server fails closed on that error: 421 to a
 *   connection or a login, 451 to an upload.
 * - A method that gives something back or records what already happened (`releaseSession`, `commitQuota`,
 *   `releaseQuota`, `releaseUploadLock`) never rejects: when the store cannot be reached it keeps the call and
 *   applies it once it can, each exactly once, so an outage loses no quota and leaves no slot or lock held.
 * - What an instance holds (session slots, quota reservations, upload locks) is tied to that instance: when it stops
 *   without giving them back (a crash, a lost network), the store drops them after a lease, so the others are not
 *   locked out for good.
 * - Times (ban expiry, failure windows, leases) are the store's own clock, never one instance's.
 */
export interface SharedStateV1 {
  /** Which version of this contract the object implements. */
  readonly specificationVersion: 'v1';
  /** A short name for logs ("memory", "postgres"). */
  readonly name: string;
  /**
   * How many bytes an upload reserves at a time as its data arrives, at least. A store where each reservation costs
   * a round trip sets it large (fewer calls per upload, more held back from parallel uploads until the commit); one
   * in memory leaves it 0, so reservations follow the data exactly. Default 0.
   */
  readonly quotaGrantBytes?: number;
  /**
   * True when the store keeps quota folders' accounts (the `folder` argument of the quota methods) apart from users'
   * accounts. The server refuses the login (421) of a user whose tree has a quota folder (`StorageSessionV1.quotaFolders`)
   * on a store without it, rather than count the folder's files against the wrong limits.
   */
  readonly countsQuotaFolders?: boolean;

  /**
   * Connect (scope `address`, before the greeting) and PASS (scope `user`, once the login is accepted). Takes one
   * live session slot for `key` unless `limit` slots are already taken for it across every instance, atomically:
   * parallel calls on several instances never take more than `limit` together. `limit` undefined means no limit;
   * 0 refuses every call. For scope `address` a banned address (see `recordLoginFailure`) is refused as `banned`
   * and takes no slot. Throws `SharedStateUnavailableError` when the store cannot answer.
   *
   * A store whose calls cost a round trip may take slots in blocks while the count is far from the limit, and serve
   * later calls from them: the slots an instance holds unused then count as taken until it gives them back (at the
   * latest a few seconds after they were last used). Near the limit every slot must be counted alone, so a limit is
   * never passed and only slightly early refused.
   */
  acquireSession(scope: SessionScope, key: string, limit: number | undefined): Promise<SessionAdmission>;

  /**
   * The session that took a slot with `acquireSession(scope, key, …)` ended (QUIT, REIN, a dropped connection, a
   * failed login setup). Gives one slot back. Never rejects (see the rules above).
   */
  releaseSession(scope: SessionScope, key: string): Promise<void>;

  /** Connect. True while `address` is banned. Throws `SharedStateUnavailableError`. */
  isBanned(address: string): Promise<boolean>;

  /**
   * PASS, after a refused login (not for addresses the server's allow list exempts). Records one failure for the
   * address and one for the user name, each kept for `windowMs`, and bans the address for `banMs` when, counting
   * this one, the address has `maxFailuresPerAddress` failures in the window or the user name more than
   * `maxFailuresPerUser`; the address's failures are then forgotten. Returns true when this call banned it. Throws
   * `SharedStateUnavailableError` (the server then closes the connection with 421, as for a ban).
   */
  recordLoginFailure(failure: LoginFailure): Promise<boolean>;

  /**
   * PASS of a user with a quota, SITE QUOTA. The usage last set by `setQuotaUsage` and changed by `commitQuota`
   * since, or undefined when the user's files were never counted. Throws `SharedStateUnavailableError`.
   *
   * Every quota method counts in one account: the user's, or with `folder` (a store with `countsQuotaFolders`) the
   * quota folder of that name, which every user whose tree has it shares; `username` then only says who asks. A
   * folder's account and a user's of the same name are two accounts.
   */
  quotaUsage(username: string, folder?: string): Promise<QuotaUsage | undefined>;

  /**
   * PASS (the first login of a user with a quota whose files were never counted) and SITE QUOTA RESCAN: sets the
   * usage to what the server counted in the storage; reservations of running uploads stay. Throws
   * `SharedStateUnavailableError`.
   */
  setQuotaUsage(username: string, usage: QuotaUsage, folder?: string): Promise<void>;

  /**
   * STOR, STOU, APPE of a user with a quota: before any data moves (with `files` 1 for a new file), then again each
   * time the data passes what was reserved. Adds to the reservation `reservationId` (made by the first call) and
   * answers atomically against the limits, counting the usage and every other reservation on every instance, so
   * parallel uploads never pass a limit together:
   * - `files` is all or nothing: undefined (nothing reserved, not even bytes) when usage plus reserved files plus
   *   `files` would pass `maxFiles`;
   * - of `bytes`, as many as fit under `maxBytes` (all of them without `maxBytes`); the answer is that number, from
   *   0 to `bytes`.
   * Throws `SharedStateUnavailableError`.
   *
   * As with session slots, a store may reserve for an instance a block of the quota (a lease) while the usage is far
   * from the limits, and serve reservations from it; near a limit it must answer exactly as above.
   */
  reserveQuota(request: QuotaReservationRequest): Promise<number | undefined>;

  /**
   * STOR, STOU, APPE once the upload ended (whatever happened to it), with the file's real change of size; DELE
   * and RNTO over a file, with `reservationId` undefined and the removed file's size as a negative change. Applies
   * the change to the usage (never below 0) and ends the reservation, in one step; a second call with the same
   * `reservationId` changes nothing. Never rejects (see the rules above).
   */
  commitQuota(change: QuotaChange): Promise<void>;

  /**
   * An upload refused before it started (a busy lock, a failed data connection): ends the reservation unused, in
   * whichever account it was made. Never rejects.
   */
  releaseQuota(username: string, reservationId: string): Promise<void>;

  /**
   * APPE, and STOR after REST: uploads that change a file in place, which two at once would interleave. Takes the
   * lock of `path` for `username` on every instance; false when anyone holds it (this instance included). Throws
   * `SharedStateUnavailableError`.
   */
  acquireUploadLock(username: string, path: string): Promise<boolean>;

  /** The upload that took the lock ended. Never rejects (see the rules above). */
  releaseUploadLock(username: string, path: string): Promise<void>;

  /**
   * Admin API (optional): the addresses banned now, each with the end of its ban, and the failed logins recorded per
   * address within the last `windowMs`. A store that cannot list them leaves it out. Throws
   * `SharedStateUnavailableError`.
   */
  listDefenderState?(windowMs: number): Promise<DefenderState>;

  /**
   * Admin API (optional): lifts the ban of `address` on every instance and forgets its failed logins; resolves false
   * when it was not banned. Throws `SharedStateUnavailableError`.
   */
  liftBan?(address: string): Promise<boolean>;

  /** Readiness probe (`/readyz`): resolves when the store answers, rejects when it cannot. */
  checkHealth?(): Promise<void>;

  /**
   * Server shutdown, after the last session ended. Applies what is still pending when it can, gives back what this
   * instance holds, and stops timers and connections. Called once.
   */
  close?(): Promise<void>;
}

/** What a session slot is counted by: the logged-in user name, or the client's address. */
export type SessionScope = 'user' | 'address';

/** The answer of `acquireSession`. */
export type SessionAdmission = 'acquired' | 'limit-reached' | 'banned';

/** One refused login and the defender's policy it is judged by. */
export interface LoginFailure {
  readonly address: string;
  readonly username: string;
  readonly maxFailuresPerAddress: number;
  readonly maxFailuresPerUser: number;
  readonly windowMs: number;
  readonly banMs: number;
}

/** The answer of `listDefenderState`. */
export interface DefenderState {
  /** Addresses banned now; `until` is when the ban ends (milliseconds since the epoch, the store's clock). */
  readonly bans: readonly { readonly address: string; readonly until: number }[];
  /** Addresses with failed logins within the window asked for, and how many. */
  readonly failures: readonly { readonly address: string; readonly count: number }[];
}

/** What the files of one account (a user's, or a quota folder's) take. */
export interface QuotaUsage {
  readonly bytes: number;
  readonly files: number;
}

/** The argument of `reserveQuota`. */
export interface QuotaReservationRequest {
  readonly username: string;
  /** Unique per upload; the server makes a random one. */
  readonly reservationId: string;
  /** Bytes wanted now (0 or more). */
  readonly bytes: number;
  /** Files wanted now: 1 for an upload that creates a file, else 0. */
  readonly files: number;
  readonly maxBytes?: number;
  readonly maxFiles?: number;
  /** The quota folder whose account this is, rather than the user's (see `quotaUsage`). */
  readonly folder?: string;
}

/** The argument of `commitQuota`: changes, negative for what was freed. */
export interface QuotaChange {
  readonly username: string;
  /** The upload's reservation, ended by this call; undefined for DELE and RNTO. */
  readonly reservationId?: string;
  readonly bytes: number;
  readonly files: number;
  /** The quota folder whose account changes, rather than the user's (see `quotaUsage`). */
  readonly folder?: string;
}
