import { silentLogger, type PluginContext } from '../plugin-context.ts';
import { StorageError } from '../errors/storage-error.ts';
import type { StorageErrorCode } from '../errors/storage-error.ts';

/** Reads every item of an async iterable into an array. Use it on `StorageSessionV1.list`. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Reads every chunk of an async iterable of bytes into one `Uint8Array`. Use it on the result of `read`. */
export async function collectBytes(iterable: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of iterable) {
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  const joined = new Uint8Array(length);
  let position = 0;
  for (const chunk of chunks) {
    joined.set(chunk, position);
    position += chunk.byteLength;
  }
  return joined;
}

/** The UTF-8 bytes of a string. */
export function bytesFrom(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The string that UTF-8 bytes encode. */
export function textFrom(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** Yields `bytes` as an async iterable in chunks of at most `chunkBytes`, the shape `write` and `append` consume. */
export async function* chunksOf(bytes: Uint8Array, chunkBytes = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < bytes.byteLength; start += chunkBytes) {
    yield bytes.subarray(start, Math.min(start + chunkBytes, bytes.byteLength));
  }
}

/** An `AbortSignal` that never aborts, for calls whose cancellation a test does not exercise. */
export const neverAbortedSignal: AbortSignal = new AbortController().signal;

/** Call options carrying `neverAbortedSignal`. */
export const noAbort = Object.freeze({ signal: neverAbortedSignal });

/** A `PluginContext` for calling `openSession` outside a server: silent logger, loopback addresses. */
export function createTestPluginContext(overrides: Partial<PluginContext> = {}): PluginContext {
  return {
    sessionId: 'conformance-session',
    remoteAddress: '127.0.0.1',
    localAddress: '127.0.0.1',
    secure: false,
    signal: neverAbortedSignal,
    logger: silentLogger,
    ...overrides,
  };
}

/**
 * Runs `operation` and returns the `storageCode` of the `StorageError` it threw (synchronously or by rejecting).
 * Fails with a descriptive error when it succeeds or throws anything that is not a `StorageError`.
 */
export async function storageCodeOf(operation: () => unknown): Promise<StorageErrorCode> {
  let outcome: unknown;
  try {
    outcome = await operation();
  } catch (error) {
    if (StorageError.isInstance(error)) return error.storageCode;
    throw new Error(`expected a StorageError, got ${describeError(error)}`, { cause: error });
  }
  throw new Error(`expected a StorageError, but the operation succeeded with ${describeValue(outcome)}`);
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return describeValue(error);
}

function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A promise with its resolve function exposed, for pausing a data iterable at a chosen point. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

/** Creates a `Deferred`. */
export function createDeferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((resolvePromise) => {
    resolve = resolvePromise;
  });
  return { promise, resolve };
}
