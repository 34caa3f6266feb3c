import type { Buffer } from 'node:buffer';

/**
 * Makes a name safe to place inside one line of a reply or a listing, without losing information:
 * - LF becomes NUL, the convention of RFC 959 Appendix II for pathnames in a 257 reply, which a client can
 *   convert back;
 * - a CR becomes CR NUL, the Telnet NVT form of a bare CR (RFC 854, "CR NUL"), so it can never pair with a
 *   following LF into a line end.
 * Everything else, including non-ASCII text (sent as UTF-8, RFC 2640), is left as it is.
 */
export function encodeLineBreaks(name: string): string {
  // Almost no name has a line break: two scans are far cheaper than a regular-expression replace per listing line.
  if (name.indexOf('\n') === -1 && name.indexOf('\r') === -1) return name;
  return name.replace(/[\r\n]/g, (character) => (character === '\n' ? '\0' : '\r\0'));
}

/**
 * Writes `name` into `target` at `offset` as {@link encodeLineBreaks} makes it, in UTF-8, and returns the offset
 * after it. ASCII names (nearly all) are copied byte by byte. The caller leaves room for 3 bytes per UTF-16 unit:
 * UTF-8 takes at most 3 per unit (4 for a surrogate pair of 2), an encoded CR 2.
 */
export function writeName(target: Buffer, offset: number, name: string): number {
  for (let index = 0; index < name.length; index++) {
    const code = name.charCodeAt(index);
    if (code >= 0x80 || code === 0x0a || code === 0x0d) {
      return offset + index + target.write(encodeLineBreaks(name.slice(index)), offset + index, 'utf8');
    }
    target[offset + index] = code;
  }
  return offset + name.length;
}

/**
 * Writes the decimal digits of a non-negative safe integer into `target` at `offset`, right-aligned in at least
 * `width` bytes filled with `pad` (zeros by default), and returns the offset after them.
 */
export function writeDigits(target: Uint8Array, offset: number, value: number, width: number, pad = 0x30): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  const end = offset + Math.max(digits, width);
  const firstDigit = end - digits;
  let rest = value;
  for (let index = end - 1; index >= firstDigit; index--) {
    target[index] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  target.fill(pad, offset, firstDigit);
  return end;
}
