import { connect, type Socket } from 'node:net';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { AuthenticatorV1, StorageConnectorV1 } from '@ftp/plugin-api';
import { LineSplitter } from '@ftp/protocol';
import { createNoAuthAuthenticator } from '../authenticators/no-auth-authenticator.ts';
import { createCommandRegistry } from '../commands/registry.ts';
import { PortPool } from '../data-channel/port-pool.ts';
import { resolveOptions } from '../resolve-options.ts';
import type { FtpServerEvents } from '../server-events.ts';
import type { FtpServerOptions } from '../server-options.ts';
import { createSession } from '../session/create-session.ts';
import type { Session, SessionIo } from '../session/session.ts';
import { ServerLimits } from '../limits/server-limits.ts';
import { createMemoryStorage } from './memory-storage.ts';

/** Options of `createSessionHarness`; everything has a default. */
export interface SessionHarnessOptions {
  /** Default: an empty `createMemoryStorage()`. */
  readonly storage?: StorageConnectorV1;
  /** Default: `createNoAuthAuthenticator()` (any user name, any password). */
  readonly authenticator?: AuthenticatorV1;
  /** Server options other than the plugins, resolved with `resolveOptions` as the server does. */
  readonly options?: Omit<FtpServerOptions, 'authenticator' | 'storage'>;
}

/** One event the session emitted, for assertions on `login`, `upload`, `delete`, … */
export interface HarnessEvent {
  readonly name: keyof FtpServerEvents;
  readonly payload: unknown;
}

/** How `download` and `upload` set up the transfer. */
export interface TransferOptions {
  /** Sends "REST n" after EPSV, right before the command, as clients do (REST only lasts one command). */
  readonly restartAt?: number;
}

/** What a download through the harness produced. */
export interface HarnessDownload {
  readonly replies: string[];
  readonly data: Buffer;
}

/**
 * A `Session` driven without a control socket (like fastify's `inject`). Replies are the formatted texts without the
 * final CRLF (the bytes of a session in a legacy charset, one Latin-1 character per byte): a single-line reply is "226 Transfer complete.", a multi-line one keeps its inner CRLFs.
 */
export interface SessionHarness {
  readonly session: Session;
  /** Every reply since the greeting, in order. */
  readonly transcript: readonly string[];
  /** The last reply written before each flush: a reply sent to leave at once, or `flushReplies()`. */
  readonly flushedAfter: readonly string[];
  /** Every server event except `command`, in order. */
  readonly events: readonly HarnessEvent[];
  /** True once the session asked to close the control connection (QUIT, 421). */
  readonly isClosed: boolean;
  /** Feeds one command line (CRLF is added) and resolves with the replies it produced once the session is idle. */
  send(line: string): Promise<string[]>;
  /** Feeds raw control-connection bytes as given (line ends and Telnet bytes included). */
  sendBytes(bytes: Uint8Array): Promise<string[]>;
  /** USER then PASS; throws unless the session answers 230. */
  login(username?: string, password?: string): Promise<void>;
  /** Sends EPSV and returns the announced port. */
  passive(): Promise<number>;
  /**
   * EPSV, then the command with a data connection read to its end. A command given as bytes (a legacy charset's) is
   * sent as it is, with CRLF added; so in `upload`.
   */
  download(command: string | Uint8Array, transfer?: TransferOptions): Promise<HarnessDownload>;
  /** EPSV, then the command with `data` written to the data connection and closed. */
  upload(command: string | Uint8Array, data: Uint8Array, transfer?: TransferOptions): Promise<string[]>;
  /** Ends the session as a closed control connection would; safe to call twice. */
  close(): Promise<void>;
}

