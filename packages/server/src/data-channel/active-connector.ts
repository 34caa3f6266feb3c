import { connect, type Socket } from 'node:net';
import { DataConnectionError } from '../errors/server-errors.ts';

export interface ActiveConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Connect from the address the control connection arrived on, so the client sees the server it talks to. */
  readonly localAddress: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** PORT/EPRT: the server connects to the client (RFC 959 §3.2). Rejects with `DataConnectionError` (425). */
export function connectActive(options: ActiveConnectOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // allowHalfOpen as for passive connections (see PassiveListener): the transfer closes the socket itself.
    const socket = connect({
      host: options.host,
      port: options.port,
      localAddress: options.localAddress,
      noDelay: true,
      allowHalfOpen: true,
    });
    const timer = setTimeout(() => finish(new DataConnectionError('active connection timed out')), options.timeoutMs);
    const onAbort = () => finish(new DataConnectionError('aborted while connecting'));
    options.signal.addEventListener('abort', onAbort, { once: true });
    function finish(error?: Error): void {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      if (error === undefined) {
        socket.on('error', () => {});
        socket.pause();
        resolve(socket);
      } else {
        socket.destroy();
        reject(error);
      }
    }
    function onConnect(): void {
      finish();
    }
    function onError(error: Error): void {
      finish(new DataConnectionError(`active connection failed: ${error.message}`, { cause: error }));
    }
    socket.once('connect', onConnect);
    socket.once('error', onError);
  });
}
