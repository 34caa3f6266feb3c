import { PassThrough, Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { silentLogger } from '@ftp/plugin-api';
import { createFtpServer, createNoAuthAuthenticator } from '@ftp/server';
import { deletePrefix, listKeys, startTestS3, type TestS3 } from '@ftp/test-utils/s3';
import { ConfigError } from '../src/config-error.ts';
import { loadStorageConnector } from '../src/plugins.ts';

// `storageConnector: "s3"` as the app loads it from a config file, served by the engine and driven by basic-ftp.
// The S3 server is fauxqs in a child process, or S3_ENDPOINT (see @ftp/test-utils/s3).
let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});

const environment = { logger: silentLogger, configDirectory: process.cwd() };

describe('the s3 storage connector in the app', () => {
  it('serves a bucket prefix per user over FTP from a plain JSON config', async () => {
    const base = `app-${Date.now()}`;
    const config = s3.options({ prefix: `${base}/{user}/`, partSize: 5 * 1024 * 1024, queueSize: 2 });
    const storage = await loadStorageConnector('s3', config, environment);
    const server = createFtpServer({ authenticator: createNoAuthAuthenticator(), storage, host: '127.0.0.1', port: 0 });
    const { port } = await server.listen();
    onTestFinished(async () => {
      await server.close({ timeoutMs: 2_000 });
      await deletePrefix(s3, `${base}/`);
    });
    const client = new Client(15_000);
    onTestFinished(() => client.close());
    await client.access({ host: '127.0.0.1', port, user: 'carol', password: 'any' });
    await client.ensureDir('reports');
    await client.uploadFrom(Readable.from([Buffer.from('quarterly figures')]), 'q1.txt');
    expect((await client.list()).map((entry) => entry.name)).toEqual(['q1.txt']);
    const chunks: Buffer[] = [];
    await client.downloadTo(
      new PassThrough().on('data', (chunk: Buffer) => chunks.push(chunk)),
      'q1.txt',
    );
    expect(Buffer.concat(chunks).toString()).toBe('quarterly figures');
    expect(await listKeys(s3, `${base}/`)).toEqual([`${base}/carol/reports/`, `${base}/carol/reports/q1.txt`]);
  });

  it('names the storageConfig key at fault', async () => {
    const failure = await loadStorageConnector('s3', { bucket: s3.bucket, bukcet: 'typo' }, environment).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).key).toBe('storageConfig.bukcet');
    const missing = await loadStorageConnector('s3', { partSize: 1 }, environment).catch((error: unknown) => error);
    expect((missing as ConfigError).key).toBe('storageConfig.bucket');
  });
});
