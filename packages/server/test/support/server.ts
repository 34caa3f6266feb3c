import { Client } from 'basic-ftp';
import { createHash } from 'node:crypto';
import { onTestFinished } from 'vitest';
import { createFtpServer, createNoAuthAuthenticator, type FtpServer, type FtpServerEvents, type FtpServerOptions } from '@ftp/server';
import { createMemoryStorage } from '../../src/testing/memory-storage.ts';

/** A listening test server. */
export interface StartedServer {
  readonly server: FtpServer;
  readonly port: number;
  /** Closes the server (idempotent); sessions still open get 421. Also runs automatically when the test finishes. */
  close(): Promise<void>;
}

/**
 * Creates a server on 127.0.0.1, port 0, with the given options (default: no-auth authenticator, empty memory
 * storage), and closes it when the current test finishes. Call it inside a test (it uses `onTestFinished`).
 */
export async function startServer(options: Partial<FtpServerOptions> = {}): Promise<StartedServer> {
  const server = createFtpServer({
    authenticator: createNoAuthAuthenticator(),
    storage: createMemoryStorage(),
    ...options,
    host: options.host ?? '127.0.0.1',
    port: 0,
  });
  const { port } = await server.listen();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= server.close({ timeoutMs: 2_000 }));
  onTestFinished(close);
  return { server, port, close };
}

/** A basic-ftp client logged in to 127.0.0.1:port; closed when the current test finishes. */
export async function connectClient(port: number, user = 'user', password = 'password'): Promise<Client> {
  const client = new Client(15_000);
  onTestFinished(() => client.close());
  await client.access({ host: '127.0.0.1', port, user, password });
  return client;
}

/** Hex SHA-256 of a buffer. */
export function sha256(buffer: Uint8Array): string {
  return createHash('sha256').update(buffer).digest('hex');
}

/** The payload of the next `event` the server emits (register before triggering it). */
export function nextEvent<E extends keyof FtpServerEvents>(server: FtpServer, event: E): Promise<FtpServerEvents[E][0]> {
  return new Promise((resolve) => {
    server.once(event, ((...payload: FtpServerEvents[E]) => resolve(payload[0])) as never);
  });
}
