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

/**
 * A worker's shared state when the config names a store of several machines (`postgres`): everything goes to the
 * store, as with separate instances, and each connection also takes a slot of the primary, which counts the
 * connections of every worker on this machine against `maxSessions`. The address slot is the store's: the primary's
 * is taken without a limit of its own.
 */
export class ServerSessionCount implements SharedStateV1 {
  readonly specificationVersion = 'v1';
  readonly name: string;
  readonly quotaGrantBytes: number;
  /** The store's: quota folders are counted there, never by the primary. */
  readonly countsQuotaFolders: boolean;
  readonly #store: SharedStateV1;
  readonly #primary: SharedStateV1;

  /** The store's, when it has them: the bans and failures are the store's, not the primary's. */
  readonly listDefenderState?: (windowMs: number) => Promise<DefenderState>;
  readonly liftBan?: (address: string) => Promise<boolean>;

  constructor(store: SharedStateV1, primary: SharedStateV1) {
    this.#store = store;
    this.#primary = primary;
    this.name = store.name;
    if (store.listDefenderState !== undefined) this.listDefenderState = (windowMs) => store.listDefenderState!(windowMs);
    if (store.liftBan !== undefined) this.liftBan = (address) => store.liftBan!(address);
    // The contract's default when a store leaves it out.
    this.quotaGrantBytes = store.quotaGrantBytes ?? 0;
    this.countsQuotaFolders = store.countsQuotaFolders === true;
  }

  async acquireSession(scope: SessionScope, key: string, limit: number | undefined): Promise<SessionAdmission> {
    if (scope !== 'address') return this.#store.acquireSession(scope, key, limit);
    const serverSlot = await this.#primary.acquireSession('address', key, undefined);
    if (serverSlot !== 'acquired') return serverSlot;
    let admission: SessionAdmission;
    try {
      admission = await this.#store.acquireSession(scope, key, limit);
    } catch (error) {
      await this.#primary.releaseSession('address', key);
      throw error;
    }
    if (admission !== 'acquired') await this.#primary.releaseSession('address', key);
    return admission;
  }

  async releaseSession(scope: SessionScope, key: string): Promise<void> {
    if (scope !== 'address') return this.#store.releaseSession(scope, key);
    await Promise.all([this.#store.releaseSession(scope, key), this.#primary.releaseSession(scope, key)]);
  }

  isBanned(address: string): Promise<boolean> {
    return this.#store.isBanned(address);
  }

  recordLoginFailure(failure: LoginFailure): Promise<boolean> {
    return this.#store.recordLoginFailure(failure);
  }

  quotaUsage(username: string, folder?: string): Promise<QuotaUsage | undefined> {
    return this.#store.quotaUsage(username, folder);
  }

  setQuotaUsage(username: string, usage: QuotaUsage, folder?: string): Promise<void> {
    return this.#store.setQuotaUsage(username, usage, folder);
  }

  reserveQuota(request: QuotaReservationRequest): Promise<number | undefined> {
    return this.#store.reserveQuota(request);
  }

  commitQuota(change: QuotaChange): Promise<void> {
    return this.#store.commitQuota(change);
  }

  releaseQuota(username: string, reservationId: string): Promise<void> {
    return this.#store.releaseQuota(username, reservationId);
  }

  acquireUploadLock(username: string, path: string): Promise<boolean> {
    return this.#store.acquireUploadLock(username, path);
  }

  releaseUploadLock(username: string, path: string): Promise<void> {
    return this.#store.releaseUploadLock(username, path);
  }

  async checkHealth(): Promise<void> {
    await Promise.all([this.#store.checkHealth?.(), this.#primary.checkHealth?.()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.#store.close?.(), this.#primary.close?.()]);
  }
}
