import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { LineSplitter, type SplitterItem } from '@ftp/protocol';
import type { Session, SessionIo } from './session/session.ts';

/** How long a closing control connection may take to flush its last reply before it is destroyed. */
const closeGraceMs = 2_000;

/**
 * Replies buffered for a client that does not read them, beyond which we stop reading its commands until it drains:
 * a client can never make us hold more than this plus one line per session.
 */
const replyBufferLimit = 64 * 1024;

const lineFeed = Buffer.from('\n');

/** Why reading is paused, as bits of one number (a Set per connection cost about 190 bytes of every idle session). */
const PauseReason = { queue: 1, replies: 2, auth: 4 } as const;
type PauseReason = (typeof PauseReason)[keyof typeof PauseReason];

// Socket listeners shared by all connections (the socket is `this`), so an idle session holds no closures for them.
function destroyOnError(this: Socket): void {
  this.destroy();
}

/** The client's FIN: finish our side too, unless a closing reply already did (a second end() builds an error). */
function endOwnSide(this: Socket): void {
  if (!this.writableEnded) this.end();
}

/**
 * Resolves once `secure` completed its TLS handshake. Otherwise destroys it, so the connection (and the session slot
 * it holds) ends now, and rejects naming why: the handshake failed, did not complete within `timeoutMs`, or the
 * client closed first. A FIN before the handshake would otherwise leave the socket open: our side cannot end while
 * a reply (the implicit-TLS greeting) waits in TLS for a handshake that will never come.
 */
