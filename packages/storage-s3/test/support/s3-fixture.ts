import { afterAll, beforeAll, onTestFinished } from 'vitest';
import type { StorageConnectorV1, StorageSessionV1 } from '@ftp/plugin-api';
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

/** The test S3 server and the fault proxy in front of it, shared by the tests of one file. */
export interface S3Fixture {
  readonly s3: TestS3;
  readonly proxy: FaultProxy;
  /** Opens a connector through the proxy (reset to forwarding) on a fresh prefix, removed after the test. */
  open(overrides?: Partial<S3StorageOptions>): Promise<OpenedS3>;
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
  };
  return fixture;
}

/** The whole content of `path` from `offset`. */
export async function readAll(session: StorageSessionV1, path: string, offset = 0): Promise<Buffer> {
  return Buffer.from(await collectBytes(await session.read(path, { ...noAbort, offset })));
}
