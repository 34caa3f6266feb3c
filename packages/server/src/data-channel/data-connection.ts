import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { TransferAbortedError } from '../errors/server-errors.ts';
import { abortError, ReceivedData } from './received-data.ts';
import type { SendBufferPool } from './send-buffer-pool.ts';

/**
 * One open data connection (RFC 959 §3.2). Wraps the socket so the session never touches it: `send` for RETR and
 * listings, `receive` for STOR. Both honour back-pressure, so memory per transfer stays at about one chunk whatever
 * the file size or the client's speed, and both stop with `TransferAbortedError` (426) on abort, reset or stall.
 */
export class DataConnection {
  readonly #socket: Socket;
  #bytes = 0;
  /**
   * Ends a data connection with no byte moving for the stall timeout: a client gone without a FIN, or one that no
   * longer reads a download. Our own timer, refreshed as bytes move, rather than `socket.setTimeout`: Node.js lets a
   * socket timeout pass once while a write is still queued (`net.Socket#_onTimeout` re-arms it when the write queue
   * changed since the last write), so a client that stopped reading a download was dropped only after twice the
   * timeout.
   */
  readonly #stallTimer: NodeJS.Timeout;
  #stalled = false;

  constructor(socket: Socket, stallTimeoutMs: number) {
    this.#socket = socket;
    socket.setNoDelay(true);
    this.#stallTimer = setTimeout(DataConnection.#stall, stallTimeoutMs, this);
    this.#stallTimer.unref();
  }

  /** Static, with the connection as argument, like the other per-transfer timers. */
  static #stall(connection: DataConnection): void {
    connection.#stalled = true;
    connection.#socket.destroy(new TransferAbortedError('data connection stalled'));
  }

  /** Bytes moved: the stall timeout counts again from now. */
  #moved(bytes: number): void {
    this.#bytes += bytes;
    this.#stallTimer.refresh();
  }

  /** Bytes moved so far in either direction, for STAT during a transfer and the transfer events. */
  get bytesTransferred(): number {
    return this.#bytes;
  }

  /**
   * Writes every chunk, waiting for 'drain' when the socket's buffer is full, then closes our side (EOF). A failure of
   * the source (the storage) is rethrown as is, so it is answered as a storage error; a failure of the socket is a 426.
   * Chunks in buffers of `bufferPool` go back to it once the socket has written them.
   */
  async send(source: AsyncIterable<Uint8Array>, signal: AbortSignal, bufferPool?: SendBufferPool): Promise<number> {
    const socket = this.#socket;
    const onAbort = () => socket.destroy(abortError(signal, 'transfer aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    const iterator = source[Symbol.asyncIterator]();
    let finished = false;
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) break;
        if (socket.destroyed) throw abortError(signal, 'data connection closed by the client');
        const chunk = next.value;
        this.#moved(chunk.byteLength);
        const written = bufferPool?.owns(chunk) === true ? socket.write(chunk, () => bufferPool.giveBack(chunk)) : socket.write(chunk);
        if (!written) {
          await waitForDrain(socket);
          // The client read what was queued: that counts as bytes moving.
          this.#stallTimer.refresh();
        }
      }
      finished = true;
      if (!(socket instanceof TLSSocket) && socket.writableLength === 0) {
        // Every byte is already with the kernel: the FIN goes out behind them, and waiting for 'finish' (one more
        // turn of the event loop per file) would learn nothing more,
        // since neither tells whether the client received the data.
        socket.end();
        return this.#bytes;
      }
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.end(resolve);
      });
      return this.#bytes;
    } catch (error) {
      if (signal.aborted) throw abortError(signal, 'transfer aborted');
      if (this.#stalled) throw new TransferAbortedError('data connection stalled', { cause: error });
      if (error instanceof TransferAbortedError || socket.destroyed || finished) {
        throw new TransferAbortedError('data connection failed', { cause: error });
      }
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
      // Release the source (an open file) when we stop early.
      if (!finished) await iterator.return?.().catch(() => {});
    }
  }

  /**
   * The bytes the client sends, until it closes its side. Ends normally only on a clean EOF; a reset, a stall or an
   * abort throws, so the storage never commits a file the client did not finish sending.
   */
  receive(signal: AbortSignal): ReceivedData {
    return new ReceivedData(this.#socket, signal, (bytes) => this.#moved(bytes));
  }

  /** Closes the connection at once. Safe to call more than once. */
  destroy(): void {
    clearTimeout(this.#stallTimer);
    this.#socket.destroy();
  }
}

function waitForDrain(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new TransferAbortedError('data connection closed by the client'));
    };
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}
