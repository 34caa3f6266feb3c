import type { Socket } from 'node:net';
import { TransferAbortedError } from '../errors/server-errors.ts';

/** Chunks (up to 64 KiB each) held for the storage before the socket stops reading: back-pressure, bounded memory. */
const queueLimit = 4;

type Waiter = { resolve(result: IteratorResult<Uint8Array>): void; reject(error: unknown): void };

/** Why a transfer stopped, as the session wants to report it. */
export function abortError(signal: AbortSignal, fallback: string): TransferAbortedError {
  const reason: unknown = signal.reason;
  return new TransferAbortedError(reason instanceof Error ? reason.message : fallback, { cause: reason });
}

const ignore = (): void => {};

/**
 * The bytes a client sends on a data connection, as an async iterator driven by the socket's events: a stream's own
 * async iterator costs several times more per small upload; this one costs a promise per chunk. Ends normally only on a clean EOF; a reset, a stall, a close without FIN or an abort throws
 * `TransferAbortedError`, so the storage never commits a file the client did not finish sending.
 */
export class ReceivedData implements AsyncIterableIterator<Uint8Array> {
  readonly #socket: Socket;
  readonly #signal: AbortSignal;
  readonly #count: (bytes: number) => void;
  readonly #chunks: Buffer[] = [];
  #sawEnd = false;
  #sawClose = false;
  #failure: { readonly error: unknown } | undefined;
  #finished = false;
  #waiter: Waiter | undefined;
  /**
   * Once `finishWithin` was called: how much longer in total the consumer may wait on the client for the rest of the
   * data. Undefined until then (the data connection's stall timeout is the only limit).
   */
  #waitBudgetMs: number | undefined;
  #waitTimer: NodeJS.Timeout | undefined;
  #waitStartedAt = 0;
  /** The wait budget ran out: the data did not end in time. */
  #cutOff: TransferAbortedError | undefined;

  constructor(socket: Socket, signal: AbortSignal, count: (bytes: number) => void) {
    this.#socket = socket;
    this.#signal = signal;
    this.#count = count;
    // Stays after the iteration ends: a late error on a socket nobody reads must not become an uncaught exception.
    socket.on('error', ignore);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    signal.addEventListener('abort', this.#onAbort, { once: true });
    socket.resume();
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#count(chunk.byteLength);
    this.#chunks.push(chunk);
    if (this.#chunks.length >= queueLimit) this.#socket.pause();
    this.#wake();
  };

  readonly #onEnd = (): void => {
    this.#sawEnd = true;
    this.#wake();
  };

  readonly #onError = (error: unknown): void => {
    this.#failure ??= { error };
    this.#wake();
  };

  readonly #onClose = (): void => {
    this.#sawClose = true;
    this.#wake();
  };

  readonly #onAbort = (): void => {
    this.#socket.destroy(abortError(this.#signal, 'transfer aborted'));
  };

  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * The control connection closed while the data may still be arriving: the data counts only if it ends (a clean EOF)
   * with the consumer waiting on the client no longer than `budgetMs` in total from now. Bytes the client sent before
   * it closed are already on their way and arrive without pause, so a complete upload ends well within it; a client
   * still sending, or gone without closing the data connection, is cut off. Time the consumer spends elsewhere (the
   * storage writing) does not count: the client is not the one being waited on then.
   */
  finishWithin(budgetMs: number): void {
    if (this.#finished || this.#waitBudgetMs !== undefined) return;
    this.#waitBudgetMs = budgetMs;
    if (this.#waiter !== undefined) this.#startWaiting();
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#finished) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      if (this.#answer({ resolve, reject })) return;
      this.#waiter = { resolve, reject };
      if (this.#waitBudgetMs !== undefined) this.#startWaiting();
    });
  }

  #startWaiting(): void {
    this.#waitStartedAt = Date.now();
    this.#waitTimer = setTimeout(ReceivedData.#budgetSpent, this.#waitBudgetMs, this);
  }

  /** The consumer got its answer: the time it waited comes off the budget. */
  #stopWaiting(): void {
    if (this.#waitTimer === undefined) return;
    clearTimeout(this.#waitTimer);
    this.#waitTimer = undefined;
    this.#waitBudgetMs = Math.max(0, this.#waitBudgetMs! - (Date.now() - this.#waitStartedAt));
  }

  /** Static, with the data as argument, like the other per-transfer timers. */
  static #budgetSpent(data: ReceivedData): void {
    data.#waitTimer = undefined;
    data.#cutOff = new TransferAbortedError('control connection closed before the data connection ended');
    data.#socket.destroy();
    data.#wake();
  }

  /** The consumer stopped early (quota, storage failure): the rest of the data is not wanted. */
  return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.#finished) {
      this.#finish();
      this.#socket.destroy();
    }
    return Promise.resolve({ done: true, value: undefined });
  }

  #wake(): void {
    const waiter = this.#waiter;
    if (waiter === undefined || !this.#answer(waiter)) return;
    this.#waiter = undefined;
    this.#stopWaiting();
  }

  /** Settles `waiter` when there is something to say; false while there is nothing yet. */
  #answer(waiter: Waiter): boolean {
    if (this.#signal.aborted) return this.#fail(waiter, abortError(this.#signal, 'transfer aborted'));
    if (this.#cutOff !== undefined) return this.#fail(waiter, this.#cutOff);
    const chunk = this.#chunks.shift();
    if (chunk !== undefined) {
      if (this.#chunks.length < queueLimit && !this.#sawEnd) this.#socket.resume();
      waiter.resolve({ done: false, value: chunk });
      return true;
    }
    if (this.#failure !== undefined)
      return this.#fail(waiter, new TransferAbortedError('data connection failed', { cause: this.#failure.error }));
    if (this.#sawEnd) {
      this.#finish();
      waiter.resolve({ done: true, value: undefined });
      return true;
    }
    if (this.#sawClose) return this.#fail(waiter, new TransferAbortedError('data connection closed without EOF'));
    return false;
  }

  #fail(waiter: Waiter, error: TransferAbortedError): true {
    this.#finish();
    waiter.reject(error);
    return true;
  }

  #finish(): void {
    this.#finished = true;
    clearTimeout(this.#waitTimer);
    this.#waitTimer = undefined;
    this.#chunks.length = 0;
    const socket = this.#socket;
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('error', this.#onError);
    socket.off('close', this.#onClose);
    this.#signal.removeEventListener('abort', this.#onAbort);
  }
}
