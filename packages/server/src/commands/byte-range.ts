import { ReplyCode } from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';
import type { TransferRange } from '../session/session-state.ts';

/**
 * RANG (draft-bryan-ftp-range): the byte range of the next RETR, STOR or HASH. Positions count from 0 and both ends are
 * included, so `RANG 0 9` is the first ten bytes; `RANG 1 0`, the one range whose end lies before its start, resets.
 */

/** What `RANG 1 0` asks for: no range (draft-bryan-ftp-range: the reset form). */
export const resetRange = 'reset';

/** Byte positions have at most 15 digits, as REST's offsets: every such number is a safe integer. */
const positionPattern = /^(\d{1,15})\s+(\d{1,15})$/;

/** Reads "start-point end-point"; throws 501 naming the cause for anything else. */
export function parseTransferRange(argument: string): TransferRange | typeof resetRange {
  const match = positionPattern.exec(argument.trim());
  if (match === null) {
    if (/^\d+\s+\d+$/.test(argument.trim())) {
      throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'A byte position has at most 15 digits.');
    }
    throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'Syntax: RANG <sp> start-point <sp> end-point');
  }
  const first = Number(match[1]);
  const last = Number(match[2]);
  if (first === 1 && last === 0) return resetRange;
  if (last < first) {
    throw new ReplyError(
      ReplyCode.SyntaxErrorInArguments,
      `The end point ${last} lies before the start point ${first} (RANG 1 0 resets the range).`,
    );
  }
  return { first, last };
}

/**
 * RETR and HASH of a range: the range's end (excluded, as `ByteRange` counts it) in a file of `size` bytes. The range
 * is sent or hashed exactly or not at all: one that goes beyond the file's last byte is 554 before any data connection
 * opens, as proftpd answers it, rather than cut short where a client counting on its bytes would not notice.
 */
export function rangeEndIn(range: TransferRange, size: number): number {
  if (range.last >= size) {
    throw new ReplyError(
      ReplyCode.InvalidRestartPoint,
      `Byte range ${range.first}-${range.last} goes beyond the last byte of the file (${size} bytes).`,
    );
  }
  return range.last + 1;
}

/**
 * STOR of a range writes from its start to the end of the file, through the storage's resume (`WriteOptions.offset`:
 * keep the bytes before it, replace the rest). The range must therefore start within the file or right at its end (a
 * gap would have no content: 554, as for REST), and reach the file's last byte: the contract keeps no bytes after the
 * data written, so a range that ends inside the file would lose the rest of it. That is refused with 504 ("command not
 * implemented for that parameter", RFC 959 §4.2): STOR and RANG are implemented, this one range is what cannot be
 * honoured. Both before any data moves.
 */
export function checkRangeUpload(range: TransferRange, existingSize: number | undefined): void {
  const size = existingSize ?? 0;
  if (range.first > size) {
    const file = existingSize === undefined ? 'there is no such file yet' : `the file has ${size} bytes`;
    throw new ReplyError(
      ReplyCode.InvalidRestartPoint,
      `Byte range ${range.first}-${range.last} starts beyond the end of the file (${file}).`,
    );
  }
  if (size > range.last + 1) {
    throw new ReplyError(
      ReplyCode.ParameterNotImplemented,
      `Byte range ${range.first}-${range.last} ends before the end of the file (${size} bytes): STOR can only rewrite a file from a byte to its end.`,
    );
  }
}

/** The first `count` bytes of `source` (fewer if it ends first); stopping early returns its iterator, which releases the file. */
export async function* firstBytes(source: AsyncIterable<Uint8Array>, count: number): AsyncGenerator<Uint8Array> {
  let left = count;
  if (left <= 0) return;
  for await (const chunk of source) {
    if (chunk.byteLength >= left) {
      yield chunk.subarray(0, left);
      return;
    }
    left -= chunk.byteLength;
    yield chunk;
  }
}

/**
 * The data of a ranged STOR, which must fill the range exactly (draft-bryan-ftp-range; proftpd aborts a ranged upload
 * that ends short or runs over too). The first chunk that would write beyond the range's last byte stops the upload
 * with 552 before it reaches the storage ("exceeded storage allocation", RFC 959 §4.2: the range is the space the
 * client asked for), so nothing outside the range is written. Data that ends before the range is full is 426, thrown
 * before the storage commits: a replace (a range from byte 0) then leaves the file as it was, while a resume may keep
 * what it wrote in place, as an interrupted REST+STOR does.
 */
export async function* fillingRange(data: AsyncIterable<Uint8Array>, range: TransferRange): AsyncGenerator<Uint8Array> {
  const expected = range.last - range.first + 1;
  let received = 0;
  for await (const chunk of data) {
    received += chunk.byteLength;
    if (received > expected) {
      throw new ReplyError(
        ReplyCode.ExceededStorageAllocation,
        `More data than the ${expected} bytes of byte range ${range.first}-${range.last}: upload stopped.`,
      );
    }
    yield chunk;
  }
  if (received < expected) {
    throw new ReplyError(
      ReplyCode.ConnectionClosedTransferAborted,
      `The data ended after ${received} of the ${expected} bytes of byte range ${range.first}-${range.last}: transfer aborted.`,
    );
  }
}
