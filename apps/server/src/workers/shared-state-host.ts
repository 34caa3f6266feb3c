import { createMemorySharedState } from '@ftp/server';
import type { LoginFailure, QuotaChange, QuotaReservationRequest, QuotaUsage, SessionScope, SharedStateV1 } from '@ftp/plugin-api';
import {
  blockRoomFactor,
  isSharedStateRequest,
  maximumSessionBlock,
  sharedStateReplyTag,
  type MessagePort,
  type SharedStateDescription,
  type SharedStateReply,
  type SessionSlotsGrant,
  type SharedStateRequest,
} from './shared-state-messages.ts';

/** What one worker holds in the primary's state, given back when the worker goes away without doing it. */
interface Holdings {
  /** Session slots by `scope\0key`, with how many. */
  readonly sessions: Map<string, number>;
  /** Of the `address` slots, how many count against the whole server's `maxSessions`. */
  serverSessions: number;
  /** Quota reservations by id, with the user who made them (in their account or a quota folder's). */
  readonly reservations: Map<string, string>;
  readonly uploadLocks: Set<string>;
  /** Set when the worker went away and these were given back: a call answered after it must give back what it took. */
  detached: boolean;
}

export interface SharedStateHostOptions {
  /**
   * The whole server's session limit: every worker's connections together, counted with the `address` slots they
   * take on connect. Undefined: no limit beyond each worker's own.
   */
  readonly maxSessions?: number;
  /** The state kept for the workers. Default: a new in-memory state (`createMemorySharedState`). */
  readonly state?: SharedStateV1;
}

/**
 * The primary's side of the workers' shared state: one in-memory state (every answer comes from this one process, so
 * calls from several workers are atomic by construction) and what each worker holds in it. A worker that exits
 * without giving back its session slots, quota reservations and upload locks (a crash) has them given back by
 * `detach`, so the others are not locked out.
 */
export class SharedStateHost {
  readonly #state: SharedStateV1;
  readonly #maxSessions: number | undefined;
  readonly #holdings = new Map<string, Holdings>();
  readonly #unsubscribes = new Map<string, () => void>();
  #serverSessions = 0;

  constructor(options: SharedStateHostOptions = {}) {
    this.#maxSessions = options.maxSessions;
    this.#state = options.state ?? createMemorySharedState();
  }

  /** Whether the state keeps quota folders' accounts apart from users' (the workers' states declare the same). */
  get countsQuotaFolders(): boolean {
    return this.#state.countsQuotaFolders === true;
  }

  /** Sessions of every worker together. */
  get sessionCount(): number {
    return this.#serverSessions;
  }

