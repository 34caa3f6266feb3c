import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { hashPassword } from '@ftp/server';
import { eventually, generateCertificate, rawSession, type LoggedProcess } from '@ftp/test-utils';
import { Client, enterPassiveModeIPv4, enterPassiveModeIPv6 } from 'basic-ftp';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertCliBuilt, isListeningLine, runCli, workerOf, workerPid } from './support/cli.ts';

// The built CLI with `workers: 2`: a primary and two worker processes on one control port, as an operator runs it.

let directory: string;

interface RunningApp {
  readonly app: LoggedProcess;
  readonly port: number;
}

async function startApp(config: Record<string, unknown>): Promise<RunningApp> {
  await writeFile(join(directory, 'config.json'), JSON.stringify({ ftpPort: 0, workers: 2, ...config }));
  const app = runCli(['--config', join(directory, 'config.json')], { cwd: directory });
  const listening = await app.logLine(isListeningLine);
  expect(listening.workers).toBe(2);
  return { app, port: listening.port as number };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Collects a download; `onFirstBytes` is called when its first chunk arrives. */
function sink(onFirstBytes: () => void = () => undefined): { stream: Writable; data(): Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (chunks.length === 0) onFirstBytes();
      chunks.push(chunk);
      callback();
    },
  });
  return { stream, data: () => Buffer.concat(chunks) };
}

async function login(port: number, user: string, options: { password?: string; secure?: boolean | 'implicit' } = {}): Promise<Client> {
  const client = new Client(30_000);
  await client.access({
    host: '127.0.0.1',
    port,
    user,
    password: options.password ?? 'secret',
    secure: options.secure ?? false,
    secureOptions: { rejectUnauthorized: false },
  });
  return client;
}

