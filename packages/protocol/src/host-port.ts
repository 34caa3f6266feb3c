import { isIpv4Address, isIpv6Address, parseIpv6Groups } from './ip-address.ts';

/** A host address and TCP port, as carried by PORT, PASV, EPRT and EPSV. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Network protocol numbers of RFC 2428 §2: 1 is IPv4, 2 is IPv6. */
export type AddressFamily = 1 | 2;

const decimalNumberPattern = /^[0-9]{1,3}$/;

/**
 * Parses the PORT argument "h1,h2,h3,h4,p1,p2" (RFC 959 §4.1.2): four address bytes and two port bytes, each a
 * decimal number 0-255; spaces around each number are tolerated. The host comes back in dotted form without
 * leading zeros. Returns undefined for anything else, including port 0, which cannot be connected to.
 */
export function parsePortArgument(argument: string): HostPort | undefined {
  const parts = argument.split(',').map((part) => part.trim());
  if (parts.length !== 6 || !parts.every((part) => decimalNumberPattern.test(part))) {
    return undefined;
  }
  const numbers = parts.map(Number);
  if (numbers.some((value) => value > 255)) {
    return undefined;
  }
  const [h1, h2, h3, h4, p1 = 0, p2 = 0] = numbers;
  const port = p1 * 256 + p2;
  return port === 0 ? undefined : { host: [h1, h2, h3, h4].join('.'), port };
}

/**
 * Formats an address for the 227 reply to PASV (RFC 959 §4.1.2) as "h1,h2,h3,h4,p1,p2". An IPv4-mapped IPv6
 * address ("::ffff:127.0.0.1", as a dual-stack socket reports it) is accepted as its IPv4 address.
 *
 * @throws RangeError if the host is not IPv4 or the port is not an integer from 1 to 65535.
 */
export function formatPasvAddress(host: string, port: number): string {
  const address = normalizeAddress(host);
  if (!isIpv4Address(address)) {
    throw new RangeError(`PASV needs an IPv4 address, got ${JSON.stringify(host)}`);
  }
  assertPort(port);
  return `${address.replaceAll('.', ',')},${String(Math.floor(port / 256))},${String(port % 256)}`;
}

/** The complete 227 reply text: "Entering Passive Mode (h1,h2,h3,h4,p1,p2)." (RFC 959 §4.2.2). */
export function formatPasvReply(host: string, port: number): string {
  return `Entering Passive Mode (${formatPasvAddress(host, port)}).`;
}

/**
 * Result of {@link parseEprt}: either the address, or why it was refused. `unsupported-family` is a well-formed
 * argument naming a protocol other than 1 or 2, which RFC 2428 §2 answers with 522 rather than 501.
 */
export type EprtParseResult =
  | { readonly ok: true; readonly family: AddressFamily; readonly host: string; readonly port: number }
  | { readonly ok: false; readonly reason: 'syntax' | 'unsupported-family' };

/**
 * Parses the EPRT argument "<d>net-prt<d>net-addr<d>tcp-port<d>" (RFC 2428 §2), such as "|1|132.235.1.2|6275|"
 * or "|2|::1|5282|". The delimiter is the first character and may be any of ASCII 33-126. The address must match
 * the family (dotted IPv4 for 1, IPv6 text for 2, see {@link isIpv6Address}); the port must be 1-65535. IPv6
 * hosts are returned lower-cased; compare hosts with {@link normalizeAddress}.
 */
export function parseEprt(argument: string): EprtParseResult {
  const delimiter = argument.charCodeAt(0);
  if (!(delimiter >= 33 && delimiter <= 126)) {
    return { ok: false, reason: 'syntax' };
  }
  const fields = argument.split(argument.charAt(0));
  const [before, familyText = '', host = '', portText = '', after] = fields;
  if (fields.length !== 5 || before !== '' || after !== '' || !/^[0-9]+$/.test(familyText)) {
    return { ok: false, reason: 'syntax' };
  }
  if (familyText !== '1' && familyText !== '2') {
    return { ok: false, reason: 'unsupported-family' };
  }
  const family = familyText === '1' ? 1 : 2;
  const isValidHost = family === 1 ? isIpv4Address(host) : isIpv6Address(host);
  const port = parsePortNumber(portText);
  if (!isValidHost || port === undefined) {
    return { ok: false, reason: 'syntax' };
  }
  return { ok: true, family, host: family === 2 ? host.toLowerCase() : host, port };
}

/** {@link parseEprt} without the reason: the address, or undefined when the argument is refused for any reason. */
export function parseEprtArgument(argument: string): (HostPort & { readonly family: AddressFamily }) | undefined {
  const result = parseEprt(argument);
  return result.ok ? { family: result.family, host: result.host, port: result.port } : undefined;
}

/** The complete 229 reply text: "Entering Extended Passive Mode (|||port|)" (RFC 2428 §3). */
export function formatEpsvReply(port: number): string {
  assertPort(port);
  return `Entering Extended Passive Mode (|||${String(port)}|)`;
}

/**
 * The EPSV argument (RFC 2428 §3): none, "ALL" (the client will use EPSV only from now on), or a network
 * protocol number to open the passive port for.
 */
export type EpsvArgument =
  | { readonly kind: 'none' }
  | { readonly kind: 'all' }
  | { readonly kind: 'family'; readonly family: AddressFamily };

/**
 * Parses the EPSV argument: `''`, `ALL` in any case, `1` or `2`; surrounding spaces are ignored. Returns undefined
 * for anything else. RFC 2428 §3 answers an unsupported protocol number with 522, so a caller may reply 522 when
 * the argument is all digits and 501 otherwise.
 */
export function parseEpsvArgument(argument: string): EpsvArgument | undefined {
  const text = argument.trim();
  if (text === '') {
    return { kind: 'none' };
  }
  if (text.toUpperCase() === 'ALL') {
    return { kind: 'all' };
  }
  if (text === '1' || text === '2') {
    return { kind: 'family', family: text === '1' ? 1 : 2 };
  }
  return undefined;
}

/**
 * Canonical form for comparing addresses (e.g. the EPRT host with the control connection's peer, to refuse FTP
 * bounce): an IPv4-mapped IPv6 address in any spelling ("::ffff:127.0.0.1", "0:0:0:0:0:ffff:7f00:1") becomes its
 * dotted IPv4 address; any other address is returned lower-cased.
 */
export function normalizeAddress(address: string): string {
  // A plain IPv4 address (the usual case, once per connection and data connection) has nothing to normalise.
  if (!address.includes(':')) return address.toLowerCase();
  const lowerCased = address.toLowerCase();
  const groups = parseIpv6Groups(lowerCased);
  if (groups === undefined || !isIpv4Mapped(groups)) {
    return lowerCased;
  }
  const high = groups[6] ?? 0;
  const low = groups[7] ?? 0;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** RFC 4291 §2.5.5.2: 80 zero bits, 16 one bits, then the IPv4 address. */
function isIpv4Mapped(groups: readonly number[]): boolean {
  return groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
}

function parsePortNumber(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) {
    return undefined;
  }
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

function assertPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`Port must be an integer from 1 to 65535, got ${String(port)}`);
  }
}
