import { Buffer } from 'node:buffer';

// TYPE A (RFC 959 §3.1.1.1): on the wire, lines of an ASCII transfer end with CRLF (the Telnet NVT end of line);
// on this server's side, files use the POSIX LF. Both converters are stateful because a CR and its LF can arrive
// in different chunks. Bytes other than line ends pass through unchanged, so UTF-8 text survives.

const lineFeed = 0x0a;
const carriageReturn = 0x0d;

/**
 * Creates a converter for outgoing data (RETR, LIST in TYPE A): each LF not already preceded by CR becomes CRLF;
 * an existing CRLF stays CRLF, even when its CR ended the previous chunk. A lone CR is passed through as it is.
 * Call it with each chunk in order; it returns the converted chunk (the same object when nothing changes).
 */
export function createAsciiEncoder(): (chunk: Uint8Array) => Uint8Array {
  let previousWasCarriageReturn = false;
  return (chunk) => {
    if (chunk.length === 0) {
      return chunk;
    }
    const output: Uint8Array[] = [];
    let start = 0;
    let index = chunk.indexOf(lineFeed);
    while (index !== -1) {
      const precededByCarriageReturn = index === 0 ? previousWasCarriageReturn : chunk[index - 1] === carriageReturn;
      if (!precededByCarriageReturn) {
        output.push(chunk.subarray(start, index), crOnly);
        start = index;
      }
      index = chunk.indexOf(lineFeed, index + 1);
    }
    previousWasCarriageReturn = chunk[chunk.length - 1] === carriageReturn;
    if (output.length === 0) {
      return chunk;
    }
    output.push(chunk.subarray(start));
    return Buffer.concat(output);
  };
}

const crOnly = Uint8Array.of(carriageReturn);

/** A stateful converter for incoming ASCII data; see {@link createAsciiDecoder}. */
export interface AsciiDecoder {
  /** Converts the next chunk. A CR at its end is held back until the next chunk shows whether an LF follows. */
  transform(chunk: Uint8Array): Uint8Array;
  /** Returns what is still held back (a final lone CR, or nothing); call once after the last chunk. */
  flush(): Uint8Array;
}

/**
 * Creates a converter for incoming data (STOR, APPE in TYPE A): CRLF becomes LF, also when CR and LF arrive in
 * different chunks. A CR not followed by LF is kept as data.
 */
export function createAsciiDecoder(): AsciiDecoder {
  let isHoldingCarriageReturn = false;
  return {
    transform(chunk) {
      if (chunk.length === 0) {
        return chunk;
      }
      const output: Uint8Array[] = [];
      if (isHoldingCarriageReturn) {
        isHoldingCarriageReturn = false;
        // The held CR is dropped if this chunk begins with its LF, and is data otherwise.
        if (chunk[0] !== lineFeed) {
          output.push(crOnly);
        }
      }
      let start = 0;
      let end = chunk.length;
      let index = chunk.indexOf(carriageReturn);
      while (index !== -1) {
        if (index === chunk.length - 1) {
          isHoldingCarriageReturn = true;
          end = index;
          break;
        }
        if (chunk[index + 1] === lineFeed) {
          output.push(chunk.subarray(start, index));
          start = index + 1;
        }
        index = chunk.indexOf(carriageReturn, index + 1);
      }
      if (output.length === 0 && start === 0 && end === chunk.length) {
        return chunk;
      }
      output.push(chunk.subarray(start, end));
      return Buffer.concat(output);
    },
    flush() {
      const held = isHoldingCarriageReturn ? Uint8Array.of(carriageReturn) : new Uint8Array(0);
      isHoldingCarriageReturn = false;
      return held;
    },
  };
}
