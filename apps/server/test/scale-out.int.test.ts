import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ConnectEvent } from '@ftp/server';
import { describe, expect, it, onTestFinished } from 'vitest';
import { eventually, tempDirectory } from '@ftp/test-utils';
import { deletePrefix, startTestS3 } from '@ftp/test-utils/s3';
import { startApp, type InProcessApp } from './support/in-process-app.ts';

// Scaling out: two server instances on 127.0.0.2 and 127.0.0.3 share one bucket on the test S3 server,
// behind Debian's HAProxy in TCP mode sending PROXY v2. The client dials HAProxy from 127.0.0.9; each instance
// announces its own passive address, and sees 127.0.0.9 as the client.

const haproxyBinary = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((path) => spawnSync(path, ['-v']).status === 0);
const runCurl = promisify(execFile);
const clientAddress = '127.0.0.9';
/** HAProxy's readiness is probed from another address, so those connections are told apart from the client's. */
const probeAddress = '127.0.0.8';

/** A port free right now on 127.0.0.1: HAProxy's config needs a fixed one. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startHaproxy(directory: string, backends: readonly { host: string; port: number }[]): Promise<number> {
  const port = await freePort();
  const config = [
    'global',
    '  maxconn 64',
    'defaults',
    '  mode tcp',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    'frontend ftp',
    `  bind 127.0.0.1:${port}`,
    '  default_backend instances',
    'backend instances',
    '  balance roundrobin',
    ...backends.map((backend, index) => `  server instance${index} ${backend.host}:${backend.port} send-proxy-v2`),
    '',
  ].join('\n');
  const file = join(directory, 'haproxy.cfg');
  await writeFile(file, config);
  const child = spawn(haproxyBinary!, ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  onTestFinished(async () => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  });
  await eventually(() => {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${stderr}`);
    return new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress: probeAddress }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
  }, 'haproxy to listen');
  return port;
}

/** curl through HAProxy from 127.0.0.9 with PASV, connecting to the address each 227 reply announces. */
async function curl(port: number, path: string, extra: readonly string[] = []): Promise<{ stdout: string; stderr: string }> {
  const arguments_ = [
    '-sS',
    '-v',
    '--user',
    'alice:s3cret',
    '--interface',
    clientAddress,
    '--disable-epsv',
    '--no-ftp-skip-pasv-ip',
    ...extra,
    `ftp://127.0.0.1:${port}${path}`,
  ];
  return runCurl('curl', arguments_, { timeout: 20_000 });
}

function announcedPassiveHost(stderr: string): string | undefined {
  const match = /227 Entering Passive Mode \((\d+),(\d+),(\d+),(\d+),/.exec(stderr);
  return match === null ? undefined : match.slice(1, 5).join('.');
}

describe.skipIf(haproxyBinary === undefined)('scale-out behind HAProxy (PROXY v2) on one S3 bucket', () => {
  it('lists and downloads through one instance what was uploaded through the other', async () => {
    const directory = await tempDirectory();
    const s3 = await startTestS3();
    onTestFinished(() => s3.stop());
    const prefix = `scale-out-${randomUUID()}/`;
    onTestFinished(() => deletePrefix(s3, prefix).catch(() => {}));
    const storageConfig = {
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      forcePathStyle: true,
      prefix,
    };
    const instances: InProcessApp[] = [];
    const connections = new Map<string, ConnectEvent[]>();
    const fromClient = (host: string) => connections.get(host)!.filter((event) => event.remoteAddress === clientAddress).length;
    for (const host of ['127.0.0.2', '127.0.0.3']) {
      const app = await startApp(
        { ftpAddr: host, storageConnector: 's3', storageConfig, proxyProtocol: { trustedSources: ['127.0.0.1'] }, metricsPort: 0 },
        directory,
      );
      connections.set(host, []);
      app.started.server.on('connect', (event) => connections.get(host)!.push(event));
      instances.push(app);
    }
    const port = await startHaproxy(
      directory,
      instances.map((app) => ({ host: app.started.address, port: app.started.port })),
    );

    const content = `shared through S3 ${randomUUID()}\n`;
    const localFile = join(directory, 'upload.txt');
    await writeFile(localFile, content);
    const upload = await curl(port, '/shared.txt', ['-T', localFile]);
    const uploadedThrough = [...connections.keys()].find((host) => fromClient(host) === 1)!;
    expect(announcedPassiveHost(upload.stderr)).toBe(uploadedThrough);
    const other = uploadedThrough === '127.0.0.2' ? '127.0.0.3' : '127.0.0.2';

    // Round robin: the next connection goes to the other instance (bounded: a few tries at most).
    let listing: { stdout: string; stderr: string } | undefined;
    for (let attempt = 0; attempt < 4 && listing === undefined; attempt++) {
      const before = fromClient(other);
      const result = await curl(port, '/', ['--list-only']);
      if (fromClient(other) > before) listing = result;
    }
    expect(listing?.stdout.split(/\r?\n/)).toContain('shared.txt');
    expect(announcedPassiveHost(listing!.stderr)).toBe(other);

    let downloaded: string | undefined;
    for (let attempt = 0; attempt < 4 && downloaded === undefined; attempt++) {
      const before = fromClient(other);
      const output = join(directory, `download-${attempt}.txt`);
      const result = await curl(port, '/shared.txt', ['-o', output]);
      if (fromClient(other) > before) {
        expect(announcedPassiveHost(result.stderr)).toBe(other);
        downloaded = await readFile(output, 'utf8');
      }
    }
    expect(downloaded).toBe(content);

    // Both instances saw the real clients (the test client and the readiness probe), never HAProxy's own address.
    const seen = new Set([...connections.values()].flat().map((event) => event.remoteAddress));
    expect(
      [...seen].every((address) => address === clientAddress || address === probeAddress),
      [...seen].join(),
    ).toBe(true);
    expect(fromClient('127.0.0.2')).toBeGreaterThan(0);
    expect(fromClient('127.0.0.3')).toBeGreaterThan(0);
  });
});

describe('readiness on S3', () => {
  it('fails /readyz once the S3 server is stopped (the connector probes the bucket with checkHealth)', async () => {
    const directory = await tempDirectory();
    const s3 = await startTestS3();
    let stopping: Promise<void> | undefined;
    const stopS3 = () => (stopping ??= s3.stop());
    onTestFinished(stopS3);
    const storageConfig = {
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      forcePathStyle: true,
      prefix: `ready-${randomUUID()}/`,
    };
    const app = await startApp({ storageConnector: 's3', storageConfig, metricsPort: 0 }, directory);
    expect((await fetch(`${app.metricsUrl}/readyz`)).status).toBe(200);
    await stopS3();
    const notReady = await fetch(`${app.metricsUrl}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ status: 'not ready', checks: { listening: 'ok', storage: expect.any(String) } });
  });
});