beforeAll(assertCliBuilt);
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ftp-app-workers-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('ftp-server with workers: 2', () => {
  it('spreads sessions over both workers, and every data connection reaches its session (PASV and EPSV, plain, explicit and implicit TLS)', async () => {
    await generateCertificate({ directory });
    // A small passive range both workers take ports from: a port one worker holds must not be shared with the other.
    const minPassivePort = 20_000 + Math.floor(Math.random() * 20_000);
    const { app, port } = await startApp({
      authenticator: 'no-auth',
      storageConfig: { root: './data', createRoot: true },
      minPassivePort,
      maxPassivePort: minPassivePort + 23,
      tls: { certFile: 'cert.pem', keyFile: 'key.pem' },
      implicitFtpsPort: 0,
    });
    const implicitTlsPort = (await app.logLine(isListeningLine)).implicitTlsPort as number;
    const sessions = Array.from({ length: 12 }, (_, index) => ({
      user: `user${index}`,
      secure: ([false, true, 'implicit'] as const)[index % 3]!,
      mode: index % 2 === 0 ? enterPassiveModeIPv4 : enterPassiveModeIPv6,
      content: randomBytes(200_000 + index),
    }));
    await Promise.all(
      sessions.map(async (session) => {
        const client = await login(session.secure === 'implicit' ? implicitTlsPort : port, session.user, { secure: session.secure });
        client.prepareTransfer = session.mode;
        try {
          for (let round = 0; round < 3; round++) {
            const name = `${session.user}-${round}.bin`;
            await client.uploadFrom(Readable.from([session.content]), name);
            const received = sink();
            await client.downloadTo(received.stream, name);
            expect(sha256(received.data())).toBe(sha256(session.content));
          }
        } finally {
          client.close();
        }
      }),
    );
    const workers = await Promise.all(sessions.map((session) => workerOf(app, session.user)));
    expect(new Set(workers)).toEqual(new Set([1, 2]));
    for (const session of sessions) {
      expect(sha256(await readFile(join(directory, 'data', `${session.user}-2.bin`)))).toBe(sha256(session.content));
    }
    // Each transfer was logged by the worker of its session's login.
    for (const [index, session] of sessions.entries()) {
      const transfers = app.logLines.filter(
        (line) => (line.event === 'upload' || line.event === 'download') && line.username === session.user,
      );
      expect(transfers).toHaveLength(6);
      for (const transfer of transfers) expect(transfer.worker).toBe(workers[index]);
    }
  }, 120_000);

  it('reads the PROXY header in the worker, and the data-peer check holds there: a session knows its real client', async () => {
    const { app, port } = await startApp({
      authenticator: 'no-auth',
      storageConfig: { root: './data', createRoot: true },
      proxyProtocol: { trustedSources: ['127.0.0.1'] },
    });
    await mkdir(join(directory, 'data'), { recursive: true });
    await writeFile(join(directory, 'data', 'hello.txt'), 'hello from a worker');
    // The balancer (127.0.0.1) names the client 127.0.0.9, which opens its data connections directly.
    for (let index = 0; index < 4; index++) {
      const session = await rawSession(port);
      session.sendBytes(Buffer.from(`PROXY TCP4 127.0.0.9 127.0.0.1 ${40_000 + index} ${port}\r\n`));
      expect((await session.read()).code).toBe(220);
      await session.login(`proxied${index}`, 'x');
      const passive = await session.command('PASV');
      expect(passive.code).toBe(227);
      const [p1, p2] = passive.text
        .match(/(\d+),(\d+)\)/)!
        .slice(1)
        .map(Number) as [number, number];
      const dataPort = p1 * 256 + p2;
      if (index === 0) {
        // A data connection from another address than the session's client is refused by the session's worker.
        const foreign = connect({ host: '127.0.0.1', port: dataPort, localAddress: '127.0.0.1' });
        foreign.on('error', () => undefined);
        await once(foreign, 'close');
      }
      const data = connect({ host: '127.0.0.1', port: dataPort, localAddress: '127.0.0.9' });
      const received: Buffer[] = [];
      data.on('data', (chunk: Buffer) => received.push(chunk));
      await once(data, 'connect');
      expect((await session.command('RETR hello.txt')).code).toBe(150);
      expect((await session.read()).code).toBe(226);
      if (!data.closed) await once(data, 'close');
      expect(Buffer.concat(received).toString()).toBe('hello from a worker');
      session.close();
    }
    const connects = app.logLines.filter((line) => line.event === 'connect');
    expect(connects.map((line) => line.remoteAddress)).toEqual(Array.from({ length: 4 }, () => '127.0.0.9'));
    expect(new Set(connects.map((line) => line.worker))).toEqual(new Set([1, 2]));
    const refusal = await app.logLine((line) => line.msg === 'data connection from a foreign address refused');
    expect(refusal).toMatchObject({ peer: '127.0.0.1', expected: '127.0.0.9', worker: connects[0]!.worker });
  }, 120_000);

  it('holds the per-user and per-address session limits across both workers', async () => {
    const passwordHash = await hashPassword('secret');
    const { app, port } = await startApp({
      authenticator: 'local',
      authenticatorConfig: { users: [{ username: 'alice', passwordHash }] },
      storageConfig: { root: './data', createRoot: true },
      userDefaults: { maxSessions: 2 },
      maxSessionsPerIp: 3,
    });
    const first = await login(port, 'alice');
    const second = await login(port, 'alice');
    const logins = () => app.logLines.filter((line) => line.event === 'login');
    await eventually(() => logins().length === 2, 'both logins logged');
    // Round robin gives the two sessions one worker each: the limit is counted over both.
    expect(new Set(logins().map((line) => line.worker)).size).toBe(2);
    await expect(login(port, 'alice')).rejects.toThrow(/421/);
    const disconnects = () => app.logLines.filter((line) => line.event === 'disconnect').length;
    await eventually(() => disconnects() === 1, 'the refused session to end');
    const third = new Client(30_000);
    await third.connect('127.0.0.1', port);
    // The address now has 3 sessions (on two workers): a fourth connection is refused by whichever worker takes it.
    const refused = new Client(30_000);
    await expect(refused.connect('127.0.0.1', port)).rejects.toThrow(/421/);
    refused.close();
    const ended = disconnects();
    first.close();
    await eventually(() => disconnects() > ended, 'the first session to end');
    const again = await login(port, 'alice');
    for (const client of [second, third, again]) client.close();
  }, 120_000);

  it('holds maxSessions for the whole server, not per worker', async () => {
    const { app, port } = await startApp({ authenticator: 'no-auth', storageConfig: { root: './data', createRoot: true }, maxSessions: 3 });
    const clients = await Promise.all(Array.from({ length: 3 }, (_, index) => login(port, `full${index}`)));
    const workers = new Set(await Promise.all(clients.map((_, index) => workerOf(app, `full${index}`))));
    expect(workers).toEqual(new Set([1, 2]));
    // Each worker has at most 2 sessions, below its own limit of 3: only the server's count refuses.
    const refused = new Client(30_000);
    await expect(refused.connect('127.0.0.1', port)).rejects.toThrow(/421/);
    refused.close();
    const disconnects = () => app.logLines.filter((line) => line.event === 'disconnect').length;
    clients[0]!.close();
    await eventually(() => disconnects() === 1, 'the first session to end');
    const admitted = await login(port, 'admitted');
    admitted.close();
    for (const client of clients.slice(1)) client.close();
  }, 120_000);

  it("holds a user's quota across both workers", async () => {
    const { app, port } = await startApp({
      authenticator: 'no-auth',
      storageConfig: { root: './data/{user}', createRoot: true },
      userDefaults: { quota: { maxFiles: 2 } },
    });
    const first = await login(port, 'carol');
    const second = await login(port, 'carol');
    await eventually(() => app.logLines.filter((line) => line.event === 'login').length === 2, 'both logins logged');
    expect(new Set(app.logLines.filter((line) => line.event === 'login').map((line) => line.worker))).toEqual(new Set([1, 2]));
    await first.uploadFrom(Readable.from([Buffer.from('one')]), 'one.txt');
    await second.uploadFrom(Readable.from([Buffer.from('two')]), 'two.txt');
    // The third file passes maxFiles whichever worker stores it.
    await expect(first.uploadFrom(Readable.from([Buffer.from('three')]), 'three.txt')).rejects.toThrow(/552/);
    await expect(second.uploadFrom(Readable.from([Buffer.from('three')]), 'three.txt')).rejects.toThrow(/552/);
    first.close();
    second.close();
  }, 120_000);

  it('a ban recorded by one worker refuses the address on the other', async () => {
    const passwordHash = await hashPassword('secret');
    const { app, port } = await startApp({
      authenticator: 'local',
      authenticatorConfig: { users: [{ username: 'alice', passwordHash }] },
      storageConfig: { root: './data', createRoot: true },
      maxLoginAttempts: 5,
      defender: { maxFailuresPerIp: 2, failedLoginDelayMs: 0 },
    });
    // Both failures on one session, so on one worker.
    const client = new Client(30_000);
    await client.connect('127.0.0.1', port);
    await client.send('USER alice');
    await expect(client.send('PASS wrong')).rejects.toThrow(/530/);
    await client.send('USER alice');
    // The second failure bans the address: the session ends with 421.
    await expect(client.send('PASS wrong')).rejects.toThrow(/421/);
    client.close();
    const banningWorker = (await app.logLine((line) => line.event === 'login-failed')).worker as number;
    // New connections go round robin: within a few, each worker has refused one.
    for (let attempt = 0; attempt < 10; attempt++) {
      const refused = new Client(30_000);
      await expect(refused.access({ host: '127.0.0.1', port, user: 'alice', password: 'secret' })).rejects.toThrow(/421/);
      refused.close();
      const refusers = new Set(
        app.logLines.filter((line) => line.msg === 'connection refused: address banned by the defender').map((line) => line.worker),
      );
      if (refusers.size === 2) break;
    }
    const refusers = new Set(
      app.logLines.filter((line) => line.msg === 'connection refused: address banned by the defender').map((line) => line.worker),
    );
    expect(refusers).toEqual(new Set([1, 2]));
    expect(refusers.has(3 - banningWorker)).toBe(true);
    // The primary keeps the ban: workers started by a rolling restart refuse the address too.
    app.child.kill('SIGHUP');
    await app.logLine((line) => line.msg === 'rolling restart done');
    const linesBefore = app.logLines.length;
    const afterRestart = new Client(30_000);
    await expect(afterRestart.access({ host: '127.0.0.1', port, user: 'alice', password: 'secret' })).rejects.toThrow(/421/);
    afterRestart.close();
    // The worker's log line may come after the client has its 421: wait for this refusal's own line.
    const lastRefusal = await eventually(
      () => app.logLines.slice(linesBefore).find((line) => line.msg === 'connection refused: address banned by the defender'),
      'the log line of the refusal after the restart',
    );
    expect([3, 4]).toContain(lastRefusal.worker);
  }, 120_000);

  it('replaces the workers one at a time on SIGHUP while 20 transfers run, and every transfer completes intact', async () => {
    const { app, port } = await startApp({
      authenticator: 'no-auth',
      storageConfig: { root: './data', createRoot: true },
      shutdownTimeoutMs: 300_000,
    });
    // Each transfer holds back until both old workers were told to retire: uploads keep their second half, downloads
    // stop reading, of a file larger than what loopback socket buffers hold, so none can end before.
    const source = randomBytes(32 * 1024 * 1024);
    await mkdir(join(directory, 'data'), { recursive: true });
    await writeFile(join(directory, 'data', 'source.bin'), source);
    const uploads = Array.from({ length: 10 }, () => randomBytes(2 * 1024 * 1024));
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const started: Promise<void>[] = [];
    const transfers = Array.from({ length: 20 }, async (_, index) => {
      const client = await login(port, `mover${index}`);
      let markStarted!: () => void;
      started.push(new Promise<void>((resolve) => (markStarted = resolve)));
      try {
        if (index < 10) {
          const hash = createHash('sha256');
          const held = new Writable({
            write(chunk: Buffer, _encoding, callback) {
              hash.update(chunk);
              markStarted();
              void gate.then(() => callback());
            },
          });
          await client.downloadTo(held, 'source.bin');
          return hash.digest('hex') === sha256(source);
        }
        const data = uploads[index - 10]!;
        async function* halves() {
          yield data.subarray(0, data.length / 2);
          // Asked for more: the first half is on its way.
          markStarted();
          await gate;
          yield data.subarray(data.length / 2);
        }
        await client.uploadFrom(Readable.from(halves()), `upload-${index}.bin`);
        return true;
      } finally {
        client.close();
      }
    });
    await eventually(() => started.length === 20, 'all 20 transfers to start', 30_000);
    await Promise.all(started);
    app.child.kill('SIGHUP');
    await Promise.all([1, 2].map((id) => app.logLine((line) => line.msg === 'worker retiring' && line.worker === id)));
    expect(app.logLines.filter((line) => line.event === 'upload' || line.event === 'download')).toEqual([]);
    openGate();
    await app.logLine((line) => line.msg === 'rolling restart done');
    expect(await Promise.all(transfers)).toEqual(Array.from({ length: 20 }, () => true));
    for (let index = 10; index < 20; index++) {
      expect(sha256(await readFile(join(directory, 'data', `upload-${index}.bin`)))).toBe(sha256(uploads[index - 10]!));
    }
    // The transfers ran on the first two workers, which finished them after they were told to retire, then exited 0.
    const moversOn = new Set(await Promise.all(Array.from({ length: 20 }, (_, index) => workerOf(app, `mover${index}`))));
    expect(moversOn).toEqual(new Set([1, 2]));
    for (const id of [1, 2]) {
      const exited = await app.logLine((line) => line.msg === 'worker exited' && line.worker === id);
      expect(exited.code).toBe(0);
    }
    // The new workers serve.
    const after = await login(port, 'after');
    const received = sink();
    await after.downloadTo(received.stream, 'upload-10.bin');
    after.close();
    expect(sha256(received.data())).toBe(sha256(uploads[0]!));
    expect([3, 4]).toContain(await workerOf(app, 'after'));
  }, 180_000);

  it('serves /metrics and /readyz for the whole server: every worker counted once, and checked', async () => {
    await mkdir(join(directory, 'data'));
    const { app, port } = await startApp({
      authenticator: 'no-auth',
      storageConfig: { root: './data', createRoot: false },
      metricsPort: 0,
    });
    const metricsPort = ((await app.logLine(isListeningLine)).metrics as { port: number }).port;
    const clients = await Promise.all(Array.from({ length: 6 }, (_, index) => login(port, `counted${index}`)));
    const workers = new Set(await Promise.all(clients.map((_, index) => workerOf(app, `counted${index}`))));
    expect(workers).toEqual(new Set([1, 2]));
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^ftp_logins_total\{result="success"\} 6$/m);
    expect(metrics).toMatch(/^ftp_sessions_active 6$/m);
    expect(metrics).toMatch(/^ftp_workers 2$/m);
    expect(metrics).toMatch(/^ftp_workers_unanswered 0$/m);
    for (const client of clients) client.close();
    const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { listening: 'ok', workers: 'ok' } });
    // Each worker runs its own checks: with the storage root gone, both fail theirs.
    await rm(join(directory, 'data'), { recursive: true });
    const unready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
    expect(unready.status).toBe(503);
    const { checks } = (await unready.json()) as { checks: { workers: string } };
    expect(checks.workers).toMatch(/worker 1 storage: /);
    expect(checks.workers).toMatch(/worker 2 storage: /);
  }, 120_000);

  it('applies a changed config on SIGHUP without downtime, and keeps the old workers when the new config does not start', async () => {
    const config = { authenticator: 'no-auth', storageConfig: { root: './data', createRoot: true }, serverName: 'Before' };
    const { app, port } = await startApp(config);
    const held = await login(port, 'held');
    await writeFile(join(directory, 'config.json'), JSON.stringify({ ftpPort: 0, workers: 2, ...config, serverName: 'After' }));
    app.child.kill('SIGHUP');
    await app.logLine((line) => line.msg === 'rolling restart done');
    const greeting = new Client(30_000);
    expect((await greeting.connect('127.0.0.1', port)).message).toContain('After');
    greeting.close();
    // The session opened before the restart goes on, on its retiring worker.
    expect(await held.pwd()).toBe('/');
    held.close();

    // A config the new workers cannot run: the restart stops, the running workers keep serving.
    await writeFile(join(directory, 'config.json'), JSON.stringify({ ftpPort: 0, workers: 2, ...config, storageConfig: { root: 7 } }));
    app.child.kill('SIGHUP');
    await app.logLine((line) => line.msg === 'rolling restart stopped: a new worker did not start; the old ones keep serving');
    expect(app.stderr()).toMatch(/storageConfig\.root/);
    const still = new Client(30_000);
    expect((await still.connect('127.0.0.1', port)).message).toContain('After');
    still.close();
    expect(app.logLines.filter((line) => line.msg === 'worker exited unexpectedly; starting a replacement')).toEqual([]);
  }, 120_000);

  it('exits like one process when the control port is in use, leaving no worker behind', async () => {
    const holder = createServer();
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const held = (holder.address() as { port: number }).port;
    try {
      await writeFile(
        join(directory, 'config.json'),
        JSON.stringify({ ftpPort: held, workers: 2, authenticator: 'no-auth', storageConfig: { root: './data', createRoot: true } }),
      );
      const app = runCli(['--config', join(directory, 'config.json')], { cwd: directory });
      expect(await app.closed).toBe(1);
      expect(app.stderr()).toContain(`ftp-server: ftpPort ${held} on ftpAddr 127.0.0.1 is in use (EADDRINUSE)`);
      const pids = app.logLines.filter((line) => line.msg === 'worker started').map((line) => line.workerPid as number);
      expect(pids).toHaveLength(2);
      for (const pid of pids) await eventually(() => !isRunning(pid), `worker ${pid} to exit`);
    } finally {
      holder.close();
    }
  }, 120_000);

  it('names metricsPort or admin.port like one process when the primary cannot listen there, leaving no worker behind', async () => {
    const holder = createServer();
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const held = (holder.address() as { port: number }).port;
    const adminAccounts = [{ username: 'admin', passwordHash: await hashPassword('admin password') }];
    try {
      for (const [extra, expected] of [
        [{ metricsPort: held }, `ftp-server: metricsPort ${held} on metricsAddr 127.0.0.1 is in use (EADDRINUSE)`],
        [
          { admin: { port: held, accounts: adminAccounts } },
          `ftp-server: admin.port ${held} on admin.address 127.0.0.1 is in use (EADDRINUSE)`,
        ],
      ] as const) {
        await writeFile(
          join(directory, 'config.json'),
          JSON.stringify({
            ftpPort: 0,
            workers: 2,
            authenticator: 'no-auth',
            storageConfig: { root: './data', createRoot: true },
            ...extra,
          }),
        );
        const app = runCli(['--config', join(directory, 'config.json')], { cwd: directory });
        expect(await app.closed).toBe(1);
        expect(app.stderr()).toContain(expected);
        const pids = app.logLines.filter((line) => line.msg === 'worker started').map((line) => line.workerPid as number);
        for (const pid of pids) await eventually(() => !isRunning(pid), `worker ${pid} to exit`);
      }
    } finally {
      holder.close();
    }
  }, 120_000);

  it('a worker that fails on an uncaught error ends its sessions with 421 and is replaced; the other serves on', async () => {
    // An authenticator with a bug: the login of "crash" throws outside any promise the engine awaits.
    await mkdir(join(directory, 'plugins'));
    await writeFile(
      join(directory, 'plugins', 'faulty.mjs'),
      `export default async () => ({
        specificationVersion: 'v1',
        name: 'faulty',
        async authenticate(request) {
          if (request.username === 'crash') setImmediate(() => { throw new Error('a bug in the authenticator'); });
          return { outcome: 'accepted', user: { username: request.username } };
        },
      });\n`,
    );
    const { app, port } = await startApp({ authenticator: './plugins/faulty.mjs', storageConfig: { root: './data', createRoot: true } });
    const bystanders = await Promise.all(
      Array.from({ length: 4 }, async (_, index) => {
        const session = await rawSession(port);
        expect((await session.read()).code).toBe(220);
        await session.login(`bystander${index}`, 'x');
        return { session, worker: await workerOf(app, `bystander${index}`) };
      }),
    );
    expect(new Set(bystanders.map((bystander) => bystander.worker))).toEqual(new Set([1, 2]));
    const crashing = await rawSession(port);
    expect((await crashing.read()).code).toBe(220);
    await crashing.command('USER crash');
    await crashing.command('PASS x');
    const failed = (await app.logLine((line) => line.msg === 'worker failed')).worker as number;
    for (const { session, worker } of bystanders) {
      if (worker === failed) {
        expect((await session.read()).code).toBe(421);
        await session.closed;
      } else {
        expect((await session.command('NOOP')).code).toBe(200);
      }
    }
    const exited = await app.logLine((line) => line.msg === 'worker exited unexpectedly; starting a replacement');
    expect(exited).toMatchObject({ worker: failed, code: 1 });
    await app.logLine((line) => line.msg === 'replacement worker listening' && line.worker === 3);
  }, 120_000);

  it('replaces a killed worker and logs it; the other worker serves meanwhile', async () => {
    const { app, port } = await startApp({ authenticator: 'no-auth', storageConfig: { root: './data', createRoot: true } });
    process.kill(await workerPid(app, 1), 'SIGKILL');
    const exited = await app.logLine((line) => line.msg === 'worker exited unexpectedly; starting a replacement');
    expect(exited).toMatchObject({ worker: 1, signal: 'SIGKILL' });
    await app.logLine((line) => line.msg === 'replacement worker listening' && line.worker === 3);
    const seen = new Set<number>();
    for (let attempt = 0; attempt < 10 && seen.size < 2; attempt++) {
      const client = await login(port, `after${attempt}`);
      await client.list();
      client.close();
      seen.add(await workerOf(app, `after${attempt}`));
    }
    expect(seen).toEqual(new Set([2, 3]));
  }, 120_000);
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
