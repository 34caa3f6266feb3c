import type { SessionAdmission, SharedStateV1, UserBandwidth } from '@ftp/plugin-api';
import type { DefenderOptions, ServerLogger } from '../server-options.ts';
import { Defender } from './defender.ts';
import { MemorySharedState } from './memory-shared-state.ts';
import { QuotaAccount } from './quota-accounts.ts';
import type { QuotaAccounts } from './session-quota.ts';
import { RateLimiter } from './rate-limiter.ts';

interface UserEntry {
  sessions: number;
  upload: RateLimiter | undefined;
  download: RateLimiter | undefined;
}

/**
 * Per-server state behind the limits: sessions per user and per address, bandwidth shared by each user's transfers
 * and by the whole server, quota usage, upload locks and the brute-force defender. One instance per
 * `createFtpServer`. What several instances must agree on (session counts, failures and bans, quota usage, upload
 * locks) goes through the shared state, in memory unless the server was given another; bandwidth stays per process.
 */
export class ServerLimits implements QuotaAccounts {
  readonly defender: Defender | undefined;
  readonly sharedState: SharedStateV1;
  /** The default in-memory state, whose session slots are taken and given back without a promise. */
  readonly #memory: MemorySharedState | undefined;
  readonly #logger: ServerLogger;
  /** This process's sessions of each user, for the bandwidth limiters they share. */
  readonly #users = new Map<string, UserEntry>();
  readonly #quotas = new Map<string, QuotaAccount>();
  readonly #folderQuotas = new Map<string, QuotaAccount>();
  readonly #globalUpload: RateLimiter | undefined;
  readonly #globalDownload: RateLimiter | undefined;

  constructor(options: {
    defender: DefenderOptions | undefined;
    bandwidth: UserBandwidth | undefined;
    logger: ServerLogger;
    sharedState?: SharedStateV1 | undefined;
  }) {
    this.sharedState = options.sharedState ?? new MemorySharedState();
    this.#memory = this.sharedState instanceof MemorySharedState ? this.sharedState : undefined;
    this.#logger = options.logger;
    this.defender =
      options.defender?.enabled === false ? undefined : new Defender(options.defender ?? {}, options.logger, this.sharedState);
    this.#globalUpload = limiter(options.bandwidth?.uploadBytesPerSecond);
    this.#globalDownload = limiter(options.bandwidth?.downloadBytesPerSecond);
  }

  /**
   * A new connection from `address`: refused as `banned` while the defender bans it, as `limit-reached` when the
   * address already has `maxPerAddress` sessions (on every instance of the store). Answered at once by the in-memory
   * state, else by a promise that rejects with `SharedStateUnavailableError`.
   */
  admitConnection(address: string, maxPerAddress: number): SessionAdmission | Promise<SessionAdmission> {
    if (this.#memory !== undefined) return this.#memory.takeSession('address', address, maxPerAddress);
    return this.sharedState.acquireSession('address', address, maxPerAddress);
  }

  /** The connection admitted by `admitConnection` closed. */
  releaseConnection(address: string): void {
    if (this.#memory !== undefined) this.#memory.giveBackSession('address', address);
    else this.#giveBack(this.sharedState.releaseSession('address', address));
  }

  /**
   * Takes a session slot for `username`; false when the user already has `maxSessions` (on every instance of the
   * store). Throws `SharedStateUnavailableError`.
   */
  async acquireSession(username: string, maxSessions: number | undefined, bandwidth: UserBandwidth | undefined): Promise<boolean> {
    const admission =
      this.#memory !== undefined
        ? this.#memory.takeSession('user', username, maxSessions)
        : await this.sharedState.acquireSession('user', username, maxSessions);
    if (admission !== 'acquired') return false;
    const entry = this.#users.get(username);
    if (entry !== undefined) entry.sessions++;
    else {
      this.#users.set(username, {
        sessions: 1,
        upload: limiter(bandwidth?.uploadBytesPerSecond),
        download: limiter(bandwidth?.downloadBytesPerSecond),
      });
    }
    return true;
  }

  /** Gives the slot back; the user's limiters go with the user's last session on this server. */
  releaseSession(username: string): void {
    const entry = this.#users.get(username);
    if (entry === undefined) return;
    if (--entry.sessions <= 0) this.#users.delete(username);
    if (this.#memory !== undefined) this.#memory.giveBackSession('user', username);
    else this.#giveBack(this.sharedState.releaseSession('user', username));
  }

  /** The limiters a transfer of `username` passes through: the user's, then the server's. */
  limitersFor(username: string, direction: 'upload' | 'download'): RateLimiter[] {
    const user = this.#users.get(username)?.[direction];
    const global = direction === 'upload' ? this.#globalUpload : this.#globalDownload;
    return [user, global].filter((item): item is RateLimiter => item !== undefined);
  }

  /** The quota usage of `username`'s own account. */
  userAccount(username: string): QuotaAccount {
    let account = this.#quotas.get(username);
    if (account === undefined) {
      account = new QuotaAccount({ username }, this.sharedState);
      this.#quotas.set(username, account);
    }
    return account;
  }

  /**
   * The quota usage of the quota folder `folder`, one account for every user whose tree has it; `username` (the
   * first user whose session asks on this server) only labels its calls to the shared state.
   */
  folderAccount(username: string, folder: string): QuotaAccount {
    let account = this.#folderQuotas.get(folder);
    if (account === undefined) {
      account = new QuotaAccount({ username, folder }, this.sharedState);
      this.#folderQuotas.set(folder, account);
    }
    return account;
  }

  /** APPE, STOR after REST: takes the path's upload lock; false when held. Throws `SharedStateUnavailableError`. */
  acquireUploadLock(username: string, path: string): Promise<boolean> {
    return this.sharedState.acquireUploadLock(username, path);
  }

  /** The upload that took the lock ended. */
  releaseUploadLock(username: string, path: string): void {
    this.#giveBack(this.sharedState.releaseUploadLock(username, path));
  }

  /** The contract says a release never rejects; one that does anyway is logged, never left unhandled. */
  #giveBack(release: Promise<void>): void {
    release.catch((error: unknown) => this.#logger.error({ error: String(error) }, 'shared state: a release failed'));
  }
}

function limiter(bytesPerSecond: number | undefined): RateLimiter | undefined {
  return bytesPerSecond === undefined ? undefined : new RateLimiter(bytesPerSecond);
}
