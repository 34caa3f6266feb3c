import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageNamed, packPackage, runOrThrow } from './support.ts';

// The workspace tests @ftp/storage-s3 with the AWS SDK release its lockfile pins (3.1169.0, which still runs on
// Node 20) and against fauxqs 1.9.2 (the last one for Node 20). Its published range is `^3.1169.0`, so a user on
// Node 22 or 24 gets a newer SDK, and shares it with their own code. This installs the packed packages with npm
// outside the workspace, next to a newer SDK release and the newer fauxqs (2.x needs Node 22.5), and round-trips a
// file through an FTP server on S3. Bump the two versions below to test a newer release.
const newerClientS3 = '3.1178.0';
const newerFauxqs = '2.4.1';

const nodeMajor = Number(process.versions.node.split('.')[0]);
const packages = ['@ftp/server', '@ftp/plugin-api', '@ftp/protocol', '@ftp/storage-s3'];

// A server on S3 in fauxqs, both in this one process; it prints the FTP port, then the SDK version that
// @ftp/storage-s3 resolved, and exits on SIGTERM.
const serverScript = `import { createRequire } from 'node:module';
import { buildApp } from 'fauxqs';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createFtpServer, createNoAuthAuthenticator } from '@ftp/server';
import { createS3Storage } from '@ftp/storage-s3';

const app = buildApp({ logger: false });
await app.listen({ host: '127.0.0.1', port: 0 });
const endpoint = 'http://127.0.0.1:' + app.server.address().port;
const credentials = { accessKeyId: 'key', secretAccessKey: 'secret' };
const client = new S3Client({ endpoint, region: 'us-east-1', credentials: { ...credentials }, forcePathStyle: true });
await client.send(new CreateBucketCommand({ Bucket: 'files' }));
const server = createFtpServer({
  port: 0,
  authenticator: createNoAuthAuthenticator(),
  storage: createS3Storage({ bucket: 'files', region: 'us-east-1', endpoint, credentials, forcePathStyle: true, prefix: 'ftp/' }),
});
const { port } = await server.listen();
// The SDK that @ftp/storage-s3 itself loads, resolved from its own directory.
const fromConnector = createRequire(createRequire(import.meta.url).resolve('@ftp/storage-s3'));
const sdkVersion = JSON.parse(await (await import('node:fs/promises')).readFile(fromConnector.resolve('@aws-sdk/client-s3').replace(/dist-cjs.*$/, 'package.json'), 'utf8')).version;
console.log(JSON.stringify({ port, sdkVersion }));
process.stdin.resume();
process.stdin.on('data', async () => {
  const object = await client.send(new GetObjectCommand({ Bucket: 'files', Key: 'ftp/round-trip.txt' }));
  console.log(JSON.stringify({ stored: await object.Body.transformToString() }));
});
process.once('SIGTERM', () => server.close().then(() => app.close()).then(() => process.exit(0)));
`;

describe.skipIf(nodeMajor < 22)(`@ftp/storage-s3 with @aws-sdk/client-s3 ${newerClientS3} and fauxqs ${newerFauxqs} (Node 22+)`, () => {
  let scratch: string;
  let project: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'ftp-newer-dependencies-'));
    await mkdir(join(scratch, 'tarballs'));
    const tarballs = new Map<string, string>();
    for (const name of packages) tarballs.set(name, `file:${await packPackage(packageNamed(name)!, join(scratch, 'tarballs'))}`);
    project = join(scratch, 'consumer');
    await mkdir(project);
    const manifest = {
      name: 'consumer-newer-dependencies',
      version: '1.0.0',
      private: true,
      type: 'module',
      dependencies: {
        '@ftp/server': tarballs.get('@ftp/server'),
        '@ftp/storage-s3': tarballs.get('@ftp/storage-s3'),
        '@aws-sdk/client-s3': newerClientS3,
        fauxqs: newerFauxqs,
      },
      overrides: { '@ftp/plugin-api': tarballs.get('@ftp/plugin-api'), '@ftp/protocol': tarballs.get('@ftp/protocol') },
    };
    await writeFile(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
    await writeFile(join(project, 'server.mjs'), serverScript);
    await runOrThrow('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project });
  }, 300_000);
  afterAll(async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it('installs one copy of the newer SDK, which the connector uses', async () => {
    const installed = JSON.parse(await readFile(join(project, 'node_modules/@aws-sdk/client-s3/package.json'), 'utf8')) as {
      version: string;
    };
    expect(installed.version).toBe(newerClientS3);
    expect(existsSync(join(project, 'node_modules/@ftp/storage-s3/node_modules/@aws-sdk/client-s3'))).toBe(false);
  });

  it('round-trips a file through an FTP server on S3 (fauxqs), from an ESM script', async () => {
    const server = spawn(process.execPath, ['server.mjs'], { cwd: project, stdio: ['pipe', 'pipe', 'pipe'] });
    child = server;
    let stderr = '';
    server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const lines = createInterface({ input: server.stdout! })[Symbol.asyncIterator]();
    const exitedEarly = new Promise<never>((_, reject) =>
      server.once('exit', (code) => reject(new Error(`server.mjs exited with ${code}:\n${stderr}`))),
    );
    exitedEarly.catch(() => {}); // only a failure while a line is awaited
    const nextLine = async () => {
      const line = await Promise.race([lines.next(), exitedEarly]);
      return JSON.parse(String(line.value)) as Record<string, unknown>;
    };
    const { port, sdkVersion } = (await nextLine()) as { port: number; sdkVersion: string };
    expect(sdkVersion).toBe(newerClientS3);

    const content = `stored on S3 with @aws-sdk/client-s3 ${newerClientS3} on Node ${process.versions.node}\n`.repeat(2000);
    const ftp = new Client(10_000);
    try {
      await ftp.access({ host: '127.0.0.1', port, user: 'anonymous', password: 'guest@example.com' });
      await ftp.uploadFrom(Readable.from([Buffer.from(content)]), 'round-trip.txt');
      expect(await ftp.size('round-trip.txt')).toBe(Buffer.byteLength(content));
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (chunk: Buffer) => chunks.push(chunk));
      await ftp.downloadTo(sink, 'round-trip.txt');
      expect(Buffer.concat(chunks).toString('utf8')).toBe(content);
    } finally {
      ftp.close();
    }
    server.stdin!.write('check\n');
    expect(await nextLine()).toEqual({ stored: content });

    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  }, 60_000);
});
