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
  isSharedStateReply,
  sharedStateReplyTag,
  sharedStateRequestTag,
  type MessagePort,
  type SharedStateDescription,
  type SharedStateMethod,
  type SharedStateReply,
} from './shared-state-messages.ts';

export interface IpcSharedStateOptions {
  /** A call the primary has not answered within this time rejects with `SharedStateUnavailableError`. Default 5000. */
  readonly requestTimeoutMs?: number;
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
 * time or the channel is closed (the server then fails closed). A call that gives something back never rejects: the
 * channel keeps the order of messages, and when the channel is gone the primary gives back everything this worker
 * held as it sees the worker exit.
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
  readonly #unsubscribe: () => void;
  #nextId = 1;
  #closed = false;
  #countsQuotaFolders = false;

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
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      clearTimeout(pending.timer);
      pending.resolve(message);
    });
  }

  /** The primary's state keeps quota folders' accounts apart from users' (learnt by `connect`). */
  get countsQuotaFolders(): boolean {
    return this.#countsQuotaFolders;
  }

  acquireSession(scope: SessionScope, key: string, limit: number | undefined): Promise<SessionAdmission> {
    return this.#ask('acquireSession', { scope, key, limit });
  }

  releaseSession(scope: SessionScope, key: string): Promise<void> {
    return this.#tell('releaseSession', { scope, key });
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
    return (await this.#ask<number | null | undefined>('reserveQuota', { ...request })) ?? undefined;
  }

  commitQuota(change: QuotaChange): Promise<void> {
    return this.#tell('commitQuota', { ...change });
  }

  releaseQuota(username: string, reservationId: string): Promise<void> {
    return this.#tell('releaseQuota', { username, reservationId });
  }

  acquireUploadLock(username: string, path: string): Promise<boolean> {
    return this.#ask('acquireUploadLock', { username, path });
  }

  releaseUploadLock(username: string, path: string): Promise<void> {
    return this.#tell('releaseUploadLock', { username, path });
  }

  checkHealth(): Promise<void> {
    return this.#ask('ping', {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(id);
      pending.resolve({ tag: sharedStateReplyTag, id, ok: false, error: 'the shared state was closed' });
    }
  }

  /** A call whose answer counts: rejects with `SharedStateUnavailableError` when there is none. */
  async #ask<T>(method: SharedStateMethod, parameters: Record<string, unknown>): Promise<T> {
    const reply = await this.#request(method, parameters);
    if (!reply.ok) throw new SharedStateUnavailableError(`the primary process did not answer ${method}: ${reply.error}`);
    return reply.value as T;
  }

  /** A call that gives something back: waits for the primary to apply it, and never rejects. */
  async #tell(method: SharedStateMethod, parameters: Record<string, unknown>): Promise<void> {
    await this.#request(method, parameters);
  }

  #request(method: SharedStateMethod, parameters: Record<string, unknown>): Promise<SharedStateReply> {
    const id = this.#nextId++;
    const failed = (error: string): SharedStateReply => ({ tag: sharedStateReplyTag, id, ok: false, error });
    if (this.#closed) return Promise.resolve(failed('the shared state was closed'));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
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
