import { InvalidOptionError, type SharedStateV1 } from '@ftp/plugin-api';
import { cidrContains, parseCidr, type CidrRange } from '../network/cidr.ts';
import type { DefenderOptions, ServerLogger } from '../server-options.ts';

/**
 * Counts failed logins per client address and per user name in a sliding window and bans addresses that pass the
 * limits. Banned addresses are refused with 421 at connect. The counts and bans live in the shared state, so every
 * server instance on one store sees the same ones; the policy and the allow list are this server's.
 */
export class Defender {
  readonly failedLoginDelayMs: number;
  readonly #policy: { maxFailuresPerAddress: number; maxFailuresPerUser: number; windowMs: number; banMs: number };
  /** The allow list: each entry as written, and the addresses it covers. */
  readonly #allowList: Array<{ readonly entry: string; readonly range: CidrRange }>;
  readonly #state: SharedStateV1;
  readonly #logger: ServerLogger;

  constructor(options: DefenderOptions, logger: ServerLogger, state: SharedStateV1) {
    this.#policy = {
      maxFailuresPerAddress: options.maxFailuresPerIp ?? 10,
      maxFailuresPerUser: options.maxFailuresPerUser ?? 20,
      windowMs: options.windowMs ?? 600_000,
      banMs: options.banMs ?? 900_000,
    };
    this.failedLoginDelayMs = options.failedLoginDelayMs ?? 1000;
    this.#allowList = (options.allowList ?? []).map((entry) => ({ entry, range: allowRange(entry, 'defender.allowList') }));
    this.#state = state;
    this.#logger = logger;
  }

  /** Records a failed login; resolves true when it banned the address. Throws `SharedStateUnavailableError`. */
  async recordFailure(address: string, username: string): Promise<boolean> {
    if (this.#isAllowed(address)) return false;
    const banned = await this.#state.recordLoginFailure({ address, username, ...this.#policy });
    if (banned) this.#logger.warn({ remoteAddress: address, username, banMs: this.#policy.banMs }, 'defender: address banned');
    return banned;
  }

  /** How long a failed login counts. */
  get windowMs(): number {
    return this.#policy.windowMs;
  }

  /** The allow list as written: the configured entries, then those added by `allow`. */
  get allowList(): readonly string[] {
    return this.#allowList.map(({ entry }) => entry);
  }

  /**
   * Exempts `entry` (an address or CIDR block) from counting from now on, on this server until it stops (an operator's
   * call, from the admin API; the configured list is not changed). Throws `InvalidOptionError` for anything else.
   */
  allow(entry: string): void {
    const range = allowRange(entry, 'address');
    if (!this.#allowList.some((allowed) => allowed.entry === entry)) this.#allowList.push({ entry, range });
  }

  #isAllowed(address: string): boolean {
    return this.#allowList.some(({ range }) => cidrContains(range, address));
  }
}

function allowRange(entry: string, option: string): CidrRange {
  const range = parseCidr(entry);
  if (range === undefined) throw new InvalidOptionError(option, `"${entry}" is not an IP address or CIDR block`);
  return range;
}
