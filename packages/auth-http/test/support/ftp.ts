import type { Authenticator } from '@ftp/plugin-api';
import { createFtpServer, type ServerLogger } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { tempDirectory, type RawSession } from '@ftp/test-utils';
import { onTestFinished } from 'vitest';

/** Starts an FTP server on 127.0.0.1 port 0 with fs storage in a temp directory; closed when the test finishes. */
export async function startFtpServer(
  authenticator: Authenticator,
  options: { logger?: ServerLogger; maxSessions?: number } = {},
): Promise<number> {
  const root = await tempDirectory('auth-http-ftp-');
  const server = createFtpServer({
    authenticator,
    storage: createFsStorage({ root }),
    host: '127.0.0.1',
    port: 0,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions, maxSessionsPerIp: options.maxSessions }),
  });
  const { port } = await server.listen();
  onTestFinished(() => server.close({ timeoutMs: 2_000 }));
  return port;
}

/** USER then PASS; returns the PASS reply code. */
export async function login(connection: RawSession, user: string, password: string): Promise<number> {
  const userReply = await connection.command(`USER ${user}`);
  if (userReply.code !== 331) return userReply.code;
  return (await connection.command(`PASS ${password}`)).code;
}
