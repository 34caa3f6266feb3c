import type { Socket } from 'node:net';
import { LineSplitter } from '@ftp/protocol';
import type { Session, SessionIo } from './session/session.ts';

/** How long a closing control connection may take to flush its last reply before it is destroyed. */
const closeGraceMs = 2_000;

/**
 * Replies buffered for a client that does not read them, beyond which we stop reading its commands until it drains:
 * a client can never make us hold more than this plus one line per session.
 */
const replyBufferLimit = 64 * 1024;

const lineFeed = Buffer.from('\n');

/**
 * The only place a control socket is read or written. Bytes go through the line splitter into the session; replies
 * come back as one write each (no Nagle delay: `setNoDelay`, so a small reply never waits on a delayed ACK).
 */
export class ControlConnection implements SessionIo {
  readonly #socket: Socket;
  readonly #splitter: LineSplitter;
  #session: Session | undefined;
  #closeTimer: NodeJS.Timeout | undefined;
  /** Why reading is paused: the session's queue is long, or the client does not read our replies. */
  readonly #pauseReasons = new Set<'queue' | 'replies'>();
  /** The previous chunk ended a line, so the next one starts a new command. */
  #atLineStart = true;

  constructor(socket: Socket, maxLineLength: number) {
    this.#socket = socket;
    this.#splitter = new LineSplitter({ maxLineLength });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
  }

  /** Wires the socket to the session and sends the greeting. Resolves when the connection is closed. */
  attach(session: Session): Promise<void> {
    this.#session = session;
    const socket = this.#socket;
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.#splitter.push(chunk)) session.receive(item);
      const urgentAbor = this.#endsWithUrgentAbor(chunk);
      if (urgentAbor) {
        for (const item of this.#splitter.push(lineFeed)) session.receive(item);
      }
      this.#atLineStart = urgentAbor || chunk.at(-1) === 0x0a;
    });
    socket.on('error', () => socket.destroy());
    socket.on('end', () => socket.end());
    const closed = new Promise<void>((resolve) => {
      socket.once('close', () => {
        clearTimeout(this.#closeTimer);
        void session.handleClose().finally(resolve);
      });
    });
    session.start();
    return closed;
  }

  /**
   * Python's ftplib (and other clients) send "ABOR\r\n" as TCP urgent data (MSG_OOB). The kernel takes the urgent
   * byte, the LF, out of the stream, and Node.js cannot read it (no SO_OOBINLINE), so the ABOR line would never end
   * and the transfer could not be aborted (RFC 959 §4.1.3). A chunk whose last command is exactly "ABOR" + CR is
   * completed here; should the LF arrive after all, it ends an empty line, which the session ignores.
   */
  #endsWithUrgentAbor(chunk: Buffer): boolean {
    const lastLineFeed = chunk.lastIndexOf(0x0a);
    if (lastLineFeed === -1 && !this.#atLineStart) return false;
    // Telnet IP and DM (RFC 854), which may precede ABOR, are two-byte commands the splitter drops anyway.
    const tail = chunk.subarray(lastLineFeed + 1).toString('latin1').replace(/\xff[\xf0-\xfa]/g, '');
    return /^abor\r$/i.test(tail);
  }

  send(text: string): void {
    const socket = this.#socket;
    if (!socket.writable) return;
    socket.write(text);
    if (socket.writableLength > replyBufferLimit && !this.#pauseReasons.has('replies')) {
      this.#pause('replies');
      socket.once('drain', () => this.#resume('replies'));
    }
  }

  close(): void {
    this.#socket.end();
    this.#closeTimer = setTimeout(() => this.#socket.destroy(), closeGraceMs);
    this.#closeTimer.unref();
  }

  pauseInput(): void {
    this.#pause('queue');
  }

  resumeInput(): void {
    this.#resume('queue');
  }

  #pause(reason: 'queue' | 'replies'): void {
    this.#pauseReasons.add(reason);
    this.#socket.pause();
  }

  #resume(reason: 'queue' | 'replies'): void {
    this.#pauseReasons.delete(reason);
    if (this.#pauseReasons.size === 0) this.#socket.resume();
  }

  /** Sends a last reply to a connection refused before any session exists (limits), then closes it. */
  static refuse(socket: Socket, text: string): void {
    socket.on('error', () => socket.destroy());
    socket.end(text);
    setTimeout(() => socket.destroy(), closeGraceMs).unref();
  }
}
