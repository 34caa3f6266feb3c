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
import { SharedStateUnavailableError } from '@ftp/plugin-api';
import {
  blockRoomFactor,
  isSharedStateReply,
  sharedStateReplyTag,
  sharedStateRequestTag,
  type MessagePort,
  type SharedStateDescription,
  type SharedStateMethod,
  type SessionSlotsGrant,
  type SharedStateReply,
} from './shared-state-messages.ts';

export interface IpcSharedStateOptions {
  /** A call the primary has not answered within this time rejects with `SharedStateUnavailableError`. Default 5000. */
  readonly requestTimeoutMs?: number;
}

/**
 * A user's session slots taken at once while the user is far from the limit (or has none), then served without a
 * round trip to the primary. Near the limit every slot is taken alone and given back at once, so the limit is counted
 * exactly there; unused slots of a block go back once a whole block and as much again are unused, those that stayed
 * unused for `idleReturnMs` then (however busy the user is on this worker), and all of them at `close`.
 */
const sessionBlock = 16;
/** Every this often, the slots a worker held unused all the time since the last time go back. */
const idleReturnMs = 2_000;
/** How long a user found near the limit has every slot counted alone. */
const nearLimitMs = 2_000;

/** The session slots of one user this worker holds in the primary's state. */
interface HeldSlots {
  /** Slots the primary counts for this worker. */
  held: number;
  /** Of them, the ones sessions use. */
  used: number;
  /** Requests on their way: the entry stays while any is, so every login of the user counts in this one. */
  asking: number;
  /** A block on its way, which other logins of the user wait for rather than asking again. */
  granting: Promise<unknown> | undefined;
  /** The fewest of them unused since the last sweep (see `idleReturnMs`): that many stayed unused all along. */
  unusedFloor: number;
  /** The limit the last login was counted against. */
  limit: number | undefined;
  /** The highest limit the unused slots were counted under (Infinity: none); a login under a lower one asks afresh. */
  countedUnder: number;
}

interface Pending {
  readonly resolve: (reply: SharedStateReply) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A worker's shared state: every call is answered by the primary (`SharedStateHost`), which keeps one state for all
 * the workers of this machine, so their session counts, bans, quotas and upload locks are one server's.
 *
 * A call that reads or takes something rejects with `SharedStateUnavailableError` when the primary does not answer in
 * time or the channel is closed (the server then fails closed); what the primary took for it anyway (a slot, a block,
 * a lock, a new reservation) is given back as its late answer arrives. A call that gives something back never
 * rejects: the channel keeps the order of messages, and when the channel is gone the primary gives back everything
 * this worker held as it sees the worker exit.
 *
 * A user's session slots are taken in blocks while the user is far from the limit (see `sessionBlock`), so most
 * logins and logouts cost no round trip; an address's slot is always the primary's answer (bans, `maxSessions`).
 *
 * Create it with `connect`, which learns from the primary what its state declares (`countsQuotaFolders`); one made
 * with `new` declares nothing beyond the contract's defaults.
 */
export class IpcSharedState implements SharedStateV1 {
  readonly specificationVersion = 'v1';
  readonly name = 'workers';
  readonly quotaGrantBytes = 0;
  readonly #port: MessagePort;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  /**
   * Calls that took something and stopped waiting for the answer (a timeout): the primary may still take it for this
   * worker, which then gives it back as the answer arrives, rather than hold it, unknown, until it exits.
   */
  readonly #abandoned = new Map<number, (value: unknown) => void>();
  /** Quota reservations granted here: a later call for one adds to what its upload's commit or release ends. */
  readonly #reservations = new Set<string>();
  readonly #unsubscribe: () => void;
  #nextId = 1;
  #closed = false;
  #countsQuotaFolders = false;
  readonly #userSlots = new Map<string, HeldSlots>();
  /** Users found near their limit, and until when (performance.now()) their slots are counted alone. */
  readonly #nearLimitUntil = new Map<string, number>();
  #idleSweep: NodeJS.Timeout | undefined;

