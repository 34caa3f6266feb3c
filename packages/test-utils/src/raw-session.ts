import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { onTestFinished } from 'vitest';

/** One complete FTP reply (RFC 959 §4.2), multi-line replies joined. */
export interface RawReply {
  readonly code: number;
  /** Every line of the reply without CRLF. */
  readonly lines: readonly string[];
  /** The lines joined with "\n". */
  readonly text: string;
}

/** A minimal raw control-connection client for protocol-level tests. */
export interface RawSession {
  readonly socket: Socket;
  /** Sends one command line; CRLF is appended. */
  send(line: string): void;
  /** Sends bytes exactly as given (no CRLF added). */
  sendBytes(bytes: Uint8Array): void;
  /** The next complete reply; rejects after `timeoutMs` or when the connection closes first. */
  read(timeoutMs?: number): Promise<RawReply>;
  /** `send(line)` then `read()`. */
  command(line: string, timeoutMs?: number): Promise<RawReply>;
  /** `USER` + `PASS`, expecting 230 (throws otherwise). */
  login(user?: string, password?: string): Promise<void>;
  /** Resolves when the server closed the connection (or it was destroyed). */
  readonly closed: Promise<void>;
  /** True once the connection is closed. */
  readonly isClosed: boolean;
  /** Destroys the socket. */
  close(): void;
}

const defaultTimeoutMs = 10_000;

/** A TCP connection to host:port (from `localAddress` when given), destroyed when the test finishes. */
async function connectForTest(host: string, port: number, localAddress: string | undefined): Promise<Socket> {
  const socket = connect({ host, port, ...(localAddress === undefined ? {} : { localAddress }) });
  onTestFinished(() => {
    socket.destroy();
  });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

/** Opens a raw control connection to host:port (default 127.0.0.1; greeting NOT consumed); destroyed when the test finishes. */
export async function rawSession(port: number, localAddress?: string, host = '127.0.0.1'): Promise<RawSession> {
  const socket = await connectForTest(host, port, localAddress);
  let buffered = '';
  let isClosed = false;
  const replies: RawReply[] = [];
  const waiters: Array<() => void> = [];
  const wake = (): void => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => {
      isClosed = true;
      wake();
      resolve();
    });
  });
  let pending: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    let end: number;
    while ((end = buffered.indexOf('\r\n')) >= 0) {
      const line = Buffer.from(buffered.slice(0, end), 'latin1').toString('utf8');
      buffered = buffered.slice(end + 2);
      pending.push(line);
      // A reply ends with a line "ddd " (or exactly "ddd") whose code matches the first line (RFC 959 §4.2).
      const first = pending[0]!;
      const code = first.slice(0, 3);
      const isLast = /^\d{3}( |$)/.test(line) && line.startsWith(code) && (pending.length > 1 || first[3] !== '-');
      if (isLast) {
        replies.push({ code: Number(code), lines: pending, text: pending.join('\n') });
        pending = [];
      }
    }
    wake();
  });

  async function read(timeoutMs = defaultTimeoutMs): Promise<RawReply> {
    const deadline = Date.now() + timeoutMs;
    while (replies.length === 0) {
      if (isClosed) throw new Error('connection closed before a reply arrived');
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no reply within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return replies.shift()!;
  }

  const session: RawSession = {
    socket,
    send: (line) => void socket.write(`${line}\r\n`),
    sendBytes: (bytes) => void socket.write(bytes),
    read,
    command: (line, timeoutMs) => {
      socket.write(`${line}\r\n`);
      return read(timeoutMs);
    },
    async login(user = 'user', password = 'password') {
      const userReply = await session.command(`USER ${user}`);
      if (userReply.code === 230) return;
      const passReply = await session.command(`PASS ${password}`);
      if (passReply.code !== 230) throw new Error(`login failed: ${passReply.text}`);
    },
    closed,
    get isClosed() {
      return isClosed;
    },
    close: () => void socket.destroy(),
  };
  return session;
}

/** Opens a raw control connection to 127.0.0.1:port and reads the 220 greeting; destroyed when the test finishes. */
export async function greetedRawSession(port: number): Promise<RawSession> {
  const session = await rawSession(port);
  const greeting = await session.read();
  if (greeting.code !== 220) throw new Error(`unexpected greeting: ${greeting.text}`);
  return session;
}

/** Opens a raw control connection, reads the 220 greeting and logs in. */
export async function loggedInRawSession(port: number, user?: string, password?: string): Promise<RawSession> {
  const session = await greetedRawSession(port);
  await session.login(user, password);
  return session;
}

/** The port of a 227 reply "Entering Passive Mode (h1,h2,h3,h4,p1,p2)" (RFC 959 §4.1.2). */
export function pasvPort(reply: RawReply): number {
  const match = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(reply.text);
  if (reply.code !== 227 || match === null) throw new Error(`not a 227 reply: ${reply.text}`);
  return Number(match[5]) * 256 + Number(match[6]);
}

/** The port of a 229 reply "(|||port|)" (RFC 2428 §3). */
export function epsvPort(reply: RawReply): number {
  const match = /\(\|\|\|(\d+)\|\)/.exec(reply.text);
  if (reply.code !== 229 || match === null) throw new Error(`not a 229 reply: ${reply.text}`);
  return Number(match[1]);
}

/** Connects a data socket to 127.0.0.1:port (optionally from `localAddress`); destroyed when the test finishes. */
export function openDataConnection(port: number, localAddress?: string): Promise<Socket> {
  return connectForTest('127.0.0.1', port, localAddress);
}

/** Reads a data socket until the peer closes it; resolves with everything received. */
export function readToEnd(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
}

/** Sends `PASV`, connects the data socket, and returns it. */
export async function passiveData(session: RawSession): Promise<Socket> {
  const reply = await session.command('PASV');
  return openDataConnection(pasvPort(reply));
}