/** Builds a session with an in-memory `SessionIo`, real loopback data channels and the standard command table. */
export function createSessionHarness(harnessOptions: SessionHarnessOptions = {}): SessionHarness {
  const options = resolveOptions({
    ...harnessOptions.options,
    authenticator: harnessOptions.authenticator ?? createNoAuthAuthenticator(),
    storage: harnessOptions.storage ?? createMemoryStorage(),
  });
  const transcript: string[] = [];
  const flushedAfter: string[] = [];
  const events: HarnessEvent[] = [];
  let isClosed = false;
  const io: SessionIo = {
    send: (text, leaveNow) => {
      // A session in a legacy charset sends bytes: kept one character per byte (Latin-1), so no byte is lost.
      const reply = typeof text === 'string' ? text : Buffer.from(text).toString('latin1');
      transcript.push(reply.replace(/\r\n$/, ''));
      if (leaveNow) flushedAfter.push(transcript.at(-1)!);
    },
    close: () => (isClosed = true),
    flush: () => void flushedAfter.push(transcript.at(-1) ?? ''),
    pauseInput: () => {},
    resumeInput: () => {},
    // The harness has no socket to secure; FTPS is tested over real sockets (test/ftps*.int.test.ts).
    startTls: () => Promise.reject(new Error('the session harness cannot start TLS')),
    lineDone: () => {},
  };
  const session = createSession({
    io,
    connection: { sessionId: 'harness', remoteAddress: '127.0.0.1', localAddress: '127.0.0.1', secure: false },
    portPool: new PortPool(options.passive.minPort, options.passive.maxPort),
    options,
    commands: createCommandRegistry(),
    logger: options.logger,
    tls: undefined,
    // No delay after a failed PASS unless a test asks for one: transcripts stay quick.
    limits: new ServerLimits({
      defender: options.defender ?? { failedLoginDelayMs: 0 },
      bandwidth: options.bandwidth,
      logger: options.logger,
      sharedState: options.sharedState,
    }),
    // `command` events (one per command, for metrics and logs) would drown the ones tests look for.
    emit: (name, ...payload) => void (name === 'command' || events.push({ name, payload: payload[0] })),
  });
  const splitter = new LineSplitter({ maxLineLength: options.maxLineLength });
  const openSockets = new Set<Socket>();
  session.start();

  async function sendBytes(bytes: Uint8Array): Promise<string[]> {
    const start = transcript.length;
    for (const item of splitter.push(bytes)) session.receive(item);
    // Commands run on promises; a macrotask turn lets every pending continuation run before we look again.
    do await nextMacrotask();
    while (!session.isIdle);
    return transcript.slice(start);
  }

  const send = (line: string) => sendBytes(Buffer.from(`${line}\r\n`, 'utf8'));

  async function passive(): Promise<number> {
    const [reply = ''] = await send('EPSV');
    const match = /\(\|\|\|(\d+)\|\)/.exec(reply);
    if (match === null) throw new Error(`EPSV failed: ${reply}`);
    return Number(match[1]);
  }

  /** Connects to the passive port; the socket is dropped when the command ended without ever answering 150. */
  async function withDataConnection(
    command: string | Uint8Array,
    transfer: TransferOptions,
    useSocket: (socket: Socket) => Promise<Buffer>,
  ): Promise<HarnessDownload> {
    const port = await passive();
    if (transfer.restartAt !== undefined) {
      const [reply = ''] = await send(`REST ${transfer.restartAt}`);
      if (!reply.startsWith('350')) throw new Error(`REST failed: ${reply}`);
    }
    const socket = connect({ host: '127.0.0.1', port });
    openSockets.add(socket);
    socket.once('close', () => openSockets.delete(socket));
    const sent = typeof command === 'string' ? send(command) : sendBytes(Buffer.concat([command, Buffer.from('\r\n')]));
    const replies = sent.then((answered) => {
      if (!answered.some((reply) => reply.startsWith('150'))) socket.destroy();
      return answered;
    });
    const [answered, data] = await Promise.all([replies, useSocket(socket)]);
    return { replies: answered, data };
  }

  return {
    session,
    transcript,
    flushedAfter,
    events,
    get isClosed() {
      return isClosed;
    },
    send,
    sendBytes,
    passive,
    async login(username = 'tester', password = 'secret') {
      await send(`USER ${username}`);
      const [reply = ''] = await send(`PASS ${password}`);
      if (!reply.startsWith('230')) throw new Error(`login failed: ${reply}`);
    },
    download: (command, transfer = {}) => withDataConnection(command, transfer, readToEnd),
    async upload(command, data, transfer = {}) {
      const result = await withDataConnection(command, transfer, async (socket) => {
        socket.on('error', () => {});
        socket.end(data);
        return readToEnd(socket);
      });
      return result.replies;
    },
    async close() {
      for (const socket of openSockets) socket.destroy();
      await session.handleClose();
    },
  };
}

/** Everything the peer sends until the socket closes; a reset just ends the data early. */
function readToEnd(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
}