  /**
   * A worker's state over `port`, declaring what the primary's state declares: quota folders are claimed only when
   * the primary's store keeps them apart, since the server trusts the claim to count a folder's files in an account
   * of its own. Rejects with `SharedStateUnavailableError` when the primary does not answer.
   */
  static async connect(port: MessagePort, options: IpcSharedStateOptions = {}): Promise<IpcSharedState> {
    const state = new IpcSharedState(port, options);
    try {
      const description = await state.#ask<Partial<SharedStateDescription> | null | undefined>('describe', {});
      state.#countsQuotaFolders = description?.countsQuotaFolders === true;
    } catch (error) {
      await state.close();
      throw error;
    }
    return state;
  }

  constructor(port: MessagePort, options: IpcSharedStateOptions = {}) {
    this.#port = port;
    this.#timeoutMs = options.requestTimeoutMs ?? 5_000;
    this.#unsubscribe = port.subscribe((message) => {
      if (!isSharedStateReply(message)) return;
      const pending = this.#pending.get(message.id);
      if (pending === undefined) {
        const undo = this.#abandoned.get(message.id);
        this.#abandoned.delete(message.id);
        if (undo !== undefined && message.ok) undo(message.value);
        return;
      }
      this.#pending.delete(message.id);
      clearTimeout(pending.timer);
      pending.resolve(message);
    });
  }

  /** The primary's state keeps quota folders' accounts apart from users' (learnt by `connect`). */
  get countsQuotaFolders(): boolean {
    return this.#countsQuotaFolders;
  }

  /**
   * An address slot is always the primary's answer: it counts the connection against the whole server's
   * `maxSessions` and refuses a banned address. A user's slot comes from a block this worker holds when it can.
   */
  acquireSession(scope: SessionScope, key: string, limit: number | undefined): Promise<SessionAdmission> {
    if (scope === 'user') return this.#acquireUserSlot(key, limit);
    return this.#ask('acquireSession', { scope, key, limit }, (admission) => {
      if (admission === 'acquired') void this.#tell('releaseSession', { scope, key });
    });
  }

  releaseSession(scope: SessionScope, key: string): Promise<void> {
    if (scope === 'user') return this.#releaseUserSlot(key);
    return this.#tell('releaseSession', { scope, key });
  }

  async #acquireUserSlot(key: string, limit: number | undefined): Promise<SessionAdmission> {
    let inBlocks = this.#roomForBlocks(key, limit);
    let held = this.#userSlots.get(key);
    while (inBlocks && held?.granting !== undefined) {
      await held.granting.catch(() => undefined);
      inBlocks = this.#roomForBlocks(key, limit);
      held = this.#userSlots.get(key);
    }
    if (held !== undefined && held.used < held.held) {
      if ((limit ?? Number.POSITIVE_INFINITY) >= held.countedUnder) {
        held.used++;
        held.unusedFloor = Math.min(held.unusedFloor, held.held - held.used);
        held.limit = limit;
        return 'acquired';
      }
      // Counted under a higher limit than this login's (the user's limit was lowered): serving from them could pass
      // the lower one, so they go back, and this login is counted afresh.
      void this.#giveBack(key, held, held.held - held.used);
      held = this.#userSlots.get(key);
    }
    if (held === undefined) {
      held = { held: 0, used: 0, asking: 0, granting: undefined, unusedFloor: 0, limit, countedUnder: 0 };
      this.#userSlots.set(key, held);
    }
    held.limit = limit;
    const asking = this.#ask<SessionSlotsGrant>('acquireSessionSlots', { key, limit, slots: inBlocks ? sessionBlock : 1 }, (grant) => {
      const slots = (grant as Partial<SessionSlotsGrant> | null | undefined)?.slots ?? 0;
      if (slots > 0) void this.#tell('releaseSession', { scope: 'user', key, slots });
    });
    if (inBlocks) held.granting = asking;
    held.asking++;
    const settled = () => {
      held.asking--;
      if (held.granting === asking) held.granting = undefined;
    };
    let grant: SessionSlotsGrant;
    try {
      grant = await asking;
    } catch (error) {
      settled();
      this.#forgetIfEmpty(key, held);
      throw error;
    }
    settled();
    if (inBlocks && grant.slots < sessionBlock) {
      // No block fits: the user is near the limit, so the slots are counted alone for a while, and what this worker
      // holds unused goes back now, for the other workers' logins.
      this.#nearLimitUntil.set(key, performance.now() + nearLimitMs);
    }
    if (grant.slots > 0) {
      const countedUnder = limit ?? Number.POSITIVE_INFINITY;
      held.countedUnder = held.held === held.used ? countedUnder : Math.max(held.countedUnder, countedUnder);
    }
    held.held += grant.slots;
    if (grant.admission === 'acquired') held.used++;
    held.unusedFloor = Math.min(held.unusedFloor, held.held - held.used);
    if (!inBlocks || grant.slots < sessionBlock) void this.#giveBack(key, held, held.held - held.used);
    else this.#sweepIdleSlots();
    this.#forgetIfEmpty(key, held);
    return grant.admission;
  }

  #releaseUserSlot(key: string): Promise<void> {
    const held = this.#userSlots.get(key);
    // A slot this worker does not hold frees nothing, as the primary would answer.
    if (held === undefined || held.used === 0) return Promise.resolve();
    held.used--;
    const unused = held.held - held.used;
    if (!this.#roomForBlocks(key, held.limit)) return this.#giveBack(key, held, unused);
    return this.#giveBack(key, held, unused >= 2 * sessionBlock ? unused - sessionBlock : 0);
  }

  /** Whether a user's slots may be taken in blocks under `limit`: none, or one far enough (see `blockRoomFactor`). */
  #roomForBlocks(key: string, limit: number | undefined): boolean {
    if (limit !== undefined && limit < blockRoomFactor * sessionBlock) return false;
    return !stillBefore(this.#nearLimitUntil, key);
  }

  /** Gives `count` of the slots `held` has back to the primary; never rejects. */
  #giveBack(key: string, held: HeldSlots, count: number): Promise<void> {
    if (count <= 0) return Promise.resolve();
    held.held -= count;
    held.unusedFloor = Math.min(held.unusedFloor, held.held - held.used);
    this.#forgetIfEmpty(key, held);
    return this.#tell('releaseSession', { scope: 'user', key, slots: count });
  }

  #forgetIfEmpty(key: string, held: HeldSlots): void {
    if (held.held === 0 && held.used === 0 && held.asking === 0 && this.#userSlots.get(key) === held) this.#userSlots.delete(key);
  }

  /** While blocks are held, gives back every `idleReturnMs` each user's slots that were unused all that time. */
  #sweepIdleSlots(): void {
    if (this.#idleSweep !== undefined) return;
    this.#idleSweep = setInterval(() => {
      for (const [key, held] of this.#userSlots) {
        if (held.asking > 0) continue;
        void this.#giveBack(key, held, Math.min(held.unusedFloor, held.held - held.used));
        held.unusedFloor = held.held - held.used;
      }
      if (this.#userSlots.size === 0) {
        clearInterval(this.#idleSweep);
        this.#idleSweep = undefined;
      }
    }, idleReturnMs);
    // The sweep must not keep a process alive that has nothing else to do.
    this.#idleSweep.unref();
  }

  isBanned(address: string): Promise<boolean> {
    return this.#ask('isBanned', { address });
  }

  recordLoginFailure(failure: LoginFailure): Promise<boolean> {
    return this.#ask('recordLoginFailure', { ...failure });
  }

  listDefenderState(windowMs: number): Promise<DefenderState> {
    return this.#ask('listDefenderState', { windowMs });
  }

  liftBan(address: string): Promise<boolean> {
    return this.#ask('liftBan', { address });
  }

  async quotaUsage(username: string, folder?: string): Promise<QuotaUsage | undefined> {
    // JSON has no undefined: an account never counted comes back without a value, and no folder is no field.
    return (await this.#ask<QuotaUsage | null | undefined>('quotaUsage', { username, folder })) ?? undefined;
  }

  setQuotaUsage(username: string, usage: QuotaUsage, folder?: string): Promise<void> {
    return this.#ask('setQuotaUsage', { username, usage: { bytes: usage.bytes, files: usage.files }, folder });
  }

  async reserveQuota(request: QuotaReservationRequest): Promise<number | undefined> {
    const { username, reservationId } = request;
    // A reservation's first call that failed has no upload to end it: one the primary made anyway is released. A
    // later call only adds to a reservation the upload's commit ends (a release before it would void the commit).
    const undo = this.#reservations.has(reservationId)
      ? undefined
      : (granted: unknown) => {
          if (typeof granted === 'number') void this.#tell('releaseQuota', { username, reservationId });
        };
    const granted = (await this.#ask<number | null | undefined>('reserveQuota', { ...request }, undo)) ?? undefined;
    if (granted !== undefined) this.#reservations.add(reservationId);
    return granted;
  }

  commitQuota(change: QuotaChange): Promise<void> {
    if (change.reservationId !== undefined) this.#reservations.delete(change.reservationId);
    return this.#tell('commitQuota', { ...change });
  }

  releaseQuota(username: string, reservationId: string): Promise<void> {
    this.#reservations.delete(reservationId);
    return this.#tell('releaseQuota', { username, reservationId });
  }

  acquireUploadLock(username: string, path: string): Promise<boolean> {
    return this.#ask('acquireUploadLock', { username, path }, (taken) => {
      if (taken === true) void this.#tell('releaseUploadLock', { username, path });
    });
  }

  releaseUploadLock(username: string, path: string): Promise<void> {
    return this.#tell('releaseUploadLock', { username, path });
  }

  checkHealth(): Promise<void> {
    return this.#ask('ping', {});
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#idleSweep);
    this.#idleSweep = undefined;
    // What sessions still use is given back by the primary as this worker exits; the unused slots go back now.
    await Promise.all([...this.#userSlots].map(([key, held]) => this.#giveBack(key, held, held.held - held.used)));
    this.#closed = true;
    this.#unsubscribe();
    // The primary gives back what they took as this worker exits.
    this.#abandoned.clear();
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(id);
      pending.resolve({ tag: sharedStateReplyTag, id, ok: false, error: 'the shared state was closed' });
    }
  }

  /**
   * A call whose answer counts: rejects with `SharedStateUnavailableError` when there is none. `undoLate` gives back
   * what an answer that arrives after the timeout took.
   */
  async #ask<T>(method: SharedStateMethod, parameters: Record<string, unknown>, undoLate?: (value: unknown) => void): Promise<T> {
    const reply = await this.#request(method, parameters, undoLate);
    if (!reply.ok) throw new SharedStateUnavailableError(`the primary process did not answer ${method}: ${reply.error}`);
    return reply.value as T;
  }

  /** A call that gives something back: waits for the primary to apply it, and never rejects. */
  async #tell(method: SharedStateMethod, parameters: Record<string, unknown>): Promise<void> {
    await this.#request(method, parameters);
  }

  #request(method: SharedStateMethod, parameters: Record<string, unknown>, undoLate?: (value: unknown) => void): Promise<SharedStateReply> {
    const id = this.#nextId++;
    const failed = (error: string): SharedStateReply => ({ tag: sharedStateReplyTag, id, ok: false, error });
    if (this.#closed) return Promise.resolve(failed('the shared state was closed'));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        // The request is on its way or answered already: the primary may have taken something for this worker.
        if (undoLate !== undefined) this.#abandoned.set(id, undoLate);
        resolve(failed(`no answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, timer });
      this.#port.send({ tag: sharedStateRequestTag, id, method, parameters }, (error) => {
        if (!this.#pending.delete(id)) return;
        clearTimeout(timer);
        resolve(failed(error.message));
      });
    });
  }
}

/** Whether `key` has a time in `untils` still to come; a past one is forgotten. */
function stillBefore(untils: Map<string, number>, key: string): boolean {
  const until = untils.get(key);
  if (until === undefined) return false;
  if (until > performance.now()) return true;
  untils.delete(key);
  return false;
}
