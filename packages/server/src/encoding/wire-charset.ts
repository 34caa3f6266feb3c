import { Buffer } from 'node:buffer';
import { InvalidOptionError } from '@ftp/plugin-api';
import type { LineDecoder } from '@ftp/protocol';
import iconv from 'iconv-lite';

/**
 * A charset of the control connection other than UTF-8: what clients that never send OPTS UTF8 ON (RFC 2640 §3.1) use
 * for names, their system's code page (GBK on Chinese Windows, Shift_JIS on Japanese, Latin-1 on old Unix clients).
 * It applies on the wire only, to command lines, replies and listing names: the names the storage sees stay the same
 * Unicode strings whatever the client speaks, so a file stored over GBK is the UTF-8 name on disk.
 */
export interface WireCharset {
  /** The name the operator configured, for replies and logs. */
  readonly name: string;
  /** A command line's text; undefined for bytes the charset does not define. */
  readonly decode: LineDecoder;
  /** Reply text; a character the charset lacks becomes "?" (the text stays a readable reply). */
  encode(text: string): Buffer;
  /**
   * A name as the client must see it to send it back: its bytes only when they decode to the same name again, otherwise
   * undefined (a character the charset lacks, or one it folds into another, as Shift_JIS folds "¥" into "\").
   */
  encodeName(name: string): Buffer | undefined;
}

/** Every ASCII character: FTP verbs, reply codes and line ends are ASCII, so a charset must leave it as it is. */
const ascii = String.fromCharCode(...Array.from({ length: 128 }, (_, code) => code));

/** How iconv-lite writes bytes it cannot decode. */
const replacementCharacter = '\ufffd';

/**
 * The `encoding` server option: undefined for UTF-8 (the default, RFC 2640), otherwise the charset of sessions until
 * they send OPTS UTF8 ON. Throws `InvalidOptionError` for a name iconv-lite does not know, or a charset that changes
 * ASCII (UTF-16, UTF-7, base64…), in which no FTP client can send a command.
 */
export function resolveWireCharset(encoding: unknown): WireCharset | undefined {
  if (encoding === undefined) return undefined;
  if (typeof encoding !== 'string' || encoding.trim() === '')
    throw new InvalidOptionError('encoding', 'must be the name of a charset, such as "utf-8", "gbk", "shift_jis" or "latin1"');
  if (/^utf-?8$/i.test(encoding)) return undefined;
  if (!iconv.encodingExists(encoding))
    throw new InvalidOptionError('encoding', `"${encoding}" is not a charset iconv-lite knows (examples: "gbk", "shift_jis", "latin1")`);
  if (!iconv.encode(ascii, encoding).equals(Buffer.from(ascii, 'latin1')) || iconv.decode(Buffer.from(ascii, 'latin1'), encoding) !== ascii)
    throw new InvalidOptionError('encoding', `"${encoding}" does not keep ASCII as it is, and FTP commands and replies are ASCII`);
  return createWireCharset(encoding);
}

function createWireCharset(name: string): WireCharset {
  const decodeOptions = { stripBOM: false };
  return {
    name,
    decode(line) {
      const text = iconv.decode(Buffer.from(line.buffer, line.byteOffset, line.byteLength), name, decodeOptions);
      // iconv-lite puts U+FFFD for bytes the charset does not define; a charset that defines U+FFFD itself (GB18030)
      // gives its bytes back when the text is encoded again.
      if (text.includes(replacementCharacter) && !iconv.encode(text, name).equals(line)) return undefined;
      return text;
    },
    encode: (text) => iconv.encode(text, name),
    encodeName(text) {
      if (isAscii(text)) return Buffer.from(text, 'latin1');
      const bytes = iconv.encode(text, name);
      return iconv.decode(bytes, name, decodeOptions) === text ? bytes : undefined;
    },
  };
}

function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) >= 0x80) return false;
  return true;
}
