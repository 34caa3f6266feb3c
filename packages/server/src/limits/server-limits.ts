import type { UserBandwidth } from '@ftp/plugin-api';
import type { DefenderOptions, ServerLogger } from '../server-options.ts';
import { Defender } from './defender.ts';
import { QuotaAccount } from './quota-accounts.ts';
import { RateLimiter } from './rate-limiter.ts';

interface UserEntry {
  sessions: number;
  upload: RateLimiter | undefined;
  download: RateLimiter | undefined;
}

/**
 * Per-server state behind the per-user limits: sessions per user, bandwidth shared by each user's transfers and
 * by the whole server, quota usage, and the brute-force defender. One instance per `createFtpServer`.
 */
export class ServerLimits {
  readonly defender: Defender | undefined;
  readonly #users = new Map<string, UserEntry>();
  readonly #quotas = new Map<string, QuotaAccount>();
  readonly #globalUpload: RateLimiter | undefined;
  readonly #globalDownload: RateLimiter | undefined;

  constructor(options: { defender: DefenderOptions | undefined; bandwidth: UserBandwidth | undefined; logger: ServerLogger }) {
    this.defender = options.defender?.enabled === false ? undefined : new Defender(options.defender ?? {}, options.logger);
    this.#globalUpload = limiter(options.bandwidth?.uploadBytesPerSecond);
    this.#globalDownload = limiter(options.bandwidth?.downloadBytesPerSecond);
  }

  /** Takes a session slot for `username`; false when the user already has `maxSessions`. */
  acquireSession(username: string, maxSessions: number | undefined, bandwidth: UserBandwidth | undefined): boolean {
    const entry = this.#users.get(username);
    if (entry !== undefined) {
      if (maxSessions !== undefined && entry.sessions >= maxSessions) return false;
      entry.sessions++;
      return true;
    }
    if (maxSessions !== undefined && maxSessions < 1) return false;
    this.#users.set(username, {
      sessions: 1,
      upload: limiter(bandwidth?.uploadBytesPerSecond),
      download: limiter(bandwidth?.downloadBytesPerSecond),
    });
    return true;
  }

  /** Gives the slot back; the user's limiters go with the last session. */
  releaseSession(username: string): void {
    const entry = this.#users.get(username);
    if (entry === undefined) return;
    if (--entry.sessions <= 0) this.#users.delete(username);
  }

  /** The limiters a transfer of `username` passes through: the user's, then the server's. */
  limitersFor(username: string, direction: 'upload' | 'download'): RateLimiter[] {
    const user = this.#users.get(username)?.[direction];
    const global = direction === 'upload' ? this.#globalUpload : this.#globalDownload;
    return [user, global].filter((item): item is RateLimiter => item !== undefined);
  }

  /** The quota usage of `username` (kept while the server runs, so a rescan is needed only after start). */
  quotaAccount(username: string): QuotaAccount {
    let account = this.#quotas.get(username);
    if (account === undefined) {
      account = new QuotaAccount();
      this.#quotas.set(username, account);
    }
    return account;
  }
}

function limiter(bytesPerSecond: number | undefined): RateLimiter | undefined {
  return bytesPerSecond === undefined ? undefined : new RateLimiter(bytesPerSecond);
}
