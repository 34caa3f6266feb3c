import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hashPassword, type ConnectEvent } from '@ftp/server';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { eventually, rawSession, tempDirectory, type RawReply, type RawSession } from '@ftp/test-utils';
import { noPostgresReason, postgresBin, startPostgres, type TestPostgres } from '@ftp/test-utils/postgres';
import { deletePrefix, startTestS3 } from '@ftp/test-utils/s3';
import { startApp, type InProcessApp } from './support/in-process-app.ts';

// Scaling out: two server instances on 127.0.0.2 and 127.0.0.3 share one bucket on the test S3 server,
// behind Debian's HAProxy in TCP mode sending PROXY v2. The client dials HAProxy from 127.0.0.9; each instance
// announces its own passive address, and sees 127.0.0.9 as the client.

const haproxyBinary = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((path) => spawnSync(path, ['-v']).status === 0);
const runCurl = promisify(execFile);
/** The app's package directory, where its devDependency @ftp/store-postgres is installed. */
const appDirectory = fileURLToPath(new URL('..', import.meta.url));
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
    const storageConfig = s3.options({ prefix });
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
    const storageConfig = s3.options({ prefix: `ready-${randomUUID()}/` });
    const app = await startApp({ storageConnector: 's3', storageConfig, metricsPort: 0 }, directory);
    expect((await fetch(`${app.metricsUrl}/readyz`)).status).toBe(200);
    await stopS3();
    const notReady = await fetch(`${app.metricsUrl}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ status: 'not ready', checks: { listening: 'ok', storage: expect.any(String) } });
  });
});

/** A raw session through HAProxy from `from`, its greeting read. */
async function sessionThrough(port: number, from: string): Promise<{ session: RawSession; greeting: RawReply }> {
  const session = await rawSession(port, from);
  return { session, greeting: await session.read() };
}

/** USER and PASS; the reply to PASS. */
async function logIn(session: RawSession, user: string, password: string): Promise<RawReply> {
  await session.command(`USER ${user}`);
  return session.command(`PASS ${password}`);
}

/** PASV, then a data connection from `from` to the address and port the 227 reply announces (the instance's own). */
async function passiveDataFrom(session: RawSession, from: string): Promise<Socket> {
  const reply = await session.command('PASV');
  const match = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(reply.text);
  if (reply.code !== 227 || match === null) throw new Error(`not a 227 reply: ${reply.text}`);
  const socket = connect({ host: match.slice(1, 5).join('.'), port: Number(match[5]) * 256 + Number(match[6]), localAddress: from });
  onTestFinished(() => {
    socket.destroy();
  });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

/** STOR of `size` bytes over its own data connection: the 150 first, then the data, then the final reply's code. */
async function store(session: RawSession, path: string, size: number, from: string, beforeData?: () => Promise<void>): Promise<number> {
  const data = await passiveDataFrom(session, from);
  const first = await session.command(`STOR ${path}`);
  if (first.code !== 150) {
    data.destroy();
    return first.code;
  }
  await beforeData?.();
  data.end(Buffer.alloc(size, 7));
  return (await session.read(30_000)).code;
}

const postgresReady = postgresBin !== undefined && haproxyBinary !== undefined;

describe.skipIf(!postgresReady)(
  `two instances, one bucket and one PostgreSQL (users and shared state) behind HAProxy${postgresBin === undefined ? ` (${noPostgresReason})` : ''}`,
  () => {
    let postgres: TestPostgres;
    beforeAll(async () => {
      postgres = await startPostgres();
    }, 60_000);
    afterAll(() => postgres?.destroy(), 60_000);

    /** Both instances on a new database, with HAProxy in front; users are rows of that database. */
    async function startCluster(users: readonly { username: string; maxBytes?: number; maxSessions?: number }[]) {
      const directory = await tempDirectory();
      const s3 = await startTestS3();
      onTestFinished(() => s3.stop());
      const prefix = `shared-state-${randomUUID()}/`;
      onTestFinished(() => deletePrefix(s3, prefix).catch(() => {}));
      const connectionString = await postgres.createDatabase();
      const storageConfig = s3.options({ prefix });
      const instances: InProcessApp[] = [];
      for (const host of ['127.0.0.2', '127.0.0.3']) {
        const app = await startApp(
          {
            ftpAddr: host,
            storageConnector: 's3',
            storageConfig,
            proxyProtocol: { trustedSources: ['127.0.0.1'] },
            metricsPort: 0,
            authenticator: '@ftp/store-postgres',
            authenticatorConfig: { connectionString, connectTimeoutMs: 1_000 },
            sharedState: 'postgres',
            // Small reservations, so parallel uploads share the quota byte by byte rather than by the megabyte.
            sharedStateConfig: { quotaGrantBytes: 8_192, connectTimeoutMs: 1_000 },
            defender: { maxFailuresPerIp: 3, failedLoginDelayMs: 0 },
          },
          // The store-postgres authenticator is found as a package from here, as from a deployment's config directory.
          appDirectory,
        );
        instances.push(app);
      }
      const password = await hashPassword('s3cret', { logCost: 10 });
      for (const user of users) {
        await postgres.query(
          'INSERT INTO ftp.users (username, password_hash, quota_max_bytes, max_sessions) VALUES ($1, $2, $3, $4)',
          [user.username, password, user.maxBytes ?? null, user.maxSessions ?? null],
          connectionString,
        );
      }
      const port = await startHaproxy(
        directory,
        instances.map((app) => ({ host: app.started.address, port: app.started.port })),
      );
      return { instances, port };
    }

    /** Opens logged-in sessions until there is one on each instance (round robin: two, or a few more at most). */
    async function oneSessionOnEach(instances: readonly InProcessApp[], port: number, user: string): Promise<RawSession[]> {
      const byInstance = new Map<InProcessApp, RawSession>();
      for (let attempt = 0; attempt < 6 && byInstance.size < 2; attempt++) {
        const before = instances.map((app) => app.started.server.sessionCount);
        const { session, greeting } = await sessionThrough(port, clientAddress);
        expect(greeting.code).toBe(220);
        expect((await logIn(session, user, 's3cret')).code).toBe(230);
        const landed = instances.find((app, index) => app.started.server.sessionCount > before[index]!)!;
        if (byInstance.has(landed)) session.close();
        else byInstance.set(landed, session);
      }
      expect(byInstance.size).toBe(2);
      return instances.map((app) => byInstance.get(app)!);
    }

    it('enforce one quota, one session limit and one ban across both instances', async () => {
      const { instances, port } = await startCluster([
        { username: 'alice', maxBytes: 250_000 },
        { username: 'bob', maxSessions: 2 },
        { username: 'mallory' },
      ]);

      // Quota: four uploads of 100,000 bytes at once, two on each instance, against 250,000 for the user. Counted
      // per instance, all four would pass (200,000 on each).
      const sessions = [...(await oneSessionOnEach(instances, port, 'alice')), ...(await oneSessionOnEach(instances, port, 'alice'))];
      for (const session of sessions) expect((await session.command('TYPE I')).code).toBe(200);
      let started = 0;
      let release: () => void = () => {};
      const allStarted = new Promise<void>((resolve) => (release = resolve));
      const codes = await Promise.all(
        sessions.map((session, index) =>
          store(session, `/parallel-${index}.bin`, 100_000, clientAddress, async () => {
            if (++started === sessions.length) release();
            await allStarted;
          }),
        ),
      );
      const stored = codes.filter((code) => code === 226).length;
      expect(
        codes.every((code) => code === 226 || code === 552),
        codes.join(),
      ).toBe(true);
      expect(stored).toBeLessThanOrEqual(2);
      // Each upload's commit lands right after its 226 (the client does not wait for it); until then its reservation
      // counts, so the usage another instance reads is complete once it shows every stored byte.
      await eventually(
        async () => (await sessions[1]!.command('SITE QUOTA')).text.includes(`${stored * 100_000} of 250000 bytes`),
        'the usage of every stored upload',
      );
      // What is left is exactly what either instance still takes, and not one byte more.
      const left = 250_000 - stored * 100_000;
      expect(await store(sessions[0]!, '/too-much.bin', left + 1, clientAddress)).toBe(552);
      expect(await store(sessions[1]!, '/exactly.bin', left, clientAddress)).toBe(226);
      expect(await store(sessions[0]!, '/one-more.bin', 1, clientAddress)).toBe(552);
      for (const session of sessions) session.close();

      // Sessions of one user: bob may have two, wherever they are.
      const bobs = await oneSessionOnEach(instances, port, 'bob');
      for (let attempt = 0; attempt < 2; attempt++) {
        const { session } = await sessionThrough(port, clientAddress);
        expect((await logIn(session, 'bob', 's3cret')).code).toBe(421);
      }
      bobs[0]!.close();
      await eventually(async () => {
        const { session } = await sessionThrough(port, clientAddress);
        const code = (await logIn(session, 'bob', 's3cret')).code;
        session.close();
        return code === 230;
      }, "bob's freed session slot");

      // Bans: failed logins from one address, wherever they land, ban it on both instances.
      const attacker = '127.0.0.10';
      const { session: guessing } = await sessionThrough(port, attacker);
      expect((await logIn(guessing, 'mallory', 'wrong')).code).toBe(530);
      expect((await logIn(guessing, 'mallory', 'wrong')).code).toBe(530);
      expect((await logIn(guessing, 'mallory', 'wrong')).code).toBe(421);
      const refusedOn = new Set<InProcessApp>();
      for (let attempt = 0; attempt < 4; attempt++) {
        const { greeting } = await sessionThrough(port, attacker);
        expect(greeting.code).toBe(421);
        expect(greeting.text).toContain('Too many failed logins');
      }
      for (const app of instances) {
        if (app.logLines.some((line) => line.msg === 'connection refused: address banned by the defender')) refusedOn.add(app);
      }
      expect(refusedOn.size).toBe(2);
      // Other addresses are not banned.
      const { greeting } = await sessionThrough(port, clientAddress);
      expect(greeting.code).toBe(220);
    }, 120_000);

    it('answer 421 to logins and fail /readyz while the database is down, let transfers finish, and recover with every byte counted once', async () => {
      const { instances, port } = await startCluster([{ username: 'carol', maxBytes: 10_000_000 }]);
      const [onFirst, onSecond] = await oneSessionOnEach(instances, port, 'carol');
      for (const session of [onFirst!, onSecond!]) expect((await session.command('TYPE I')).code).toBe(200);
      expect(await store(onFirst!, '/before.bin', 50_000, clientAddress)).toBe(226);

      // An upload under way when the database stops: it was reserved before, it finishes, and its commit waits.
      let stopped: Promise<void> | undefined;
      const during = store(onSecond!, '/during.bin', 6_000, clientAddress, async () => {
        stopped = postgres.stop();
        await stopped;
      });
      expect(await during).toBe(226);
      expect(stopped).toBeDefined();
      try {
        for (const app of instances) {
          const ready = await fetch(`${app.metricsUrl}/readyz`);
          expect(ready.status).toBe(503);
          expect(await ready.json()).toMatchObject({ status: 'not ready', checks: { sharedState: expect.any(String) } });
        }
        const { session, greeting } = await sessionThrough(port, clientAddress);
        if (greeting.code === 220) expect((await logIn(session, 'carol', 's3cret')).code).toBe(421);
        else expect(greeting.code).toBe(421);
        // Logged-in sessions go on: a download needs no shared state.
        const data = await passiveDataFrom(onFirst!, clientAddress);
        const received = new Promise<number>((resolve) => {
          let bytes = 0;
          data.on('data', (chunk: Buffer) => (bytes += chunk.byteLength)).on('close', () => resolve(bytes));
        });
        expect((await onFirst!.command('RETR /before.bin')).code).toBe(150);
        expect(await received).toBe(50_000);
        expect((await onFirst!.read()).code).toBe(226);
      } finally {
        await postgres.start();
      }

      for (const app of instances) {
        await eventually(async () => (await fetch(`${app.metricsUrl}/readyz`)).status === 200, 'readiness after the database is back');
      }
      const back = await oneSessionOnEach(instances, port, 'carol');
      expect((await back[0]!.command('SITE QUOTA')).text).toContain('56000 of 10000000 bytes, 2 of');
      expect((await back[1]!.command('SITE QUOTA')).text).toContain('56000 of 10000000 bytes, 2 of');
    }, 120_000);
  },
);
