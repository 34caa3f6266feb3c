import { isIPv4, isIPv6 } from 'node:net';
import { normalizeAddress, parseIpv6Groups } from '@ftp/protocol';

/** An address range such as "10.0.0.0/8" or "2001:db8::/32"; a bare address is a range of one. */
export interface CidrRange {
  /** The text it was parsed from, for logs and error messages. */
  readonly text: string;
  readonly family: 4 | 6;
  /** Bits of the prefix: 0 matches every address of the family. */
  readonly prefixLength: number;
  readonly network: bigint;
}

/** Parses "address/prefix" or a bare address; undefined when it is neither. IPv4-mapped IPv6 counts as IPv4. */
export function parseCidr(text: string): CidrRange | undefined {
  const [addressText = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const address = normalizeAddress(addressText);
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  if (family === undefined) return undefined;
  const bits = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefixLength = prefixText === undefined ? bits : Number(prefixText);
  const value = addressValue(address, family);
  if (prefixLength > bits || value === undefined) return undefined;
  return { text: text.trim(), family, prefixLength, network: mask(value, bits, prefixLength) };
}

/** True when `address` (any textual form Node reports) lies inside `range`. */
export function cidrContains(range: CidrRange, address: string): boolean {
  const normalized = normalizeAddress(address);
  const family = isIPv4(normalized) ? 4 : isIPv6(normalized) ? 6 : undefined;
  if (family !== range.family) return false;
  const bits = family === 4 ? 32 : 128;
  const value = addressValue(normalized, family);
  return value !== undefined && mask(value, bits, range.prefixLength) === range.network;
}

/** Parses a list of ranges, naming the first bad one in the thrown `Error`'s message. */
export function parseCidrList(texts: readonly string[]): CidrRange[] {
  return texts.map((text) => {
    const range = typeof text === 'string' ? parseCidr(text) : undefined;
    if (range === undefined) throw new Error(`"${String(text)}" is not an IP address or CIDR range`);
    return range;
  });
}

function mask(value: bigint, bits: number, prefixLength: number): bigint {
  const hostBits = BigInt(bits - prefixLength);
  return (value >> hostBits) << hostBits;
}

/**
 * The address as one number: 32 bits for IPv4, 128 for IPv6 (its groups parsed by @ftp/protocol). Undefined for a
 * form that names no single address here, such as a zone identifier ("fe80::1%eth0").
 */
function addressValue(address: string, family: 4 | 6): bigint | undefined {
  if (family === 4) return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
  return parseIpv6Groups(address)?.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}
