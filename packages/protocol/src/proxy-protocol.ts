// The PROXY protocol (HAProxy's proxy-protocol.txt, versions 1 and 2): a header a load balancer sends before the
// client's own bytes, naming the connection it forwards. Pure functions over bytes: the server reads the socket.
import { Buffer } from 'node:buffer';

/** The longest v1 header: "PROXY TCP6 <39> <39> <5> <5>\r\n" is 107 bytes (proxy-protocol.txt §2.1). */
export const maxProxyV1HeaderLength = 107;

/** The 12-byte signature that starts every v2 header (proxy-protocol.txt §2.2). */
export const proxyV2Signature: Uint8Array = Uint8Array.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

const v1Prefix = Uint8Array.from(Buffer.from('PROXY ', 'latin1'));
const v2FixedLength = 16;

/** One end of the forwarded connection. */
export interface ProxyEndpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * A parsed header. `family` "UNKNOWN" (v1 UNKNOWN, v2 UNSPEC/UNIX/UDP) and command "local" (v2 LOCAL: the proxy's own
 * health check) carry no usable addresses: the receiver keeps the socket's own addresses.
 */
export interface ProxyHeader {
  readonly version: 1 | 2;
  readonly command: 'proxy' | 'local';
  readonly family: 'TCP4' | 'TCP6' | 'UNKNOWN';
  readonly source?: ProxyEndpoint;
  readonly destination?: ProxyEndpoint;
}

/** The outcome of `parseProxyHeader` on the bytes received so far. */
export type ProxyParseResult =
  | { readonly status: 'need-more' }
  | {
      readonly status: 'parsed';
      readonly header: ProxyHeader /** Header bytes to drop; the rest is the client's. */;
      readonly length: number;
    }
  | { readonly status: 'invalid'; readonly reason: string };

const needMore: ProxyParseResult = Object.freeze({ status: 'need-more' });

function invalid(reason: string): ProxyParseResult {
  return { status: 'invalid', reason };
}

/** True when `bytes` is `prefix`, or as much of it as has arrived. */
function startsLike(bytes: Uint8Array, prefix: Uint8Array): boolean {
  const length = Math.min(bytes.length, prefix.length);
  for (let index = 0; index < length; index++) if (bytes[index] !== prefix[index]) return false;
  return true;
}

/**
 * Parses a PROXY v1 or v2 header at the start of `bytes` (everything received so far on the connection). Call again
 * with more bytes after "need-more". A connection that does not start with a header is "invalid" as soon as the first
 * bytes tell (the protocol has no optional form: proxy-protocol.txt §2 says a receiver must refuse it).
 */
export function parseProxyHeader(bytes: Uint8Array): ProxyParseResult {
  if (bytes.length === 0) return needMore;
  if (startsLike(bytes, proxyV2Signature)) return bytes.length < proxyV2Signature.length ? needMore : parseV2(bytes);
  if (startsLike(bytes, v1Prefix)) return parseV1(bytes);
  return invalid('no PROXY protocol header');
}

function parseV1(bytes: Uint8Array): ProxyParseResult {
  const lineFeed = bytes.indexOf(0x0a);
  if (lineFeed === -1) return bytes.length >= maxProxyV1HeaderLength ? invalid('v1 header longer than 107 bytes') : needMore;
  if (lineFeed + 1 > maxProxyV1HeaderLength) return invalid('v1 header longer than 107 bytes');
  if (bytes[lineFeed - 1] !== 0x0d) return invalid('v1 header must end with CRLF');
  const line = Buffer.from(bytes.subarray(0, lineFeed - 1)).toString('latin1');
  const fields = line.split(' ');
  const length = lineFeed + 1;
  // §2.1: "UNKNOWN" may be followed by anything, which the receiver ignores.
  if (fields[1] === 'UNKNOWN') return { status: 'parsed', header: { version: 1, command: 'proxy', family: 'UNKNOWN' }, length };
  if (fields.length !== 6 || (fields[1] !== 'TCP4' && fields[1] !== 'TCP6'))
    return invalid('v1 header must be "PROXY TCP4|TCP6 src dst sport dport"');
  const family = fields[1];
  const [, , sourceAddress = '', destinationAddress = '', sourcePort = '', destinationPort = ''] = fields;
  const check = family === 'TCP4' ? isV1Ipv4 : isV1Ipv6;
  if (!check(sourceAddress) || !check(destinationAddress)) return invalid(`v1 header has an address that is not ${family}`);
  const source = v1Port(sourcePort);
  const destination = v1Port(destinationPort);
  if (source === undefined || destination === undefined) return invalid('v1 header has an invalid port');
  return {
    status: 'parsed',
    header: {
      version: 1,
      command: 'proxy',
      family,
      source: { address: sourceAddress.toLowerCase(), port: source },
      destination: { address: destinationAddress.toLowerCase(), port: destination },
    },
    length,
  };
}

