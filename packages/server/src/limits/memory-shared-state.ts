import type {
  DefenderState,
  LoginFailure,
  QuotaChange,
  QuotaReservationRequest,
  QuotaUsage,
  SessionAdmission,
  SessionScope,
  SharedStateV1,
} from '@ftp/plugin-api';

/** Failures kept per key, oldest first; pruned to the window on every use. */
type FailureLog = Map<string, number[]>;

interface QuotaEntry {
  bytes: number;
  files: number;
  reservedBytes: number;
  reservedFiles: number;
  counted: boolean;
}

interface Reservation {
  /** The account it was made in. */
  readonly entry: QuotaEntry;
  bytes: number;
  files: number;
}

const acquired: Promise<SessionAdmission> = Promise.resolve('acquired');
const limitReached: Promise<SessionAdmission> = Promise.resolve('limit-reached');
const banned: Promise<SessionAdmission> = Promise.resolve('banned');
const yes = Promise.resolve(true);
const no = Promise.resolve(false);
const done = Promise.resolve();

/**
 * The shared state of one server process, in its memory: the default when no other is configured. Every answer is
 * already settled (no I/O), and nothing is shared with another process: behind a load balancer, use a store every
 * instance reaches (`@ftp/store-postgres`).
 */
export function createMemorySharedState(): SharedStateV1 {
  return new MemorySharedState();
}

/**
 * Exported for `ServerLimits` alone: besides the contract, it answers session slots synchronously (`takeSession`,
 * `giveBackSession`), so the default server admits and ends a connection without a promise.
 */
export class MemorySharedState implements SharedStateV1 {
  readonly specificationVersion = 'v1';
  readonly name = 'memory';
  readonly quotaGrantBytes = 0;
  readonly countsQuotaFolders = true;
  readonly #sessions = { user: new Map<string, number>(), address: new Map<string, number>() };
  readonly #failuresByAddress: FailureLog = new Map();
  readonly #failuresByUser: FailureLog = new Map();
  readonly #bans = new Map<string, number>();
  readonly #quotas = new Map<string, QuotaEntry>();
  readonly #folderQuotas = new Map<string, QuotaEntry>();
  readonly #reservations = new Map<string, Reservation>();
  readonly #uploadLocks = new Set<string>();

  acquireSession(scope: SessionScope, key: string, limit: number | undefined): Promise<SessionAdmission> {
    const admission = this.takeSession(scope, key, limit);
    return admission === 'acquired' ? acquired : admission === 'banned' ? banned : limitReached;
  }

  releaseSession(scope: SessionScope, key: string): Promise<void> {
    this.giveBackSession(scope, key);
    return done;
  }

