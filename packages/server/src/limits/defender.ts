import { InvalidOptionError } from '@ftp/plugin-api';
import { cidrContains, parseCidr, type CidrRange } from '../network/cidr.ts';
import type { DefenderOptions, ServerLogger } from '../server-options.ts';

/** Failures kept per key, oldest first; pruned to the window on every use. */
type FailureLog = Map<string, number[]>;

/**
 * Counts failed logins per client address and per user name in a sliding window and bans addresses that pass the
 * limits. Banned addresses are refused with 421 at connect. State is per server process.
 */
export class Defender {
  readonly failedLoginDelayMs: number;
  readonly #options: Required<Omit<DefenderOptions, 'allowList' | 'enabled'>>;
  readonly #allowList: readonly CidrRange[];
  readonly #byAddress: FailureLog = new Map();
  readonly #byUser: FailureLog = new Map();
  readonly #bans = new Map<string, number>();
  readonly #logger: ServerLogger;

  constructor(options: DefenderOptions, logger: ServerLogger) {
    this.#options = {
      maxFailuresPerIp: options.maxFailuresPerIp ?? 10,
      maxFailuresPerUser: options.maxFailuresPerUser ?? 20,
      windowMs: options.windowMs ?? 600_000,
      banMs: options.banMs ?? 900_000,
      failedLoginDelayMs: options.failedLoginDelayMs ?? 1000,
    };
    this.failedLoginDelayMs = this.#options.failedLoginDelayMs;
    this.#allowList = (options.allowList ?? []).map((entry) => {
      const range = parseCidr(entry);
      if (range === undefined) throw new InvalidOptionError('defender.allowList', `"${entry}" is not an IP address or CIDR block`);
      return range;
    });
    this.#logger = logger;
  }

  /** True while `address` is banned. */
  isBanned(address: string): boolean {
    const until = this.#bans.get(address);
    if (until === undefined) return false;
    if (Date.now() < until) return true;
    this.#bans.delete(address);
    this.#logger.info({ remoteAddress: address }, 'defender: ban expired');
    return false;
  }

  /** Records a failed login; returns true when it banned the address. */
  recordFailure(address: string, username: string): boolean {
    if (this.#isAllowed(address)) return false;
    const now = Date.now();
    const fromAddress = this.#record(this.#byAddress, address, now);
    const forUser = this.#record(this.#byUser, username, now);
    if (fromAddress < this.#options.maxFailuresPerIp && forUser <= this.#options.maxFailuresPerUser) return false;
    this.#bans.set(address, now + this.#options.banMs);
    this.#byAddress.delete(address);
    this.#logger.warn(
      { remoteAddress: address, username, failuresFromAddress: fromAddress, failuresForUser: forUser, banMs: this.#options.banMs },
      'defender: address banned',
    );
    return true;
  }

  #isAllowed(address: string): boolean {
    return this.#allowList.some((range) => cidrContains(range, address));
  }

  #record(log: FailureLog, key: string, now: number): number {
    const recent = (log.get(key) ?? []).filter((time) => now - time < this.#options.windowMs);
    recent.push(now);
    log.set(key, recent);
    // Bound memory: forget keys whose failures all left the window once the map grows large.
    if (log.size > 10_000)
      for (const [other, times] of log) if (times.every((time) => now - time >= this.#options.windowMs)) log.delete(other);
    return recent.length;
  }
}
