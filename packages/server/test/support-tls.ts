import { once } from 'node:events';
import { connect as connectTcp, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { onTestFinished } from 'vitest';
import {
  createFtpServer,
  createLocalAuthenticator,
  hashPassword,
  type FtpServer,
  type FtpServerOptions,
  type TlsOptions,
} from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { tempDirectory, type RawReply, type TestCertificate } from '@ftp/test-utils';

// Test support for the FTPS suites (RFC 4217): a test server with TLS on a certificate of `generateCertificate`
// (@ftp/test-utils), and a raw control client that can switch to TLS after AUTH TLS (the shared raw session stays
// plain).

/** The one account of `startTlsServer`. */
export const testUser = { user: 'alice', password: 'correct horse' } as const;

// A cheap hash: these tests are about TLS, not about password cost.
const passwordHash = await hashPassword(testUser.password, { logCost: 4 });

/** A listening FTPS test server with file-system storage on a temp directory. */
export interface StartedTlsServer {
  readonly server: FtpServer;
  readonly port: number;
  /** The implicit-TLS port when `implicit` was asked for. */
  readonly implicitPort: number | undefined;
  /** The storage root on disk. */
  readonly root: string;
  close(): Promise<void>;
}

export interface TlsServerSetup {
  /** Policy options added to the certificate; `false` starts a plain server (no TLS configured). Default `{}`. */
  readonly tls?: Partial<TlsOptions> | false;
  /** Also open the implicit-TLS listener (port 0). */
  readonly implicit?: boolean;
  /** Any other server option. */
  readonly options?: Partial<FtpServerOptions>;
}

/**
 * Starts a server on 127.0.0.1 (port 0) with `createFsStorage` on a temp directory, the local authenticator with
 * `testUser`, and `certificate`; closed when the current test finishes.
 */
export async function startTlsServer(certificate: TestCertificate, setup: TlsServerSetup = {}): Promise<StartedTlsServer> {
  const root = await tempDirectory('ftps-root-');
  const policy = setup.tls ?? {};
  const tls: TlsOptions | undefined =
    policy === false
      ? undefined
      : { cert: certificate.cert, key: certificate.key, ...policy, ...(setup.implicit === true ? { implicitPort: 0 } : {}) };
  const server = createFtpServer({
    authenticator: createLocalAuthenticator({ users: [{ username: testUser.user, passwordHash }] }),
    storage: createFsStorage({ root, fsync: false }),
    ...setup.options,
    ...(tls === undefined ? {} : { tls }),
    host: '127.0.0.1',
    port: 0,
  });
  const { port, implicitTlsPort } = await server.listen();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= server.close({ timeoutMs: 2_000 }));
  onTestFinished(close);
  return { server, port, implicitPort: implicitTlsPort, root, close };
}

/**
 * Records "VERB argument -> reply code" for every command the server runs from now on (the `command` event), to
 * check which commands a client really sent (REST+STOR or APPE, PROT P or C).
 */
export function recordCommands(server: FtpServer): string[] {
  const commands: string[] = [];
  server.on('command', (event) =>
    commands.push(
      `${event.verb}${event.argument === undefined || event.argument === '' ? '' : ` ${event.argument}`} -> ${event.replyCode}`,
    ),
  );
  return commands;
}

/** Client TLS options for the test certificates: no verification (they are self-signed), identity 127.0.0.1. */
const clientTlsOptions = { rejectUnauthorized: false, host: '127.0.0.1' } as const;

/**
 * Collects FTP replies (RFC 959 §4.2) from whichever stream currently carries the control connection. Multi-line
 * replies are joined; `read` waits for the next one.
 */
export class ReplyReader {
  #buffered = '';
  #pending: string[] = [];
  readonly #replies: RawReply[] = [];
  #wake: (() => void) | undefined;
  #ended = false;

  /** Reads replies from `stream` from now on. */
  attach(stream: Readable): void {
    stream.on('data', (chunk: Buffer) => this.push(chunk));
    stream.once('close', () => {
      this.#ended = true;
      this.#wake?.();
    });
  }