  /** `acquireSession`, answered at once. */
  takeSession(scope: SessionScope, key: string, limit: number | undefined): SessionAdmission {
    if (scope === 'address' && this.#isBanned(key)) return 'banned';
    const counts = this.#sessions[scope];
    const taken = counts.get(key) ?? 0;
    if (limit !== undefined && taken >= limit) return 'limit-reached';
    counts.set(key, taken + 1);
    return 'acquired';
  }

  /** `releaseSession`, done at once. */
  giveBackSession(scope: SessionScope, key: string): void {
    const counts = this.#sessions[scope];
    const taken = counts.get(key);
    if (taken === undefined) return;
    if (taken <= 1) counts.delete(key);
    else counts.set(key, taken - 1);
  }

  isBanned(address: string): Promise<boolean> {
    return this.#isBanned(address) ? yes : no;
  }

  recordLoginFailure(failure: LoginFailure): Promise<boolean> {
    const now = Date.now();
    const fromAddress = record(this.#failuresByAddress, failure.address, now, failure.windowMs);
    const forUser = record(this.#failuresByUser, failure.username, now, failure.windowMs);
    if (fromAddress < failure.maxFailuresPerAddress && forUser <= failure.maxFailuresPerUser) return no;
    this.#bans.set(failure.address, now + failure.banMs);
    this.#failuresByAddress.delete(failure.address);
    return yes;
  }

  quotaUsage(username: string, folder?: string): Promise<QuotaUsage | undefined> {
    const entry = folder === undefined ? this.#quotas.get(username) : this.#folderQuotas.get(folder);
    return Promise.resolve(entry?.counted === true ? { bytes: entry.bytes, files: entry.files } : undefined);
  }

  setQuotaUsage(username: string, usage: QuotaUsage, folder?: string): Promise<void> {
    const entry = this.#quota(username, folder);
    entry.bytes = usage.bytes;
    entry.files = usage.files;
    entry.counted = true;
    return done;
  }

  reserveQuota(request: QuotaReservationRequest): Promise<number | undefined> {
    const entry = this.#quota(request.username, request.folder);
    if (request.maxFiles !== undefined && request.files > 0 && entry.files + entry.reservedFiles + request.files > request.maxFiles) {
      return Promise.resolve(undefined);
    }
    const room = request.maxBytes === undefined ? request.bytes : Math.max(0, request.maxBytes - entry.bytes - entry.reservedBytes);
    const granted = Math.min(request.bytes, room);
    let reservation = this.#reservations.get(request.reservationId);
    if (reservation === undefined) {
      reservation = { entry, bytes: 0, files: 0 };
      this.#reservations.set(request.reservationId, reservation);
    }
    reservation.bytes += granted;
    reservation.files += request.files;
    entry.reservedBytes += granted;
    entry.reservedFiles += request.files;
    return Promise.resolve(granted);
  }

  commitQuota(change: QuotaChange): Promise<void> {
    if (change.reservationId !== undefined) {
      // Unknown: committed (or released) before; a second commit changes nothing.
      if (!this.#endReservation(change.reservationId)) return done;
    }
    const entry = this.#quota(change.username, change.folder);
    entry.bytes = Math.max(0, entry.bytes + change.bytes);
    entry.files = Math.max(0, entry.files + change.files);
    return done;
  }

  releaseQuota(_username: string, reservationId: string): Promise<void> {
    this.#endReservation(reservationId);
    return done;
  }

  acquireUploadLock(username: string, path: string): Promise<boolean> {
    const key = `${username}\0${path}`;
    if (this.#uploadLocks.has(key)) return no;
    this.#uploadLocks.add(key);
    return yes;
  }

  releaseUploadLock(username: string, path: string): Promise<void> {
    this.#uploadLocks.delete(`${username}\0${path}`);
    return done;
  }

  listDefenderState(windowMs: number): Promise<DefenderState> {
    const now = Date.now();
    const bans = [...this.#bans].filter(([address]) => this.#isBanned(address)).map(([address, until]) => ({ address, until }));
    const failures = [...this.#failuresByAddress]
      .map(([address, times]) => ({ address, count: times.filter((time) => now - time < windowMs).length }))
      .filter((entry) => entry.count > 0);
    return Promise.resolve({ bans, failures });
  }

  liftBan(address: string): Promise<boolean> {
    const wasBanned = this.#isBanned(address);
    this.#bans.delete(address);
    this.#failuresByAddress.delete(address);
    return wasBanned ? yes : no;
  }

  #isBanned(address: string): boolean {
    if (this.#bans.size === 0) return false;
    const until = this.#bans.get(address);
    if (until === undefined) return false;
    if (Date.now() < until) return true;
    this.#bans.delete(address);
    return false;
  }

  #quota(username: string, folder: string | undefined): QuotaEntry {
    const accounts = folder === undefined ? this.#quotas : this.#folderQuotas;
    const key = folder ?? username;
    let entry = accounts.get(key);
    if (entry === undefined) {
      entry = { bytes: 0, files: 0, reservedBytes: 0, reservedFiles: 0, counted: false };
      accounts.set(key, entry);
    }
    return entry;
  }

  #endReservation(reservationId: string): boolean {
    const reservation = this.#reservations.get(reservationId);
    if (reservation === undefined) return false;
    this.#reservations.delete(reservationId);
    const { entry } = reservation;
    entry.reservedBytes = Math.max(0, entry.reservedBytes - reservation.bytes);
    entry.reservedFiles = Math.max(0, entry.reservedFiles - reservation.files);
    return true;
  }
}

function record(log: FailureLog, key: string, now: number, windowMs: number): number {
  const recent = (log.get(key) ?? []).filter((time) => now - time < windowMs);
  recent.push(now);
  log.set(key, recent);
  // Bound memory: forget keys whose failures all left the window once the map grows large.
  if (log.size > 10_000) for (const [other, times] of log) if (times.every((time) => now - time >= windowMs)) log.delete(other);
  return recent.length;
}
