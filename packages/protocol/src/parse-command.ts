/**
 * Outcome of {@link parseCommand}: the verb and argument of a command line, or why the line cannot be a command.
 * - `empty`: the line is empty or holds only whitespace.
 * - `encoding`: the line is not valid UTF-8 (RFC 2640 §2.2 makes UTF-8 the pathname encoding), or not valid in the
 *   charset of the decoder given.
 * - `nul`: the line contains a NUL byte, which no pathname or argument may carry.
 */
export type ParseCommandResult =
  | { readonly ok: true; readonly verb: string; readonly argument: string }
  | { readonly ok: false; readonly reason: 'empty' | 'encoding' | 'nul' };

/**
 * Decodes a command line in a charset other than UTF-8 (a legacy client's GBK or Shift_JIS); undefined when the bytes
 * are not valid in it. The charset must keep ASCII as it is, so the verb and the space after it read the same.
 */
export type LineDecoder = (line: Uint8Array) => string | undefined;

// ignoreBOM keeps a leading U+FEFF in the text instead of silently dropping it: the argument must be byte-exact.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const onlyWhitespace = /^[ \t\r\v\f]*$/;

/**
 * Splits one command line (as produced by the line splitter, without its line end) into verb and argument.
 *
 * The verb is everything before the first space, upper-cased in ASCII only (RFC 959 §5.3: verbs are
 * case-insensitive). The argument is everything after that single space, byte-exact: further leading spaces,
 * trailing spaces, quotes and a leading "-" are all kept, because they can be part of a pathname (RFC 3659 §2.2:
 * "any trailing spaces ... form part of the name"). A line without a space has the argument `''`. A line that
 * starts with a space yields the verb `''`, which no command matches.
 *
 * The line is UTF-8 (RFC 2640) unless `decode` is given. NUL bytes are checked before the encoding, and both before
 * emptiness.
 */
export function parseCommand(line: Uint8Array, decode?: LineDecoder): ParseCommandResult {
  if (line.includes(0)) {
    return { ok: false, reason: 'nul' };
  }
  let text: string | undefined;
  if (decode === undefined) {
    try {
      text = utf8Decoder.decode(line);
    } catch {
      return { ok: false, reason: 'encoding' };
    }
  } else {
    text = decode(line);
    if (text === undefined) return { ok: false, reason: 'encoding' };
  }
  if (onlyWhitespace.test(text)) {
    return { ok: false, reason: 'empty' };
  }
  const spaceIndex = text.indexOf(' ');
  const verbText = spaceIndex === -1 ? text : text.slice(0, spaceIndex);
  const argument = spaceIndex === -1 ? '' : text.slice(spaceIndex + 1);
  return { ok: true, verb: toAsciiUpperCase(verbText), argument };
}

/**
 * Upper-cases a-z only, so a non-ASCII verb never turns into a valid one (e.g. "ſtor" must not become "STOR"). Most
 * clients send verbs in upper case already; those are returned as they are, without a regular expression and a
 * callback per line.
 */
function toAsciiUpperCase(text: string): string {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x61 && code <= 0x7a) return text.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
  }
  return text;
}
