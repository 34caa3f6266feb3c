import type { Socket } from 'node:net';
import type { HostPort } from '@ftp/protocol';
import { DataConnectionError } from '../errors/server-errors.ts';
import type { ServerLogger } from '../server-options.ts';
import { connectActive } from './active-connector.ts';
import { DataConnection } from './data-connection.ts';
import { protectDataSocket, type DataProtection } from './data-protection.ts';
import { PassiveListener } from './passive-listener.ts';
import type { PortPool } from './port-pool.ts';
import type { PassiveAddressResolver } from './passive-address.ts';

export interface DataChannelsOptions {
  readonly portPool: PortPool;
  /** The local address of the control connection: passive listeners bind here, active connections start here. */
  readonly localAddress: string;
  /** The control connection's peer: the only address data connections may come from or go to when checked. */
  readonly controlPeer: string;
  readonly requireDataPeerMatch: boolean;
  readonly timeoutMs: number;
  readonly logger: ServerLogger;
  /** Chooses the address PASV announces; without it, `localAddress`. */
  readonly passiveAddresses?: PassiveAddressResolver;
  /** The address the client dialled, from a PROXY header, when it should serve as the passive address. */
  readonly dialledAddress?: string | undefined;
  /** How long a used passive listener waits for the session's next PASV before it closes. Default `keptListenerMs`. */
  readonly keepListenerMs?: number;
}

/**
 * How long a passive listener whose transfer ended stays open for the session's next PASV. A client moving many files
 * sends that PASV right after the 226; answering it with the same port saves the listen, the accept set-up and the
 * close of a new listener per file. A session that goes quiet gives the port back after this long.
 */
export const keptListenerMs = 2_000;

type Setup = { readonly kind: 'passive'; readonly listener: PassiveListener } | { readonly kind: 'active'; readonly target: HostPort };

/**
 * The data-connection set-up of one session: what the last PASV, EPSV, PORT or EPRT prepared, consumed by the next
 * transfer command (RFC 959 §3.2). A new set-up replaces the old one and frees its port.
 */
export class DataChannels {
  readonly #options: DataChannelsOptions;
  #setup: Setup | undefined;
  /** The passive listener of the last transfer, parked for the next PASV (RFC 959 lets PASV name the same port). */
  #kept: PassiveListener | undefined;
  #keptTimer: NodeJS.Timeout | undefined;

  /** Static, with the channels as argument: one function for all sessions instead of a closure each. */
  static #expireKept(channels: DataChannels): void {
    channels.#keptTimer = undefined;
    channels.#dropKept();
  }

  constructor(options: DataChannelsOptions) {
    this.#options = options;
  }

  get isPrepared(): boolean {
    return this.#setup !== undefined;
  }

  /** PASV: the IPv4 address to announce to this session (RFC 959 §4.1.2), chosen by `passiveAddresses`. */
  passiveAddress(): Promise<string> {
    const { passiveAddresses, controlPeer, localAddress, dialledAddress } = this.#options;
    if (passiveAddresses === undefined) return Promise.resolve(dialledAddress ?? localAddress);
    return passiveAddresses.addressFor({ clientAddress: controlPeer, localAddress, dialledAddress });
  }

  /** PASV/EPSV: opens a listener on a free passive port and returns the port. */
  async preparePassive(): Promise<number> {
    this.#dropSetup();
    const kept = this.#takeKept();
    if (kept?.rearm() === true) {
      this.#setup = { kind: 'passive', listener: kept };
      return kept.port;
    }
    kept?.close();
    const { portPool, localAddress, controlPeer, requireDataPeerMatch, timeoutMs, logger } = this.#options;
    const listener = await PassiveListener.open({
      bindAddress: localAddress,
      portPool,
      allowedPeer: requireDataPeerMatch ? controlPeer : undefined,
      timeoutMs,
      logger,
    });
    this.#setup = { kind: 'passive', listener };
    return listener.port;
  }

  /** PORT/EPRT: remembers where to connect. Refuses a target other than the control peer when checked (RFC 2577 §3). */
  prepareActive(target: HostPort): boolean {
    this.close();
    if (this.#options.requireDataPeerMatch && target.host !== this.#options.controlPeer) return false;
    this.#setup = { kind: 'active', target };
    return true;
  }

  /**
   * Opens the prepared data connection, consuming the set-up. Throws `DataConnectionError` (425). With `protection`
   * the connection is TLS; wait for `handshake` (after the 150 reply) before moving data.
   */
  async open(signal: AbortSignal, protection?: DataProtection): Promise<{ connection: DataConnection; handshake: Promise<void> }> {
    const setup = this.#setup;
    this.#setup = undefined;
    if (setup === undefined) throw new DataConnectionError('Use PORT, EPRT, PASV or EPSV first.');
    const { timeoutMs, localAddress } = this.#options;
    let socket: Socket;
    if (setup.kind === 'passive') {
      try {
        socket = await setup.listener.accept(signal);
      } catch (error) {
        setup.listener.close();
        throw error;
      }
      this.#keepOrClose(setup.listener);
    } else {
      socket = await connectActive({ host: setup.target.host, port: setup.target.port, localAddress, timeoutMs, signal });
    }
    if (protection === undefined) return { connection: new DataConnection(socket, timeoutMs), handshake: Promise.resolve() };
    const secured = protectDataSocket(socket, protection);
    return { connection: new DataConnection(secured.socket, timeoutMs), handshake: secured.handshake };
  }

  /** Drops whatever was prepared and the kept listener (PORT, REIN, a failed transfer command, session end). */
  close(): void {
    this.#dropSetup();
    this.#dropKept();
  }

  #dropSetup(): void {
    if (this.#setup?.kind === 'passive') this.#setup.listener.close();
    this.#setup = undefined;
  }

  /**
   * Parks a listener whose connection was handed out, unless the port range is too full to hold ports between
   * transfers (then other sessions need them more) or the listener cannot be parked.
   */
  #keepOrClose(listener: PassiveListener): void {
    // Nothing is kept here: the PASV that prepared this transfer took the kept listener (see preparePassive).
    if (!this.#options.portPool.hasRoomToKeep() || !listener.park()) {
      listener.close();
      return;
    }
    this.#kept = listener;
    this.#keptTimer = setTimeout(DataChannels.#expireKept, this.#options.keepListenerMs ?? keptListenerMs, this);
    this.#keptTimer.unref();
  }

  #takeKept(): PassiveListener | undefined {
    const kept = this.#kept;
    this.#kept = undefined;
    clearTimeout(this.#keptTimer);
    this.#keptTimer = undefined;
    return kept;
  }

  #dropKept(): void {
    this.#takeKept()?.close();
  }
}
