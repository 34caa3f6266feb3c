import { lookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { InvalidOptionError } from '@ftp/plugin-api';
import { ReplyCode } from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';
import { cidrContains, parseCidr, type CidrRange } from '../network/cidr.ts';
import type { PassiveAddressOption, PassiveAddressRule } from '../server-options.ts';

/** The facts of one session that choose its passive address. */
export interface PassiveAddressQuery {
  /** The real client address (after a trusted PROXY header). */
  readonly clientAddress: string;
  /** The control connection's local address: the default, so a server on several addresses answers with the right one. */
  readonly localAddress: string;
  /** The address the client dialled, from a PROXY header, when `passiveFromDestination` is on. */
  readonly dialledAddress: string | undefined;
}

interface CompiledRule {
  readonly range: CidrRange | undefined;
  readonly address: string;
}

const hostnamePattern = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Chooses the PASV address of each session. One per server: the host-name cache is shared by its sessions. */
export class PassiveAddressResolver {
  readonly #rules: readonly CompiledRule[];
  readonly #cacheMs: number;
  readonly #cache = new Map<string, { readonly address: string; readonly expiresAt: number }>();
  readonly #resolve: (hostname: string) => Promise<string>;

  /**
   * Validates the option at start; throws `InvalidOptionError` naming the bad entry. `resolveHostname` is for tests;
   * the default asks the system resolver for an IPv4 address.
   */
  constructor(option: PassiveAddressOption | undefined, cacheMs: number, resolveHostname?: (hostname: string) => Promise<string>) {
    this.#rules = compile(option);
    this.#cacheMs = cacheMs;
    this.#resolve = resolveHostname ?? (async (hostname) => (await lookup(hostname, { family: 4 })).address);
  }

  /** The IPv4 address to announce to this session; a 425 `ReplyError` when a host name does not resolve. */
  async addressFor(query: PassiveAddressQuery): Promise<string> {
    const rule = this.#ruleFor(query.clientAddress);
    if (rule === undefined) return query.dialledAddress ?? query.localAddress;
    return isIPv4(rule.address) ? rule.address : this.#lookup(rule.address);
  }

  /** The rule for this client: a plain address, or the matching range with the longest prefix (first one on a tie). */
  #ruleFor(clientAddress: string): CompiledRule | undefined {
    let best: CompiledRule | undefined;
    for (const rule of this.#rules) {
      if (rule.range === undefined) return rule;
      if (cidrContains(rule.range, clientAddress) && (best?.range === undefined || rule.range.prefixLength > best.range.prefixLength))
        best = rule;
    }
    return best;
  }

  async #lookup(hostname: string): Promise<string> {
    const cached = this.#cache.get(hostname);
    if (cached !== undefined && cached.expiresAt > Date.now()) return cached.address;
    let address: string;
    try {
      address = await this.#resolve(hostname);
    } catch {
      throw new ReplyError(ReplyCode.CannotOpenDataConnection, 'Passive address not available, try EPSV.');
    }
    this.#cache.set(hostname, { address, expiresAt: Date.now() + this.#cacheMs });
    return address;
  }
}

function compile(option: PassiveAddressOption | undefined): CompiledRule[] {
  if (option === undefined) return [];
  if (typeof option === 'string') return [{ range: undefined, address: checkAddress('passive.address', option) }];
  if (!Array.isArray(option) || option.length === 0) {
    throw new InvalidOptionError('passive.address', 'must be an IPv4 address, a host name, or a non-empty list of { clients, address }');
  }
  return option.map((rule: PassiveAddressRule, index) => {
    const name = `passive.address[${index}]`;
    const range = typeof rule?.clients === 'string' ? parseCidr(rule.clients) : undefined;
    if (range === undefined)
      throw new InvalidOptionError(`${name}.clients`, `must be an IP address or CIDR range, got ${JSON.stringify(rule?.clients)}`);
    return { range, address: checkAddress(`${name}.address`, rule.address) };
  });
}

function checkAddress(name: string, address: unknown): string {
  if (typeof address !== 'string' || address === '') throw new InvalidOptionError(name, 'must be an IPv4 address or a host name');
  if (isIPv6(address))
    throw new InvalidOptionError(name, `PASV announces IPv4 only (RFC 959 §4.1.2; IPv6 clients use EPSV), got "${address}"`);
  if (isIPv4(address)) return address;
  if (/^[\d.]+$/.test(address) || !hostnamePattern.test(address)) {
    throw new InvalidOptionError(name, `must be an IPv4 address or a host name, got "${address}"`);
  }
  return address;
}
