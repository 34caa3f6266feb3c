import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Authenticator } from '@ftp/plugin-api';
import { createFtpServer, type ServerLogger } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { Client, FTPError } from 'basic-ftp';
import { onTestFinished } from 'vitest';

/** A running FTP server with fs storage in a temporary directory; closed (with its authenticator) when the test ends. */
export interface TestFtpServer {
  readonly port: number;
  /** The storage root on disk. */
  readonly root: string;
}

/** Starts @ftp/server on 127.0.0.1 port 0 with `authenticator`; the defender is off, so failed logins never ban. */
export async function startFtpServer(authenticator: Authenticator, logger?: ServerLogger): Promise<TestFtpServer> {
  const root = await mkdtemp(join(tmpdir(), 'store-postgres-ftp-'));
  const server = createFtpServer({
    authenticator,
    storage: createFsStorage({ root }),
    host: '127.0.0.1',
    port: 0,
    defender: { enabled: false },
    ...(logger === undefined ? {} : { logger }),
  });
  const { port } = await server.listen();
  onTestFinished(async () => {
    await server.close({ timeoutMs: 2_000 });
    await rm(root, { recursive: true, force: true });
  });
  return { port, root };
}

/** Logs in with basic-ftp; the client is closed when the test ends. Rejects with basic-ftp's FTPError on a refusal. */
export async function connect(port: number, user: string, password: string): Promise<Client> {
  const client = new Client(10_000);
  onTestFinished(() => client.close());
  await client.access({ host: '127.0.0.1', port, user, password });
  return client;
}

/** The reply code of a login: 230 when it succeeds, else the code of the refusal (530, 421). */
export async function loginCode(port: number, user: string, password: string): Promise<number> {
  const client = new Client(10_000);
  try {
    await client.access({ host: '127.0.0.1', port, user, password });
    return 230;
  } catch (error) {
    if (error instanceof FTPError) return error.code;
    throw error;
  } finally {
    client.close();
  }
}

/** The FTP reply code of a failed client call, or 0 when it did not fail with one. */
export async function replyCodeOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 0;
  } catch (error) {
    if (error instanceof FTPError) return error.code;
    throw error;
  }
}
