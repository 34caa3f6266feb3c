import { Buffer } from 'node:buffer';

/** One result of {@link LineSplitter.push}: a complete command line, or notice that a line was too long. */
export type SplitterItem = { readonly kind: 'line'; readonly bytes: Buffer } | { readonly kind: 'too-long' };

/** Options for {@link LineSplitter}. */
export interface LineSplitterOptions {
  /** Longest accepted line in bytes, not counting the line end. Default {@link defaultMaxLineLength}. */
  readonly maxLineLength?: number;
}

/** Default longest command line in bytes (not counting CRLF). */
export const defaultMaxLineLength = 4096;

/** First size of the line buffer; enough for nearly every command line. */
const initialCapacity = 128;

const lineFeed = 0x0a;
const carriageReturn = 0x0d;

// RFC 854 Telnet command bytes. The FTP control connection is a Telnet NVT stream (RFC 959 §4.1.3), so a client
// may interleave these with command text; ABOR is typically preceded by IAC IP IAC DM (RFC 959 §4.1.3, ABOR).
const interpretAsCommand = 0xff;
/** The lowest Telnet command byte (SE); every command is 0xF0-0xFF, so a lower byte after IAC is none. */
const lowestTelnetCommand = 0xf0;
const telnetWill = 0xfb;
const telnetDont = 0xfe;
const telnetInterruptProcess = 0xf4;
const telnetDataMark = 0xf2;

/**
 * Where the Telnet decoder is: in plain data, right after an IAC, or after IAC WILL/WONT/DO/DONT and waiting for
 * the option byte that completes the negotiation.
 */
type TelnetState = 'data' | 'command' | 'option';

/**
 * Incremental splitter for the FTP control connection: feeds on raw socket chunks and yields complete command
 * lines without their line ends, with Telnet commands removed.
 *
 * - Lines end with LF; a CR immediately before the LF is dropped, so both CRLF (RFC 959 §4.1) and the bare LF some
 *   clients send are accepted. A CR anywhere else is kept as data.
 * - Telnet (RFC 854): IAC IAC is one 0xFF data byte; IAC WILL/WONT/DO/DONT option is removed (three bytes); IAC and
 *   any other command byte (IP, DM, AO, AYT, SB, SE...) are removed (two bytes). An IAC followed by a byte below
 *   0xF0, which is no command, is dropped and the byte kept. Subnegotiation is simplified: the bytes between IAC SB
 *   and IAC SE are treated as data, since FTP never negotiates options that use it.
 * - A line longer than `maxLineLength` bytes produces exactly one `too-long` item as soon as the limit is crossed;
 *   its remaining bytes up to the next LF are discarded without being stored, so memory stays bounded however long
 *   the line. Splitting resumes normally after that LF.
 *
 * Sequences split across chunks (CR LF, IAC sequences, UTF-8 characters) are handled. The returned line buffers are
 * copies the caller may keep.
 */
export class LineSplitter {
  readonly #maxLineLength: number;
  /**
   * The line being assembled. It starts small and doubles up to the maximum only for a long line: an idle session
   * holds one of these, and commands are short (a full-size buffer per session would be most of an idle session).
   */
  #buffer: Buffer;
  #length = 0;
  // A CR is held back instead of being stored: if the next byte is LF it is part of the line end and must not count
  // towards the length limit, so a line of exactly maxLineLength bytes followed by CRLF is accepted.
  #hasPendingCarriageReturn = false;
  #isDiscarding = false;
  #telnetState: TelnetState = 'data';
  // RFC 959 §4.1.3 ABOR: BSD-style clients send "IAC IP IAC" as TCP urgent data, then "DM ABOR". The kernel keeps the
  // last urgent byte (that second IAC) out of the stream, so a bare DM follows the IP; it is the Synch's data mark,
  // not data, and is dropped.
  #afterInterrupt = false;

  constructor(options: LineSplitterOptions = {}) {
    const maxLineLength = options.maxLineLength ?? defaultMaxLineLength;
    if (!Number.isSafeInteger(maxLineLength) || maxLineLength < 1) {
      throw new RangeError(`maxLineLength must be a positive integer, got ${String(maxLineLength)}`);
    }
    this.#maxLineLength = maxLineLength;
    this.#buffer = Buffer.allocUnsafe(Math.min(initialCapacity, maxLineLength));
  }