  /** Answers the requests of the worker `clientId` arriving on `port`, until `detach(clientId)`. */
  attach(clientId: string, port: MessagePort): void {
    if (this.#holdings.has(clientId)) throw new Error(`shared state client ${clientId} is attached already`);
    this.#holdings.set(clientId, {
      sessions: new Map(),
      serverSessions: 0,
      reservations: new Map(),
      uploadLocks: new Set(),
      detached: false,
    });
    const unsubscribe = port.subscribe((message) => {
      if (!isSharedStateRequest(message)) return;
      void this.#answer(clientId, message).then((reply) =>
        // A worker that went away meanwhile needs no answer; `detach` gives back what the call took.
        port.send(reply, () => undefined),
      );
    });
    this.#unsubscribes.set(clientId, unsubscribe);
  }

  /** The worker `clientId` went away: stops answering it and gives back everything it still holds. */
  detach(clientId: string): void {
    this.#unsubscribes.get(clientId)?.();
    this.#unsubscribes.delete(clientId);
    const holdings = this.#holdings.get(clientId);
    if (holdings === undefined) return;
    this.#holdings.delete(clientId);
    holdings.detached = true;
    for (const [slot, count] of holdings.sessions) {
      const [scope, key] = splitSlot<SessionScope>(slot);
      for (let index = 0; index < count; index++) void this.#state.releaseSession(scope, key);
    }
    this.#serverSessions -= holdings.serverSessions;
    for (const [reservationId, username] of holdings.reservations) void this.#state.releaseQuota(username, reservationId);
    for (const lock of holdings.uploadLocks) {
      const [username, path] = splitSlot(lock);
      void this.#state.releaseUploadLock(username, path);
    }
  }

  async #answer(clientId: string, request: SharedStateRequest): Promise<SharedStateReply> {
    try {
      const value = await this.#run(clientId, request);
      return { tag: sharedStateReplyTag, id: request.id, ok: true, value };
    } catch (error) {
      return { tag: sharedStateReplyTag, id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  async #run(clientId: string, { method, parameters }: SharedStateRequest): Promise<unknown> {
    const holdings = this.#holdings.get(clientId);
    if (holdings === undefined) throw new Error('worker detached');
    const state = this.#state;
    if ((parameters as { folder?: unknown }).folder !== undefined && !this.countsQuotaFolders) {
      // A state without folder accounts would count the folder's files in the user's: refused rather than miscounted.
      throw new Error("the primary's shared state does not count quota folders");
    }
    switch (method) {
      case 'ping':
        return undefined;
      case 'describe':
        return { countsQuotaFolders: this.countsQuotaFolders } satisfies SharedStateDescription;
      case 'acquireSession':
        return this.#acquireSession(holdings, parameters as { scope: SessionScope; key: string; limit?: number });
      case 'acquireSessionSlots':
        return this.#acquireSessionSlots(holdings, parameters as { key: string; limit?: number; slots: number });
      case 'releaseSession':
        return this.#releaseSession(holdings, parameters as { scope: SessionScope; key: string; slots?: number });
      case 'isBanned':
        return state.isBanned((parameters as { address: string }).address);
      case 'recordLoginFailure':
        return state.recordLoginFailure(parameters as unknown as LoginFailure);
      case 'listDefenderState':
        return state.listDefenderState?.((parameters as { windowMs: number }).windowMs);
      case 'liftBan':
        return state.liftBan?.((parameters as { address: string }).address);
      case 'quotaUsage': {
        const { username, folder } = parameters as { username: string; folder?: string };
        return state.quotaUsage(username, folder);
      }
      case 'setQuotaUsage': {
        const { username, usage, folder } = parameters as { username: string; usage: QuotaUsage; folder?: string };
        return state.setQuotaUsage(username, usage, folder);
      }
      case 'reserveQuota': {
        const request = parameters as unknown as QuotaReservationRequest;
        const granted = await state.reserveQuota(request);
        if (granted !== undefined) this.#ownReservation(holdings, request.reservationId, request.username);
        return granted;
      }
      case 'commitQuota': {
        const change = parameters as unknown as QuotaChange;
        if (change.reservationId !== undefined) this.#disownReservation(change.reservationId);
        return state.commitQuota(change);
      }
      case 'releaseQuota': {
        // By id alone: the state ends the reservation in whichever account (the user's or a folder's) it was made.
        const { username, reservationId } = parameters as { username: string; reservationId: string };
        this.#disownReservation(reservationId);
        return state.releaseQuota(username, reservationId);
      }
      case 'acquireUploadLock': {
        const { username, path } = parameters as { username: string; path: string };
        const taken = await state.acquireUploadLock(username, path);
        if (taken) holdings.uploadLocks.add(slotKey(username, path));
        return taken;
      }
      case 'releaseUploadLock': {
        const { username, path } = parameters as { username: string; path: string };
        // Only the holder gives a lock back: a late release from elsewhere must not free another upload's lock.
        if (!holdings.uploadLocks.delete(slotKey(username, path))) return undefined;
        return state.releaseUploadLock(username, path);
      }
      default:
        throw new Error(`unknown shared state method ${String(method)}`);
    }
  }

  async #acquireSession(holdings: Holdings, { scope, key, limit }: { scope: SessionScope; key: string; limit?: number }) {
    const countsForServer = scope === 'address';
    if (countsForServer) {
      if (this.#maxSessions !== undefined && this.#serverSessions >= this.#maxSessions) {
        return (await this.#state.isBanned(key)) ? 'banned' : 'limit-reached';
      }
      // Counted before the answer is awaited, so parallel connections from several workers never pass the limit.
      this.#serverSessions++;
    }
    const admission = await this.#state.acquireSession(scope, key, limit);
    if (admission !== 'acquired' || !this.#isAttached(holdings)) {
      if (countsForServer) this.#serverSessions--;
      if (admission === 'acquired') await this.#state.releaseSession(scope, key);
      return admission;
    }
    const slot = slotKey(scope, key);
    holdings.sessions.set(slot, (holdings.sessions.get(slot) ?? 0) + 1);
    if (countsForServer) holdings.serverSessions++;
    return admission;
  }

  /**
   * A block of a user's session slots for a worker to serve its logins from (see `SessionSlotsGrant`). The block's
   * slots are taken one at a time under a limit lowered by `blockRoomFactor - 1` blocks, so the state's own count
   * decides whether the user is far enough from the limit, whatever store it is.
   */
  async #acquireSessionSlots(
    holdings: Holdings,
    { key, limit, slots }: { key: string; limit?: number; slots: number },
  ): Promise<SessionSlotsGrant> {
    const wanted = Number.isInteger(slots) ? Math.min(Math.max(slots, 1), maximumSessionBlock) : 1;
    if (wanted > 1 && (limit === undefined || limit - (blockRoomFactor - 1) * wanted >= wanted)) {
      const blockLimit = limit === undefined ? undefined : limit - (blockRoomFactor - 1) * wanted;
      let taken = 0;
      while (taken < wanted && (await this.#state.acquireSession('user', key, blockLimit)) === 'acquired') taken++;
      if (taken === wanted && this.#isAttached(holdings)) {
        const slot = slotKey('user', key);
        holdings.sessions.set(slot, (holdings.sessions.get(slot) ?? 0) + wanted);
        return { admission: 'acquired', slots: wanted };
      }
      for (let index = 0; index < taken; index++) await this.#state.releaseSession('user', key);
    }
    const admission = await this.#acquireSession(holdings, { scope: 'user', key, ...(limit === undefined ? {} : { limit }) });
    return { admission, slots: admission === 'acquired' ? 1 : 0 };
  }

  /** False once the worker was detached (its holdings given back) while one of its calls was being answered. */
  #isAttached(holdings: Holdings): boolean {
    return !holdings.detached;
  }

  async #releaseSession(holdings: Holdings, { scope, key, slots }: { scope: SessionScope; key: string; slots?: number }): Promise<void> {
    const slot = slotKey(scope, key);
    const held = holdings.sessions.get(slot);
    // A slot this worker does not hold (given back already) frees nothing: it would be another worker's.
    if (held === undefined) return;
    // Blocks are of user slots only: an address slot is one connection, given back alone.
    const count = scope === 'user' && Number.isInteger(slots) ? Math.min(Math.max(slots ?? 1, 1), held) : 1;
    if (held <= count) holdings.sessions.delete(slot);
    else holdings.sessions.set(slot, held - count);
    if (scope === 'address') {
      holdings.serverSessions--;
      this.#serverSessions--;
    }
    for (let index = 0; index < count; index++) await this.#state.releaseSession(scope, key);
  }

  #ownReservation(holdings: Holdings, reservationId: string, username: string): void {
    for (const other of this.#holdings.values()) if (other !== holdings && other.reservations.has(reservationId)) return;
    holdings.reservations.set(reservationId, username);
  }

  #disownReservation(reservationId: string): void {
    for (const holdings of this.#holdings.values()) if (holdings.reservations.delete(reservationId)) return;
  }
}

function slotKey(first: string, second: string): string {
  return `${first}\0${second}`;
}

function splitSlot<T extends string>(slot: string): [T, string] {
  const separator = slot.indexOf('\0');
  return [slot.slice(0, separator) as T, slot.slice(separator + 1)];
}
