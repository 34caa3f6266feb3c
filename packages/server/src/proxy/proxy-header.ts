import type { Socket } from 'node:net';
import { normalizeAddress, parseProxyHeader, type ProxyHeader } from '@ftp/protocol';
import { InvalidOptionError } from '@ftp/plugin-api';
import { cidrContains, parseCidrList, type CidrRange } from '../network/cidr.ts';
import type { ProxyProtocolOptions } from '../server-options.ts';

/** ProxyProtocolOptions checked, with defaults. */
export interface ResolvedProxyProtocol {
  readonly trustedSources: readonly CidrRange[];
  readonly versions: readonly (1 | 2)[];
  readonly untrustedSources: 'refuse' | 'ignore';
  readonly headerTimeoutMs: number;
  readonly passiveFromDestination: boolean;
}

/** Longest header read: a v1 line is at most 107 bytes; v2 TLVs beyond this are not something a balancer sends us. */
const maxHeaderBytes = 4096;

/** Validates the option; throws `InvalidOptionError` naming the bad field. */
export function resolveProxyProtocol(options: ProxyProtocolOptions | undefined): ResolvedProxyProtocol | undefined {
  if (options === undefined) return undefined;
  if (!Array.isArray(options.trustedSources) || options.trustedSources.length === 0) {
    throw new InvalidOptionError('proxyProtocol.trustedSources', 'must list the load balancer addresses or CIDR ranges');
  }
  let trustedSources: CidrRange[];
  try {
    trustedSources = parseCidrList(options.trustedSources);
  } catch (error) {
    throw new InvalidOptionError('proxyProtocol.trustedSources', (error as Error).message);
  }
  const versions = options.versions ?? [1, 2];
  if (versions.length === 0 || versions.some((version) => version !== 1 && version !== 2)) {
    throw new InvalidOptionError('proxyProtocol.versions', 'must list 1, 2 or both');
  }
  const untrustedSources = options.untrustedSources ?? 'refuse';
  if (untrustedSources !== 'refuse' && untrustedSources !== 'ignore') {
    throw new InvalidOptionError('proxyProtocol.untrustedSources', 'must be "refuse" or "ignore"');
  }
  const headerTimeoutMs = options.headerTimeoutMs ?? 5_000;
  if (!Number.isInteger(headerTimeoutMs) || headerTimeoutMs < 1 || headerTimeoutMs > 600_000) {
    throw new InvalidOptionError('proxyProtocol.headerTimeoutMs', 'must be an integer from 1 to 600000');
  }
  return { trustedSources, versions, untrustedSources, headerTimeoutMs, passiveFromDestination: options.passiveFromDestination === true };
}

/** The addresses a session uses: the socket's own, or the ones a trusted PROXY header named. */
export interface PeerAddresses {
  /** The real client: logs, limits, the defender, the data-peer check. */
  readonly remoteAddress: string;
  /** The local end of the control socket: passive listeners bind here, active connections start here. */
  readonly localAddress: string;
  /** The address the client dialled, from the header (the balancer's front end); undefined without one. */
  readonly dialledAddress: string | undefined;
}

/** What to do with an accepted socket. */
export type ProxyOutcome =
  | { readonly kind: 'accepted'; readonly peer: PeerAddresses; readonly header: ProxyHeader | undefined }
  | { readonly kind: 'refused'; readonly reason: string; readonly untrusted: boolean };

/** The socket's own addresses, normalised (IPv4-mapped IPv6 as IPv4). */
export function socketAddresses(socket: Socket): PeerAddresses {
  return {
    remoteAddress: normalizeAddress(socket.remoteAddress ?? ''),
    localAddress: normalizeAddress(socket.localAddress ?? ''),
    dialledAddress: undefined,
  };
}

/**
 * Reads the PROXY header of a freshly accepted socket when its source is trusted, leaving every byte after it in the
 * socket (unshifted) for the control connection. Reads in paused mode, so nothing is lost to a missing listener.
 */
export async function readProxyHeader(socket: Socket, options: ResolvedProxyProtocol): Promise<ProxyOutcome> {
  const own = socketAddresses(socket);
  if (!options.trustedSources.some((range) => cidrContains(range, own.remoteAddress))) {
    if (options.untrustedSources === 'ignore') return { kind: 'accepted', peer: own, header: undefined };
    return { kind: 'refused', reason: 'PROXY header source not trusted', untrusted: true };
  }
  const parsed = await receiveHeader(socket, options.headerTimeoutMs);
  if (parsed.kind === 'refused') return parsed;
  const { header } = parsed;
  if (!options.versions.includes(header.version))
    return { kind: 'refused', reason: `PROXY v${header.version} not accepted`, untrusted: false };
  // LOCAL (the balancer's own health check) and UNKNOWN keep the socket's addresses (proxy-protocol.txt §2.1, §2.2).
  if (header.source === undefined || header.destination === undefined) return { kind: 'accepted', peer: own, header };
  const peer = {
    remoteAddress: normalizeAddress(header.source.address),
    localAddress: own.localAddress,
    dialledAddress: normalizeAddress(header.destination.address),
  };
  return { kind: 'accepted', peer, header };
}

function receiveHeader(
  socket: Socket,
  timeoutMs: number,
): Promise<{ kind: 'parsed'; header: ProxyHeader } | Extract<ProxyOutcome, { kind: 'refused' }>> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish({ kind: 'refused', reason: 'no PROXY header within the timeout', untrusted: false }), timeoutMs);
    const finish = (result: Parameters<typeof resolve>[0], rest?: Buffer) => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('close', onClose);
      socket.off('error', onClose);
      if (rest !== undefined && rest.length > 0) socket.unshift(rest);
      resolve(result);
    };
    const onClose = () => finish({ kind: 'refused', reason: 'connection closed before the PROXY header', untrusted: false });
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) received = Buffer.concat([received, chunk]);
      const result = parseProxyHeader(received);
      if (result.status === 'parsed') finish({ kind: 'parsed', header: result.header }, received.subarray(result.length));
      else if (result.status === 'invalid') finish({ kind: 'refused', reason: `invalid PROXY header: ${result.reason}`, untrusted: false });
      else if (received.length > maxHeaderBytes) finish({ kind: 'refused', reason: 'PROXY header too long', untrusted: false });
    };
    socket.on('readable', onReadable);
    socket.once('close', onClose);
    socket.once('error', onClose);
  });
}
