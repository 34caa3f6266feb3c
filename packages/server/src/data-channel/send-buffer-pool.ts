import type { ReadBufferPool } from '@ftp/plugin-api';

/** Below this a fresh buffer comes from Node's shared slab, which is cheaper than a pooled one of our own. */
const smallestLentBytes = 64 * 1024;

/** Free buffers kept: one being read, one being sent, one queued in the socket, one spare. */
const maximumFree = 4;

/**
 * The buffers one download lends its storage (`ReadOptions.bufferPool`): the storage reads into them, the data
 * connection sends them and gives each back once the socket has written it. A 1 GiB RETR then touches four 512 KiB
 * buffers instead of allocating 2,048, whose page faults and zeroing would be a large share of the server's CPU per
 * GiB. Only buffers this pool made are taken back, recognised by their ArrayBuffer, so a
 * connector that ignores the pool, or yields a subarray, cannot make us reuse memory it still owns.
 */
export class SendBufferPool implements ReadBufferPool {
  readonly #free: Uint8Array[] = [];
  readonly #lent = new WeakSet<ArrayBufferLike>();

  take(minimumBytes: number): Uint8Array {
    if (minimumBytes < smallestLentBytes) return Buffer.allocUnsafe(minimumBytes);
    const index = this.#free.findIndex((buffer) => buffer.byteLength >= minimumBytes);
    if (index !== -1) return this.#free.splice(index, 1)[0]!;
    // A dedicated ArrayBuffer (never a slice of Node's shared slab), so that giving it back hands out nothing else.
    const buffer = Buffer.allocUnsafeSlow(minimumBytes);
    this.#lent.add(buffer.buffer);
    return buffer;
  }

  /** True when `chunk` lies in a buffer of this pool: `giveBack` it once it has been written. */
  owns(chunk: Uint8Array): boolean {
    return this.#lent.has(chunk.buffer);
  }

  /** The chunk has been written: its whole buffer may be lent again. */
  giveBack(chunk: Uint8Array): void {
    const whole = chunk.buffer;
    if (!this.#lent.has(whole) || this.#free.length >= maximumFree) return;
    if (!this.#free.some((buffer) => buffer.buffer === whole)) this.#free.push(Buffer.from(whole, 0, whole.byteLength));
  }
}
