import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Authenticator } from '@ftp/plugin-api';
import { createFtpServer, type ServerLogger } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { onTestFinished } from 'vitest';

/** A logger that keeps every line it is given, serialised, to search for leaked secrets. */
export function capturingLogger(lines: string[] = []): ServerLogger & { readonly lines: string[] } {
  const make = (bindings: Record<string, unknown>): ServerLogger & { readonly lines: string[] } => {
    const write = (level: string) => (fields: Record<string, unknown>, message?: string) => {
      lines.push(JSON.stringify({ level, ...bindings, ...fields, message }));
    };
    return {
      lines,
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make({});
}

/** Starts an FTP server on 127.0.0.1 port 0 with fs storage in a temp directory; closed when the test finishes. */
export async function startFtpServer(
  authenticator: Authenticator,
  options: { logger?: ServerLogger; maxSessions?: number } = {},
): Promise<number> {
  const root = await mkdtemp(join(tmpdir(), 'auth-http-ftp-'));
  const server = createFtpServer({
    authenticator,
    storage: createFsStorage({ root }),
    host: '127.0.0.1',
    port: 0,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions, maxSessionsPerIp: options.maxSessions }),
  });
  const { port } = await server.listen();
  onTestFinished(async () => {
    await server.close({ timeoutMs: 2_000 });
    await rm(root, { recursive: true, force: true });
  });
  return port;
}

/** A raw FTP control connection (RFC 959 §4.2 replies, multi-line joined). */
export interface FtpConnection {
  /** Sends a line and returns the reply code and text. */
  command(line: string): Promise<{ code: number; text: string }>;
  /** The greeting or any reply not yet read. */
  read(): Promise<{ code: number; text: string }>;
  /** Resolves once the server closed the connection. */
  readonly closed: Promise<void>;
  close(): void;
}

/** Connects and reads the 220 greeting; destroyed when the test finishes. */
export async function connectFtp(port: number): Promise<FtpConnection> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  onTestFinished(() => {
    socket.destroy();
  });
  await once(socket, 'connect');
  const closed = once(socket, 'close').then(() => undefined);
  let buffered = '';
  const replies: Array<{ code: number; text: string }> = [];
  let wake: (() => void) | undefined;
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    // A reply ends with a line "ddd text" (RFC 959 §4.2); earlier "ddd-" lines belong to it.
    for (let match = /^(\d{3}) [^\r\n]*\r\n/m.exec(buffered); match !== null; match = /^(\d{3}) [^\r\n]*\r\n/m.exec(buffered)) {
      const end = match.index + match[0].length;
      replies.push({ code: Number(match[1]), text: buffered.slice(0, end).trimEnd() });
      buffered = buffered.slice(end);
    }
    wake?.();
  });
  socket.on('close', () => wake?.());
  const read = async (): Promise<{ code: number; text: string }> => {
    while (replies.length === 0) {
      if (socket.destroyed) throw new Error('connection closed before a reply');
      await new Promise<void>((resolve) => (wake = resolve));
    }
    return replies.shift()!;
  };
  const connection: FtpConnection = {
    command: (line) => {
      socket.write(`${line}\r\n`);
      return read();
    },
    read,
    closed,
    close: () => socket.destroy(),
  };
  const greeting = await read();
  if (greeting.code !== 220) throw new Error(`unexpected greeting ${greeting.text}`);
  return connection;
}

/** USER then PASS; returns the PASS reply code. */
export async function login(connection: FtpConnection, user: string, password: string): Promise<number> {
  const userReply = await connection.command(`USER ${user}`);
  if (userReply.code !== 331) return userReply.code;
  return (await connection.command(`PASS ${password}`)).code;
}
