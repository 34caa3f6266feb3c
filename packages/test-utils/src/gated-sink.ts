import { Writable } from 'node:stream';

/** A writable that takes only the bytes it was allowed, so a download written into it stalls between steps. */
export interface GatedSink {
  readonly sink: Writable;
  /** Lets `bytes` more through (`Infinity`: everything from now on). */
  allow(bytes: number): void;
  /** Bytes taken so far. */
  received(): number;
}

/**
 * A sink for a client's download whose pace the test sets: nothing is taken until `allow`, so the server's send
 * stalls once the socket buffers are full, and the transfer stays in progress for as long as the test needs.
 */
export function gatedSink(): GatedSink {
  let allowance = 0;
  let received = 0;
  let waiting: { chunk: Buffer; callback: () => void } | undefined;
  const take = () => {
    if (waiting === undefined || allowance <= 0) return;
    const { chunk, callback } = waiting;
    waiting = undefined;
    allowance -= chunk.length;
    received += chunk.length;
    callback();
  };
  const sink = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      waiting = { chunk, callback };
      take();
    },
  });
  return {
    sink,
    allow(bytes) {
      allowance += bytes;
      take();
    },
    received: () => received,
  };
}