  /** Takes bytes read from the control connection. */
  push(chunk: Buffer): void {
    this.#buffered += chunk.toString('latin1');
    let end: number;
    while ((end = this.#buffered.indexOf('\r\n')) >= 0) {
      const line = this.#buffered.slice(0, end);
      this.#buffered = this.#buffered.slice(end + 2);
      this.#pending.push(line);
      const first = this.#pending[0]!;
      const code = first.slice(0, 3);
      if (/^\d{3}( |$)/.test(line) && line.startsWith(code) && (this.#pending.length > 1 || first[3] !== '-')) {
        this.#replies.push({ code: Number(code), lines: this.#pending, text: this.#pending.join('\n') });
        this.#pending = [];
      }
    }
    this.#wake?.();
  }

  /** The next complete reply; rejects after `timeoutMs` or when the connection closed first. */
  async read(timeoutMs = 10_000): Promise<RawReply> {
    const deadline = Date.now() + timeoutMs;
    while (this.#replies.length === 0) {
      if (this.#ended) throw new Error('connection closed before a reply arrived');
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no reply within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
      });
    }
    return this.#replies.shift()!;
  }
}

/** A raw control connection that can be upgraded to TLS (explicit) or starts in TLS (implicit). */
export interface TlsControlClient {
  /** The socket commands currently travel on: TCP, or TLS once upgraded. */
  readonly socket: Socket;
  /** The TLS socket once the connection is protected. */
  readonly secureSocket: TLSSocket | undefined;
  /** The latest TLS session the server issued on the control connection (what a data connection resumes). */
  readonly tlsSession: Buffer | undefined;
  send(line: string): void;
  read(timeoutMs?: number): Promise<RawReply>;
  command(line: string): Promise<RawReply>;
  /**
   * Sends AUTH TLS (or AUTH `mechanism`), expects 234, and completes the handshake on the same TCP connection with
   * `options` added to the client's TLS options; rejects when the handshake fails.
   */
  upgrade(mechanism?: string, options?: ConnectionOptions): Promise<TLSSocket>;
  /** USER + PASS, expecting 230. */
  login(user: string, password: string): Promise<void>;
  /** Resolves when the connection is closed. */
  readonly closed: Promise<void>;
}

/**
 * Connects to 127.0.0.1:port and reads the 220 greeting; with `implicit`, TLS starts on connect. Destroyed when the
 * test finishes.
 */
export async function tlsControlClient(port: number, implicit = false): Promise<TlsControlClient> {
  const tcp = connectTcp({ host: '127.0.0.1', port });
  tcp.on('error', () => undefined);
  onTestFinished(() => {
    tcp.destroy();
  });
  await once(tcp, 'connect');
  const reader = new ReplyReader();
  let current: Socket = tcp;
  let secureSocket: TLSSocket | undefined;
  let tlsSession: Buffer | undefined;
  const closed = new Promise<void>((resolve) => tcp.once('close', () => resolve()));

  const secure = async (options: ConnectionOptions = {}): Promise<TLSSocket> => {
    // The TLS socket takes over the TCP stream; nothing more may be read from it in clear.
    tcp.removeAllListeners('data');
    const wrapped = connectTls({ ...options, socket: tcp, ...clientTlsOptions });
    wrapped.on('error', () => undefined);
    wrapped.on('session', (session: Buffer) => (tlsSession = session));
    reader.attach(wrapped);
    await Promise.race([
      once(wrapped, 'secureConnect'),
      once(wrapped, 'close').then(() => Promise.reject(new Error('TLS handshake failed'))),
    ]);
    current = wrapped;
    secureSocket = wrapped;
    return wrapped;
  };

  if (implicit) await secure();
  else reader.attach(tcp);
  const greeting = await reader.read();
  if (greeting.code !== 220) throw new Error(`unexpected greeting: ${greeting.text}`);

  const client: TlsControlClient = {
    get socket() {
      return current;
    },
    get secureSocket() {
      return secureSocket;
    },
    get tlsSession() {
      return tlsSession;
    },
    send: (line) => void current.write(`${line}\r\n`),
    read: (timeoutMs) => reader.read(timeoutMs),
    command(line) {
      current.write(`${line}\r\n`);
      return reader.read();
    },
    async upgrade(mechanism = 'TLS', options) {
      const reply = await client.command(`AUTH ${mechanism}`);
      if (reply.code !== 234) throw new Error(`AUTH TLS refused: ${reply.text}`);
      return secure(options);
    },
    async login(user, password) {
      const userReply = await client.command(`USER ${user}`);
      if (userReply.code !== 331) throw new Error(`USER refused: ${userReply.text}`);
      const passReply = await client.command(`PASS ${password}`);
      if (passReply.code !== 230) throw new Error(`PASS refused: ${passReply.text}`);
    },
    closed,
  };
  return client;
}

/** One data connection of a raw client. */
export interface DataConnection {
  readonly socket: Socket;
  /**
   * Protected connections: resolves when the client side of the TLS handshake is done, with whether the server
   * resumed the offered session; rejects when the connection closes first. Plain connections: resolves false at once.
   */
  readonly handshake: Promise<boolean>;
  /** Everything the server sent until the connection closed. */
  readonly received: Promise<Buffer>;
}

/**
 * Connects to a passive data port; with `protect`, starts TLS at once without waiting for it (as curl and basic-ftp
 * do: the server starts its side when the transfer command arrives), resuming `session` when given. Destroyed when
 * the test finishes.
 */
export async function openDataConnection(port: number, protect: boolean, session?: Buffer): Promise<DataConnection> {
  const tcp = connectTcp({ host: '127.0.0.1', port });
  tcp.on('error', () => undefined);
  onTestFinished(() => {
    tcp.destroy();
  });
  await once(tcp, 'connect');
  let socket: Socket = tcp;
  let handshake = Promise.resolve(false);
  if (protect) {
    const wrapped = connectTls({ socket: tcp, ...clientTlsOptions, ...(session === undefined ? {} : { session }) });
    wrapped.on('error', () => undefined);
    handshake = Promise.race([
      once(wrapped, 'secureConnect').then(() => wrapped.isSessionReused()),
      once(wrapped, 'close').then(() => Promise.reject(new Error('data connection closed before the TLS handshake completed'))),
    ]);
    handshake.catch(() => undefined);
    socket = wrapped;
  }
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const received = new Promise<Buffer>((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
  return { socket, handshake, received };
}

/** The port of a 227 reply (RFC 959 §4.1.2). */
export function passivePort(reply: RawReply): number {
  const match = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(reply.text);
  if (reply.code !== 227 || match === null) throw new Error(`not a 227 reply: ${reply.text}`);
  return Number(match[5]) * 256 + Number(match[6]);
}