  /** Bytes of the current incomplete line held in memory; never more than `maxLineLength`. */
  get bufferedLength(): number {
    return this.#length;
  }

  /** Feeds one chunk from the socket; returns the lines (and too-long notices) it completed, in order. */
  push(chunk: Uint8Array): SplitterItem[] {
    return this.pushUntil(chunk, () => false).items;
  }

  /**
   * Like `push`, but stops right after the first complete line for which `stop` returns true and hands back the
   * unread rest of the chunk, byte for byte. AUTH TLS needs this (RFC 4217 §4): whatever follows the AUTH line may be
   * the start of a TLS handshake, and must never be read as commands.
   */
  pushUntil(chunk: Uint8Array, stop: (line: Buffer) => boolean): { items: SplitterItem[]; rest: Buffer | undefined } {
    const items: SplitterItem[] = [];
    for (let index = 0; index < chunk.length; index++) {
      const dataByte = this.#decodeTelnet(chunk[index]!);
      if (dataByte === undefined) continue;
      const before = items.length;
      this.#acceptData(dataByte, items);
      const added = items[before];
      if (added?.kind === 'line' && stop(added.bytes)) {
        return { items, rest: Buffer.from(chunk.subarray(index + 1)) };
      }
    }
    return { items, rest: undefined };
  }

  /** Runs one byte through the RFC 854 decoder; returns the data byte it yields, if any. */
  #decodeTelnet(byte: number): number | undefined {
    switch (this.#telnetState) {
      case 'data': {
        if (byte === interpretAsCommand) {
          this.#telnetState = 'command';
          return undefined;
        }
        const isLostSynchMark = this.#afterInterrupt && byte === telnetDataMark;
        this.#afterInterrupt = false;
        return isLostSynchMark ? undefined : byte;
      }
      case 'command':
        if (byte === interpretAsCommand) {
          this.#telnetState = 'data';
          this.#afterInterrupt = false;
          return byte;
        }
        if (byte < lowestTelnetCommand) {
          // Not a Telnet command (RFC 854), so the IAC is dropped and the byte kept. Clients send the Synch before
          // ABOR as "IAC IP IAC" in line and only the DM as urgent data, which Linux takes out of the stream: the
          // second IAC is then followed by the "A" of ABOR, and swallowing it made the line "BOR".
          this.#telnetState = 'data';
          this.#afterInterrupt = false;
          return byte;
        }
        this.#telnetState = byte >= telnetWill && byte <= telnetDont ? 'option' : 'data';
        this.#afterInterrupt = byte === telnetInterruptProcess;
        return undefined;
      case 'option':
        this.#telnetState = 'data';
        return undefined;
    }
  }

  #acceptData(byte: number, items: SplitterItem[]): void {
    if (byte === lineFeed) {
      this.#endLine(items);
      return;
    }
    if (this.#isDiscarding) {
      return;
    }
    if (this.#hasPendingCarriageReturn) {
      // The held CR was not part of a line end: it is data after all.
      this.#hasPendingCarriageReturn = false;
      this.#append(carriageReturn, items);
      if (this.#isDiscarding) {
        return;
      }
    }
    if (byte === carriageReturn) {
      this.#hasPendingCarriageReturn = true;
      return;
    }
    this.#append(byte, items);
  }

  #grow(): void {
    const larger = Buffer.allocUnsafe(Math.min(this.#buffer.length * 2, this.#maxLineLength));
    this.#buffer.copy(larger, 0, 0, this.#length);
    this.#buffer = larger;
  }

  #append(byte: number, items: SplitterItem[]): void {
    if (this.#length === this.#maxLineLength) {
      items.push({ kind: 'too-long' });
      this.#length = 0;
      this.#isDiscarding = true;
      return;
    }
    if (this.#length === this.#buffer.length) this.#grow();
    this.#buffer[this.#length] = byte;
    this.#length += 1;
  }

  #endLine(items: SplitterItem[]): void {
    if (!this.#isDiscarding) {
      items.push({ kind: 'line', bytes: Buffer.from(this.#buffer.subarray(0, this.#length)) });
    }
    this.#length = 0;
    this.#hasPendingCarriageReturn = false;
    this.#isDiscarding = false;
  }
}
