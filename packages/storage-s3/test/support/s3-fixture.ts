import { afterAll, beforeAll, onTestFinished } from 'vitest';
import type { StorageConnectorV1, StorageSessionV1 } from '@ftp/plugin-api';
import { createFtpServer, createNoAuthAuthenticator, type FtpServer, type FtpServerOptions } from '@ftp/server';
import { collectBytes, createTestPluginContext, noAbort } from '@ftp/plugin-api/testing';
import { deletePrefix, prefixOf, startTestS3, type TestS3 } from '@ftp/test-utils/s3';
import { createS3Storage, type S3StorageOptions } from '../../src/index.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';

/** A connector on a fresh prefix of the test bucket, with a session open for user "tester". */
export interface OpenedS3 {
  readonly connector: StorageConnectorV1;
  readonly session: StorageSessionV1;
  readonly prefix: string;
}

/** An FTP server (any user logs in) over a connector on a fresh prefix of the test bucket. */
export interface ServedS3 {
  readonly server: FtpServer;
  readonly port: number;
  readonly prefix: string;
}

/** The test S3 server and the fault proxy in front of it, shared by the tests of one file. */
export interface S3Fixture {
  readonly s3: TestS3;
  readonly proxy: FaultProxy;
  /** Opens a connector through the proxy (reset to forwarding) on a fresh prefix, removed after the test. */
  open(overrides?: Partial<S3StorageOptions>): Promise<OpenedS3>;
  /**
   * Starts an FTP server on 127.0.0.1:0 over a connector through the proxy (reset to forwarding) on a fresh prefix;
   * closed and the prefix removed after the test.
   */
  serve(overrides?: Partial<S3StorageOptions>, serverOptions?: Partial<FtpServerOptions>): Promise<ServedS3>;
}

/**
 * Starts the test S3 server and a fault proxy before the file's tests and stops them after; call at the top level of
 * a test file.
 */
export function useS3ThroughProxy(defaults: Partial<S3StorageOptions> = {}): S3Fixture {
  let s3: TestS3 | undefined;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    s3 = await startTestS3();
    proxy = await startFaultProxy(s3.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
    await s3?.stop();
  });
  const fixture: S3Fixture = {
    get s3() {
      return s3!;
    },
    get proxy() {
      return proxy!;
    },
    async open(overrides = {}) {
      proxy!.decide = () => 'forward';
      proxy!.requests.length = 0;
      const options = s3!.options({ endpoint: proxy!.endpoint, ...defaults, ...overrides });
      const connector = createS3Storage(options);
      const session = await connector.openSession({ username: 'tester' }, createTestPluginContext());
      const prefix = prefixOf(options);
      onTestFinished(async () => {
        await connector.close?.();
        await deletePrefix(s3!, prefix);
      });
      return { connector, session, prefix };
    },
    async serve(overrides = {}, serverOptions = {}) {
      proxy!.decide = () => 'forward';
      proxy!.requests.length = 0;
      const options = s3!.options({ endpoint: proxy!.endpoint, ...defaults, ...overrides });
      const server = createFtpServer({
        authenticator: createNoAuthAuthenticator(),
        storage: createS3Storage(options),
        host: '127.0.0.1',
        port: 0,
        ...serverOptions,
      });
      const { port } = await server.listen();
      const prefix = prefixOf(options);
      onTestFinished(async () => {
        await server.close({ timeoutMs: 2_000 });
        await deletePrefix(s3!, prefix);
      });
      return { server, port, prefix };
    },
  };
  return fixture;
}

/** The whole content of `path` from `offset`. */
export async function readAll(session: StorageSessionV1, path: string, offset = 0): Promise<Buffer> {
  return Buffer.from(await collectBytes(await session.read(path, { ...noAbort, offset })));
}