function awaitHandshake(secure: TLSSocket, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (reason: string | undefined): void => {
      clearTimeout(timer);
      secure.off('secure', onSecure).off('end', onEnd).off('error', onError).off('close', onClose);
      if (reason === undefined) {
        resolve();
        return;
      }
      secure.destroy();
      reject(new Error(reason));
    };
    const onSecure = (): void => settle(undefined);
    const onEnd = (): void => settle('the client closed the connection before the TLS handshake completed');
    const onError = (error: Error): void => settle(`TLS handshake failed: ${error.message}`);
    const onClose = (): void => settle('TLS handshake failed: connection closed');
    const timer = setTimeout(() => settle(`no TLS handshake within ${timeoutMs} ms`), timeoutMs);
    timer.unref();
    secure.on('secure', onSecure).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * "AUTH" alone or followed by a space, in any case (RFC 2228 §3): the lines after which reading stops. Compared byte by
 * byte, since the splitter asks it of every line.
 */
function isAuthLine(line: Uint8Array): boolean {
  return (
    line.length >= 4 &&
    (line[0]! | 0x20) === 0x61 &&
    (line[1]! | 0x20) === 0x75 &&
    (line[2]! | 0x20) === 0x74 &&
    (line[3]! | 0x20) === 0x68 &&
    (line.length === 4 || line[4] === 0x20)
  );
}

/**
 * The only place a control socket is read or written. Bytes go through the line splitter into the session; replies
 * come back as one write each (no Nagle delay: `setNoDelay`, so a small reply never waits on a delayed ACK).
 */
export class ControlConnection implements SessionIo {
  /** The socket commands are read from and replies written to: the TCP socket, or TLS over it after AUTH TLS. */
  #socket: Socket;
  #splitter: LineSplitter;
  readonly #maxLineLength: number;
  /** How long a TLS handshake (implicit, or after AUTH TLS) may take before the connection is closed. */
  readonly #handshakeTimeoutMs: number;
  #session: Session | undefined;
  #closeTimer: NodeJS.Timeout | undefined;
  /**
   * Why reading is paused: the session's queue is long, the client does not read our replies, or an AUTH line is
   * waiting for the session's decision.
   */
  #pauseReasons = 0;
  /** The AUTH line reading stopped after, until the session has handled it (see `lineDone`). */
  #authLine: SplitterItem | undefined;
  /** Bytes that followed an AUTH line in its chunk: the start of a TLS handshake, or more commands if AUTH fails. */
  #afterAuth: Buffer | undefined;
  /** The previous chunk ended a line, so the next one starts a new command. */
  #atLineStart = true;
  /** Replies of this turn wait in the socket for `#flushReplies` (see `send`). */
  #corked = false;

  /**
   * Runs on the next tick after the first reply of a turn and lets the corked replies leave in one write. Static, with
   * the connection as argument: one function for all connections instead of a closure per session. `startTls` may
   * have uncorked already.
   */
  static #flushReplies(connection: ControlConnection): void {
    if (!connection.#corked) return;
    connection.#corked = false;
    connection.#socket.uncork();
  }

  constructor(socket: Socket, maxLineLength: number, handshakeTimeoutMs = 10_000) {
    this.#socket = socket;
    this.#maxLineLength = maxLineLength;
    this.#handshakeTimeoutMs = handshakeTimeoutMs;
    this.#splitter = new LineSplitter({ maxLineLength });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
  }

  /**
   * Implicit FTPS (RFC 4217 §2): TLS from the first byte. The session may start at once (its greeting waits in TLS),
   * but a connection whose handshake does not complete in time, fails or is closed by the client ends at once, so it
   * holds its session slot only while it lives (a load balancer's TCP health check opens and closes just like that).
   * `onHandshakeFailed` hears why.
   */
  static overImplicitTls(
    plain: Socket,
    secureContext: SecureContext,
    options: { readonly maxLineLength: number; readonly handshakeTimeoutMs: number },
    onHandshakeFailed: (reason: string) => void,
  ): ControlConnection {
    const secure = new TLSSocket(plain, { isServer: true, secureContext });
    awaitHandshake(secure, options.handshakeTimeoutMs).catch((error: Error) => onHandshakeFailed(error.message));
    return new ControlConnection(secure, options.maxLineLength, options.handshakeTimeoutMs);
  }

  /**
   * Wires the socket to the session and sends the greeting; `onClosed` runs once the connection is closed and the
   * session has finished closing. A callback rather than a promise: a pending promise and its reaction stay with
   * every idle session.
   */
  attach(session: Session, onClosed: () => void = () => {}): void {
    this.#session = session;
    const socket = this.#socket;
    this.#listen(socket);
    // on, not once: 'close' comes once, and once() wraps the listener in three more objects per session.
    socket.on('close', () => {
      clearTimeout(this.#closeTimer);
      void session.handleClose().finally(onClosed);
    });
    session.start();
  }

  #listen(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', destroyOnError);
    socket.on('end', endOwnSide);
  }

  /**
   * Splits a chunk into lines for the session. Reading stops right after an AUTH line until the session has decided:
   * RFC 4217 §4 lets the TLS handshake follow the 234 reply at once, and none of its bytes may be taken as commands.
   */
  #receive(chunk: Buffer): void {
    const session = this.#session!;
    const { items, rest } = this.#splitter.pushUntil(chunk, isAuthLine);
    if (rest !== undefined) {
      // Set aside before the session sees the AUTH line: an idle session runs AUTH TLS at once, and `startTls` must
      // find these bytes (a ClientHello sent in the same packet), not have them stashed after it ran.
      this.#authLine = items.at(-1);
      this.#afterAuth = rest;
      this.#pause(PauseReason.auth);
      this.#atLineStart = true;
    }
    for (const item of items) session.receive(item);
    if (rest !== undefined) return;
    const urgentAbor = this.#endsWithUrgentAbor(chunk);
    if (urgentAbor) {
      for (const item of this.#splitter.push(lineFeed)) session.receive(item);
    }
    this.#atLineStart = urgentAbor || chunk.at(-1) === 0x0a;
  }

  /**
   * The session handled `line`. When reading stopped after it and TLS did not start (AUTH refused, or not admitted at
   * all), the bytes after it are commands after all.
   */
  lineDone(line: SplitterItem): void {
    if (line !== this.#authLine) return;
    this.#authLine = undefined;
    const rest = this.#afterAuth;
    this.#afterAuth = undefined;
    if (rest !== undefined && rest.length > 0) this.#receive(rest);
    if (this.#afterAuth === undefined) this.#resume(PauseReason.auth);
  }

  /**
   * AUTH TLS accepted (the 234 reply is written): the TCP stream continues as TLS, with `secureContext` for this
   * session. Bytes that arrived after the AUTH line go to TLS, never to the splitter. Resolves when the handshake is
   * done; rejects (and closes the connection) when it fails.
   */
  async startTls(secureContext: SecureContext): Promise<void> {
    const plain = this.#socket;
    // The 234 reply waits corked in the plain socket: it must leave before TLS takes the stream over.
    if (this.#corked) {
      this.#corked = false;
      plain.uncork();
    }
    plain.removeAllListeners('data');
    plain.removeAllListeners('end');
    const rest = this.#afterAuth;
    this.#authLine = undefined;
    this.#afterAuth = undefined;
    if (rest !== undefined && rest.length > 0) plain.unshift(rest);
    const secure = new TLSSocket(plain, { isServer: true, secureContext });
    this.#socket = secure;
    // Half a plaintext line before AUTH TLS must not prefix the first protected command.
    this.#splitter = new LineSplitter({ maxLineLength: this.#maxLineLength });
    this.#listen(secure);
    this.#pauseReasons &= ~PauseReason.auth;
    if (this.#pauseReasons !== 0) secure.pause();
    await awaitHandshake(secure, this.#handshakeTimeoutMs);
  }

  /**
   * Python's ftplib (and other clients) send "ABOR\r\n" as TCP urgent data (MSG_OOB). The kernel takes the urgent
   * byte, the LF, out of the stream, and Node.js cannot read it (no SO_OOBINLINE), so the ABOR line would never end
   * and the transfer could not be aborted (RFC 959 §4.1.3). A chunk whose last command is exactly "ABOR" + CR is
   * completed here; should the LF arrive after all, it ends an empty line, which the session ignores.
   */
  #endsWithUrgentAbor(chunk: Buffer): boolean {
    const lastLineFeed = chunk.lastIndexOf(0x0a);
    // The common case, a chunk of whole lines, has nothing after its last LF.
    if (lastLineFeed === chunk.length - 1) return false;
    if (lastLineFeed === -1 && !this.#atLineStart) return false;
    // Telnet IP and DM (RFC 854), which may precede ABOR, are two-byte commands the splitter drops anyway.
    const tail = chunk
      .subarray(lastLineFeed + 1)
      .toString('latin1')
      .replace(/\xff[\xf0-\xfa]/g, '');
    return /^abor\r$/i.test(tail);
  }

  /**
   * Replies sent in one turn of the event loop leave in one write: the first corks the socket and the flush waits
   * until the turn's promise callbacks have run. A small download is read, sent and finished in one turn, so its 150
   * and 226 then share one system call and one wake-up of the client. With `leaveNow` the reply and any
   * held before it leave at once; a lone one is a plain write, with no cork and no flush to schedule.
   */
  send(text: string | Uint8Array, leaveNow: boolean): void {
    const socket = this.#socket;
    if (!socket.writable) return;
    if (leaveNow && !this.#corked) {
      socket.write(text);
    } else {
      if (!this.#corked) {
        this.#corked = true;
        socket.cork();
        process.nextTick(ControlConnection.#flushReplies, this);
      }
      socket.write(text);
      if (leaveNow) ControlConnection.#flushReplies(this);
    }
    if (socket.writableLength > replyBufferLimit && (this.#pauseReasons & PauseReason.replies) === 0) {
      this.#pause(PauseReason.replies);
      socket.once('drain', () => this.#resume(PauseReason.replies));
    }
  }

  flush(): void {
    ControlConnection.#flushReplies(this);
  }

  close(): void {
    this.#socket.end();
    this.#closeTimer = setTimeout(() => this.#socket.destroy(), closeGraceMs);
    this.#closeTimer.unref();
  }

  pauseInput(): void {
    this.#pause(PauseReason.queue);
  }

  resumeInput(): void {
    this.#resume(PauseReason.queue);
  }

  #pause(reason: PauseReason): void {
    this.#pauseReasons |= reason;
    this.#socket.pause();
  }

  #resume(reason: PauseReason): void {
    this.#pauseReasons &= ~reason;
    if (this.#pauseReasons === 0) this.#socket.resume();
  }

  /** Sends a last reply to a connection refused before any session exists (limits), then closes it. */
  static refuse(socket: Socket, text: string): void {
    socket.on('error', () => socket.destroy());
    socket.end(text);
    setTimeout(() => socket.destroy(), closeGraceMs).unref();
  }

  /**
   * `refuse` on the implicit-TLS port: the client speaks TLS from its first byte, so the reply goes out only after the
   * handshake, encrypted; a client that does not complete one within `handshakeTimeoutMs` is closed without a word.
   * Never in clear, where a TLS client reads garbage and a reply could be forged anyway.
   */
  static refuseOverTls(plain: Socket, secureContext: SecureContext, text: string, handshakeTimeoutMs: number): void {
    const secure = new TLSSocket(plain, { isServer: true, secureContext });
    secure.on('error', destroyOnError);
    awaitHandshake(secure, handshakeTimeoutMs).then(
      () => ControlConnection.refuse(secure, text),
      () => {},
    );
  }
}
