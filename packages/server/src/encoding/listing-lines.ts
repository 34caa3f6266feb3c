import { isAscii, type Buffer } from 'node:buffer';
import type { WireCharset } from './wire-charset.ts';

/** Writes an entry's line and CRLF at `offset` and returns the offset after it, or -1 when `target` lacks the room. */
export type NamedLineEncoder<Entry extends { readonly name: string }> = (entry: Entry, target: Buffer, offset: number) => number;

/** A line encoder that writes in a legacy charset, and what it left out. */
export interface LinesInCharset<Entry extends { readonly name: string }> {
  readonly encode: NamedLineEncoder<Entry>;
  /** How many entries were left out: their names have no exact form in the charset. */
  readonly skipped: number;
  /** The first name left out, for the log. */
  readonly firstSkipped: string | undefined;
}

/**
 * The lines `encode` writes in UTF-8, written in `charset` instead. A line that is all ASCII (nearly every one) is left
 * as `encode` wrote it: the charset keeps ASCII as it is (`resolveWireCharset` refuses any other). Any other line is
 * transcoded, unless its name has no exact form in the charset: that entry is left out. A "?" in its place would name a
 * different file, or none, when the client sends the name back (RETR, DELE), and could match other names as a pattern.
 */
export function linesInCharset<Entry extends { readonly name: string }>(
  encode: NamedLineEncoder<Entry>,
  charset: WireCharset,
): LinesInCharset<Entry> {
  const lines = {
    skipped: 0,
    firstSkipped: undefined as string | undefined,
    encode(entry: Entry, target: Buffer, offset: number): number {
      const end = encode(entry, target, offset);
      if (end === -1 || isAscii(target.subarray(offset, end))) return end;
      if (charset.encodeName(entry.name) === undefined) {
        lines.skipped++;
        lines.firstSkipped ??= entry.name;
        return offset;
      }
      // Only the name is not ASCII in a listing line, and it has an exact form: the rest stays as it was.
      const line = charset.encode(target.toString('utf8', offset, end));
      if (line.length > target.length - offset) return -1;
      target.set(line, offset);
      return offset + line.length;
    },
  };
  return lines;
}