function isV1Ipv4(text: string): boolean {
  return /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(text);
}

function isV1Ipv6(text: string): boolean {
  // The syntax check stays light (hex groups and colons, optionally a dotted tail); the server normalises it.
  return text.length >= 2 && text.length <= 45 && /^[0-9a-fA-F:.]+$/.test(text) && text.includes(':');
}

/** §2.1: ports are decimal 0-65535 without leading zeros. */
function v1Port(text: string): number | undefined {
  if (!/^(?:0|[1-9]\d{0,4})$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

function parseV2(bytes: Uint8Array): ProxyParseResult {
  if (bytes.length < v2FixedLength) return needMore;
  const versionAndCommand = bytes[12]!;
  if (versionAndCommand >> 4 !== 2) return invalid('v2 header with a version other than 2');
  const commandBits = versionAndCommand & 0x0f;
  if (commandBits > 1) return invalid('v2 header with an unknown command');
  const addressLength = (bytes[14]! << 8) | bytes[15]!;
  const length = v2FixedLength + addressLength;
  if (bytes.length < length) return needMore;
  const command = commandBits === 0 ? 'local' : 'proxy';
  const familyAndTransport = bytes[13]!;
  const body = bytes.subarray(v2FixedLength, length);
  // §2.2: with LOCAL the receiver must ignore the address block; UNSPEC, UDP and UNIX carry nothing we can use.
  if (command === 'local' || (familyAndTransport !== 0x11 && familyAndTransport !== 0x21)) {
    return { status: 'parsed', header: { version: 2, command, family: 'UNKNOWN' }, length };
  }
  const addressBytes = familyAndTransport === 0x11 ? 4 : 16;
  if (body.length < addressBytes * 2 + 4) return invalid('v2 address block too short for its family');
  const format = familyAndTransport === 0x11 ? formatIpv4 : formatIpv6;
  const port = (offset: number) => (body[offset]! << 8) | body[offset + 1]!;
  return {
    status: 'parsed',
    header: {
      version: 2,
      command,
      family: familyAndTransport === 0x11 ? 'TCP4' : 'TCP6',
      source: { address: format(body.subarray(0, addressBytes)), port: port(addressBytes * 2) },
      destination: { address: format(body.subarray(addressBytes, addressBytes * 2)), port: port(addressBytes * 2 + 2) },
    },
    length,
  };
}

function formatIpv4(bytes: Uint8Array): string {
  return Array.from(bytes).join('.');
}

/** RFC 5952 §4: lower case, leading zeros dropped, the longest run of two or more zero groups as "::". */
function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let index = 0; index < 16; index += 2) groups.push((bytes[index]! << 8) | bytes[index + 1]!);
  let bestStart = -1;
  let bestLength = 0;
  for (let start = 0; start < 8; ) {
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength && end - start >= 2) [bestStart, bestLength] = [start, end - start];
    start = end === start ? start + 1 : end;
  }
  const text = groups.map((group) => group.toString(16));
  if (bestStart === -1) return text.join(':');
  return `${text.slice(0, bestStart).join(':')}::${text.slice(bestStart + bestLength).join(':')}`;
}

/** Builds a v2 PROXY header (TCP over IPv4 or IPv6, or LOCAL): for tests and for clients that proxy themselves. */
export function formatProxyV2Header(header: { readonly source: ProxyEndpoint; readonly destination: ProxyEndpoint } | 'local'): Uint8Array {
  if (header === 'local') return Uint8Array.from([...proxyV2Signature, 0x20, 0x00, 0x00, 0x00]);
  const ipv6 = header.source.address.includes(':');
  const addresses = [header.source.address, header.destination.address].map((address) =>
    ipv6 ? ipv6Bytes(address) : address.split('.').map(Number),
  );
  const ports = [header.source.port, header.destination.port].flatMap((port) => [port >> 8, port & 0xff]);
  const body = [...addresses[0]!, ...addresses[1]!, ...ports];
  return Uint8Array.from([...proxyV2Signature, 0x21, ipv6 ? 0x21 : 0x11, body.length >> 8, body.length & 0xff, ...body]);
}

function ipv6Bytes(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const headGroups = parse(head);
  const tailGroups = tail === undefined ? [] : parse(tail);
  const groups = [...headGroups, ...new Array<number>(8 - headGroups.length - tailGroups.length).fill(0), ...tailGroups];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}
