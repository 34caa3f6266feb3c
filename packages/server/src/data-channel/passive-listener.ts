import { createServer, type Server, type Socket } from 'node:net';
import { normalizeAddress } from '@ftp/protocol';
import { DataConnectionError } from '../errors/server-errors.ts';
import type { ServerLogger } from '../server-options.ts';
import type { PortPool } from './port-pool.ts';

export interface PassiveListenerOptions {
  /** Local address to bind: the address the control connection arrived on. */
  readonly bindAddress: string;
  readonly portPool: PortPool;
  /** Accept only this client address (RFC 2577 §4: stops data theft by a third party); undefined accepts any. */
  readonly allowedPeer: string | undefined;
  /** The listener closes if no acceptable connection arrives within this time. */
  readonly timeoutMs: number;
  readonly logger: ServerLogger;
}

/**
 * One PASV/EPSV listener: hands out exactly one data connection per PASV. A listener nobody connects to closes itself
 * after the timeout, so abandoned PASVs never hold ports. Once its connection is handed out, the session either
 * closes it or parks it for the session's next PASV (see `DataChannels`); parked, it refuses every connection until
 * `rearm` makes it wait for one again.
 */
export class PassiveListener {
  readonly port: number;
  readonly #server: Server;
  #timer: NodeJS.Timeout;
  #socket: Socket | undefined;
  #failure: Error | undefined;
  #waiter: { resolve(socket: Socket): void; reject(error: Error): void } | undefined;
  /** The socket belongs to a transfer once `accept` returned it; `close()` then leaves it alone. */
  #handedOut = false;
  /** Kept for the next PASV: no connection is accepted until `rearm`. */
  #parked = false;
  readonly #options: PassiveListenerOptions;

  private constructor(server: Server, port: number, options: PassiveListenerOptions) {
    this.#server = server;
    this.port = port;
    this.#options = options;
    this.#timer = PassiveListener.#startTimeout(this, options.timeoutMs);
    server.on('connection', (socket) => this.#onConnection(socket));
  }

  /** The data timeout of one wait for a connection. Static, so a listener made again per PASV holds no closure. */
  static #startTimeout(listener: PassiveListener, timeoutMs: number): NodeJS.Timeout {
    const timer = setTimeout(PassiveListener.#timedOut, timeoutMs, listener);
    timer.unref();
    return timer;
  }

  static #timedOut(listener: PassiveListener): void {
    listener.#fail(new DataConnectionError('no data connection within the timeout'));
  }

  static async open(options: PassiveListenerOptions): Promise<PassiveListener> {
    // allowHalfOpen: an upload's EOF must not make Node.js end and tear down the socket at once, before the upload is
    // committed; the transfer closes it after the 226.
    const server = createServer({ noDelay: true, pauseOnConnect: true, allowHalfOpen: true });
    server.on('error', () => {});
    const port = await options.portPool.listen(server, options.bindAddress);
    return new PassiveListener(server, port, options);
  }

  #onConnection(socket: Socket): void {
    // One connection per PASV: a second one, or one while parked (no PASV pending), is refused.
    if (this.#socket !== undefined || this.#failure !== undefined || this.#parked) {
      socket.destroy();
      return;
    }
    const { allowedPeer, logger } = this.#options;
    const peer = normalizeAddress(socket.remoteAddress ?? '');
    if (allowedPeer !== undefined && peer !== allowedPeer) {
      logger.warn({ peer, expected: allowedPeer, port: this.port }, 'data connection from a foreign address refused');
      socket.destroy();
      return;
    }
    clearTimeout(this.#timer);
    this.#socket = socket;
    socket.on('error', () => {});
    this.#waiter?.resolve(socket);
    this.#waiter = undefined;
  }

  #fail(error: Error): void {
    if (this.#socket !== undefined || this.#failure !== undefined) return;
    this.#failure = error;
    this.#server.close();
    this.#waiter?.reject(error);
    this.#waiter = undefined;
  }

  /** The accepted data socket (paused), once the client connects. Rejects on timeout or `close()`. */
  accept(signal: AbortSignal): Promise<Socket> {
    if (this.#socket !== undefined) {
      this.#handedOut = true;
      return Promise.resolve(this.#socket);
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const onAbort = () => this.#fail(new DataConnectionError('aborted while waiting for the data connection'));
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = {
        resolve: (socket) => {
          signal.removeEventListener('abort', onAbort);
          this.#handedOut = true;
          resolve(socket);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
    });
  }

  /**
   * After the connection was handed out: keeps listening for the session's next PASV, refusing connections meanwhile.
   * False (and nothing changes) when there is nothing to park: no connection handed out, or the listener failed.
   */
  park(): boolean {
    if (!this.#handedOut || this.#failure !== undefined || !this.#server.listening) return false;
    this.#parked = true;
    this.#socket = undefined;
    this.#handedOut = false;
    return true;
  }

  /** A parked listener waits for one connection again, within the data timeout. False when it is not parked. */
  rearm(): boolean {
    // A parked listener cannot have failed: its data timeout was cleared when its connection came.
    if (!this.#parked || !this.#server.listening) return false;
    this.#parked = false;
    this.#timer = PassiveListener.#startTimeout(this, this.#options.timeoutMs);
    return true;
  }

  /** Stops listening and drops any connection not yet handed out. */
  close(): void {
    clearTimeout(this.#timer);
    // Only a listener still waiting needs the error (building one, with its stack, is most of a close's cost).
    if (this.#socket === undefined && this.#failure === undefined && !this.#parked)
      this.#fail(new DataConnectionError('passive listener closed'));
    this.#parked = false;
    this.#server.close();
    if (this.#socket !== undefined && !this.#handedOut) this.#socket.destroy();
  }
}
