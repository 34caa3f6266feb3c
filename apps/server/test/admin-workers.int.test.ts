import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openApiDocument } from '@ftp/admin';
import { hashPassword } from '@ftp/plugin-api/password';
import { eventually, type LoggedProcess } from '@ftp/test-utils';
import { noPostgresReason, postgresBin, startPostgres, type TestPostgres } from '@ftp/test-utils/postgres';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Client } from 'basic-ftp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { assertCliBuilt, isListeningLine, runCli, workerOf, workerPid } from './support/cli.ts';

// The built CLI with `workers: 2` and an `admin` section: the primary serves the admin API over both workers' sessions,
// bans and restarts, as an operator runs it. Every answer is checked against the OpenAPI document.

let directory: string;

beforeAll(assertCliBuilt);
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ftp-app-admin-workers-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const documentId = 'https://admin.invalid/openapi.json';
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ ...structuredClone(openApiDocument), $id: documentId });

type Operation = { responses: Record<string, { $ref?: string; content?: Record<string, { schema: { $ref?: string } }> }> };

/** The status of `method path` must be one the document lists for it, and a JSON body must match its schema. */
function checkAgainstDocument(method: string, path: string, status: number, body: unknown): void {
  const template = Object.keys(openApiDocument.paths).find((candidate) =>
    new RegExp(`^${candidate.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
  );
  expect(template, `${path} is in the document`).toBeDefined();
  const operation = (openApiDocument.paths as unknown as Record<string, Record<string, Operation>>)[template!]![method.toLowerCase()]!;
  let response = operation.responses[String(status)];
  expect(response, `${method} ${template} answered ${status}, which the document does not list`).toBeDefined();
  if (response!.$ref !== undefined) {
    const name = response!.$ref.split('/').at(-1)!;
    response = (openApiDocument.components.responses as unknown as Record<string, typeof response>)[name];
  }
  const media = response!.content?.['application/json'];
  if (media === undefined) {
    expect(body, `${method} ${template} ${status} has no body in the document`).toBe('');
    return;
  }
  const validate = ajv.getSchema(`${documentId}${media.schema.$ref}`)!;
  expect(validate(body), `${method} ${template} ${status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body)}`).toBe(true);
}

interface Admin {
  call(path: string, options?: { method?: string; body?: unknown }): Promise<{ status: number; body: unknown }>;
  readonly url: string;
  /** The token of `ops`'s login (the event stream is read with fetch directly). */
  readonly token: string;
}

/** Logs in as `ops` and returns a caller whose every answer is checked against the document. */
async function adminOf(url: string): Promise<Admin> {
  const raw = async (path: string, options: { method?: string; body?: unknown; token?: string }) => {
    const response = await fetch(new URL(path, url), {
      method: options.method ?? 'GET',
      headers: {
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    const body: unknown = text.startsWith('{') ? JSON.parse(text) : text;
    checkAgainstDocument(options.method ?? 'GET', path, response.status, body);
    return { status: response.status, body };
  };
  const login = await raw('/api/login', { method: 'POST', body: { username: 'ops', password: 'admin secret' } });
  expect(login.status).toBe(200);
  const token = (login.body as { token: string }).token;
  return { url, token, call: (path, options = {}) => raw(path, { ...options, token }) };
}

interface RunningApp {
  readonly app: LoggedProcess;
  readonly port: number;
  readonly admin: Admin;
}

async function startApp(config: Record<string, unknown> = {}): Promise<RunningApp> {
  const passwordHash = await hashPassword('secret', { logCost: 10 });
  await writeFile(
    join(directory, 'users.json'),
    JSON.stringify({ users: ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map((username) => ({ username, passwordHash })) }),
  );
  await mkdir(join(directory, 'data'), { recursive: true });
  const document = {
    ftpPort: 0,
    workers: 2,
    authenticator: 'local',
    authenticatorConfig: { usersFile: 'users.json' },
    storageConfig: { root: './data' },
    admin: { port: 0, accounts: [{ username: 'ops', passwordHash: await hashPassword('admin secret', { logCost: 10 }) }] },
    ...config,
  };
  await writeFile(join(directory, 'config.json'), JSON.stringify(document));
  const app = runCli(['--config', join(directory, 'config.json')], { cwd: directory });
  const listening = await app.logLine(isListeningLine);
  expect(listening.workers).toBe(2);
  const url = (listening.admin as { url: string }).url;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  return { app, port: listening.port as number, admin: await adminOf(url) };
}

/** A logged-in client whose control-channel lines are kept in `log`. */
async function login(port: number, user: string): Promise<{ client: Client; log: string[] }> {
  const client = new Client(30_000);
  onTestFinished(() => client.close());
  const log: string[] = [];
  client.ftp.verbose = true;
  client.ftp.log = (message: string) => log.push(message);
  await client.access({ host: '127.0.0.1', port, user, password: 'secret' });
  return { client, log };
}

/** Logs in users until two of them are on different workers (connections are handed out round robin). */
async function clientsOnBothWorkers(app: LoggedProcess, port: number) {
  const byWorker = new Map<number, { client: Client; log: string[]; username: string }>();
  for (const username of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) {
    const session = await login(port, username);
    const worker = await workerOf(app, username);
    if (byWorker.has(worker)) session.client.close();
    else byWorker.set(worker, { ...session, username });
    if (byWorker.size === 2) return byWorker;
  }
  throw new Error('six sessions all landed on one worker');
}

/** Fails alice's login twice on one connection: the second failure bans 127.0.0.1 (`maxFailuresPerIp: 2`) with 421. */
async function banLoopback(port: number): Promise<void> {
  const client = new Client(30_000);
  onTestFinished(() => client.close());
  await client.connect('127.0.0.1', port);
  await client.send('USER alice');
  await expect(client.send('PASS wrong')).rejects.toThrow(/530/);
  await client.send('USER alice');
  await expect(client.send('PASS wrong')).rejects.toThrow(/421/);
  client.close();
}

interface SessionView {
  readonly id: string;
  readonly username: string | null;
}

describe('ftp-server with workers: 2 and admin', () => {
  it("lists both workers' sessions and events; ending each gives its client 421; the status sums both workers", async () => {
    const { app, port, admin } = await startApp();
    const events = new AbortController();
    onTestFinished(() => events.abort());
    const stream = await fetch(new URL('/api/events', admin.url), {
      headers: { authorization: `Bearer ${admin.token}` },
      signal: events.signal,
    });
    expect(stream.status).toBe(200);
    const streamed = readText(stream);

    const byWorker = await clientsOnBothWorkers(app, port);
    expect([...byWorker.keys()].sort()).toEqual([1, 2]);
    const names = [...byWorker.values()].map((session) => session.username);
    // The clients closed by clientsOnBothWorkers leave; the two kept stay, one on each worker.
    const sessions = await eventually(async () => {
      const listed = await admin.call('/api/sessions');
      expect(listed.status).toBe(200);
      const found = (listed.body as { sessions: SessionView[] }).sessions;
      return found.length === 2 && found;
    }, 'the two sessions kept');
    expect(sessions.map((session) => session.username).sort()).toEqual([...names].sort());
    expect(sessions[0]!.id).not.toBe(sessions[1]!.id);

    const status = await admin.call('/api/server');
    expect(status.status).toBe(200);
    const server = status.body as {
      sessions: number;
      workers: { id: number; answered: boolean; sessions: number }[];
      listeners: unknown[];
    };
    expect(server.workers.map((worker) => [worker.id, worker.answered])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(server.sessions).toBe(2);
    expect(server.workers.map((worker) => worker.sessions)).toEqual([1, 1]);
    expect(server.listeners).toEqual([{ kind: 'control', address: expect.any(String), port }]);

    // The logins of both workers came through the primary's event stream.
    await eventually(() => names.every((name) => streamed().includes(`"username":"${name}"`)), 'both logins in the event stream');
    expect(streamed()).toMatch(/event: login\n/);

    for (const [, { username, log }] of byWorker) {
      const session = sessions.find((candidate) => candidate.username === username)!;
      const one = await admin.call(`/api/sessions/${session.id}`);
      expect(one.status).toBe(200);
      expect((one.body as SessionView).username).toBe(username);
      expect((await admin.call(`/api/sessions/${session.id}`, { method: 'DELETE' })).status).toBe(204);
      await eventually(() => log.join('\n').includes('421 Session ended by the administrator.'), `the 421 at ${username}'s client`);
      const audit = await app.logLine((line) => line.msg === 'admin action' && line.username === username);
      expect(audit).toMatchObject({ admin: 'ops', action: 'session.end', sessionId: session.id });
      expect((await admin.call(`/api/sessions/${session.id}`)).status).toBe(404);
    }
  }, 120_000);

  it('reports a worker that does not answer and answers with the others, without waiting for it', async () => {
    const { app, port, admin } = await startApp();
    const byWorker = await clientsOnBothWorkers(app, port);
    const pid = await workerPid(app, 2);
    // Stopped, not ended: its sessions stay open but it cannot answer the primary.
    process.kill(pid, 'SIGSTOP');
    onTestFinished(() => {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // It exited already.
      }
    });
    const status = (await admin.call('/api/server')).body as { sessions: number; workers: { id: number; answered: boolean }[] };
    expect(status.workers.map((worker) => [worker.id, worker.answered])).toEqual([
      [1, true],
      [2, false],
    ]);
    const listed = (await admin.call('/api/sessions')).body as { sessions: SessionView[] };
    expect(listed.sessions.map((session) => session.username)).toContain(byWorker.get(1)!.username);
    expect(listed.sessions.map((session) => session.username)).not.toContain(byWorker.get(2)!.username);
    expect(await app.logLine((line) => line.msg === 'admin: workers did not answer in time')).toMatchObject({ workers: [2] });
    process.kill(pid, 'SIGCONT');
    const again = (await admin.call('/api/sessions')).body as { sessions: SessionView[] };
    expect(again.sessions.map((session) => session.username)).toContain(byWorker.get(2)!.username);
  }, 120_000);

  it("adds a user through the primary's user store who logs in on both workers; deleting it ends its sessions on both", async () => {
    const { app, port, admin } = await startApp();
    const added = await admin.call('/api/users', { method: 'POST', body: { username: 'zoe', password: 'secret' } });
    expect(added.status).toBe(201);
    const sessions: { client: Client; log: string[] }[] = [];
    const workers = new Set<number>();
    for (let attempt = 0; attempt < 6 && workers.size < 2; attempt++) {
      sessions.push(await login(port, 'zoe'));
      await eventually(
        () => app.logLines.filter((line) => line.event === 'login' && line.username === 'zoe').length === sessions.length,
        'the login line',
      );
      workers.add(app.logLines.filter((line) => line.event === 'login' && line.username === 'zoe').at(-1)!.worker as number);
    }
    expect(workers).toEqual(new Set([1, 2]));
    expect((await admin.call('/api/users/zoe', { method: 'DELETE' })).status).toBe(204);
    expect(await app.logLine((line) => line.action === 'user.sessions-ended')).toMatchObject({ admin: 'ops', sessions: sessions.length });
    for (const { log } of sessions)
      await eventually(() => log.join('\n').includes('421 Your account was removed.'), "the 421 at zoe's client");
  }, 120_000);

  it("rescans a user's quota on a worker and reads the usage from the shared state", async () => {
    const { admin } = await startApp();
    await writeFile(join(directory, 'data', 'a.bin'), randomBytes(1000));
    await writeFile(join(directory, 'data', 'b.bin'), randomBytes(234));
    // A worker opens the user's storage for the report: a disk alone has no quota folders.
    expect(await admin.call('/api/quota/alice')).toEqual({
      status: 200,
      body: { username: 'alice', usage: null, folders: [], foldersError: null },
    });
    const rescanned = await admin.call('/api/quota/alice/rescan', { method: 'POST' });
    expect(rescanned).toEqual({ status: 200, body: { username: 'alice', usage: { bytes: 1234, files: 2 } } });
    expect((await admin.call('/api/quota/alice')).body).toMatchObject({ username: 'alice', usage: { bytes: 1234, files: 2 } });
    expect((await admin.call('/api/quota/nobody/rescan', { method: 'POST' })).status).toBe(404);
  }, 120_000);

  it('lists a ban made on one worker, lifts it, and the address is admitted again on both workers', async () => {
    const { app, port, admin } = await startApp({ maxLoginAttempts: 5, defender: { maxFailuresPerIp: 2, failedLoginDelayMs: 0 } });
    await banLoopback(port);

    const defender = await admin.call('/api/defender');
    expect(defender.status).toBe(200);
    expect((defender.body as { bans: { address: string }[] }).bans.map((ban) => ban.address)).toEqual(['127.0.0.1']);
    const refused = new Client(30_000);
    await expect(refused.access({ host: '127.0.0.1', port, user: 'alice', password: 'secret' })).rejects.toThrow(/421/);
    refused.close();

    expect((await admin.call('/api/defender/bans/127.0.0.1', { method: 'DELETE' })).status).toBe(204);
    expect(await app.logLine((line) => line.msg === 'admin action' && line.action === 'defender.unban')).toMatchObject({ admin: 'ops' });
    expect((await admin.call('/api/defender')).body).toMatchObject({ bans: [] });
    expect((await admin.call('/api/defender/bans/127.0.0.1', { method: 'DELETE' })).status).toBe(404);
    const byWorker = await clientsOnBothWorkers(app, port);
    expect([...byWorker.keys()].sort()).toEqual([1, 2]);
  }, 120_000);

  it('exempts an address added to the allow list on both workers, and on the workers of a rolling restart', async () => {
    const { app, port, admin } = await startApp({ maxLoginAttempts: 5, defender: { maxFailuresPerIp: 1, failedLoginDelayMs: 0 } });
    const added = await admin.call('/api/defender/allow-list', { method: 'POST', body: { address: '127.0.0.1' } });
    expect(added).toEqual({ status: 201, body: { allowList: ['127.0.0.1'] } });
    expect((await admin.call('/api/defender/allow-list', { method: 'POST', body: { address: 'not an address' } })).status).toBe(400);
    /** Fails one login on a new connection (one failure bans an address that is not exempt); the failing worker. */
    const failLogin = async (attempt: number) => {
      const client = new Client(30_000);
      onTestFinished(() => client.close());
      await client.connect('127.0.0.1', port);
      await client.send(`USER attempt${attempt}`);
      await expect(client.send('PASS wrong')).rejects.toThrow(/530/);
      client.close();
      const failed = await app.logLine((line) => line.event === 'login-failed' && line.attemptedUsername === `attempt${attempt}`);
      return failed.worker as number;
    };
    const failing = new Set<number>();
    for (let attempt = 0; attempt < 6 && failing.size < 2; attempt++) failing.add(await failLogin(attempt));
    expect(failing).toEqual(new Set([1, 2]));
    expect((await admin.call('/api/defender')).body).toMatchObject({ bans: [], allowList: ['127.0.0.1'] });
    expect([...(await clientsOnBothWorkers(app, port)).keys()].sort()).toEqual([1, 2]);

    expect((await admin.call('/api/server/restart', { method: 'POST' })).body).toEqual({ replaced: 2, complete: true });
    const renewed = new Set<number>();
    for (let attempt = 10; attempt < 16 && renewed.size < 2; attempt++) renewed.add(await failLogin(attempt));
    expect(renewed).toEqual(new Set([3, 4]));
    expect((await admin.call('/api/defender')).body).toMatchObject({ bans: [] });
    await login(port, 'alice');
  }, 120_000);

  it('POST /api/server/restart replaces both workers while a download completes intact', async () => {
    const { app, port, admin } = await startApp({ shutdownTimeoutMs: 300_000 });
    // Larger than what loopback socket buffers hold, and read only once the restart answered: it cannot end before.
    const source = randomBytes(32 * 1024 * 1024);
    await writeFile(join(directory, 'data', 'source.bin'), source);
    const { client } = await login(port, 'alice');
    const worker = await workerOf(app, 'alice');
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let markStarted!: () => void;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const hash = createHash('sha256');
    const held = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        markStarted();
        void gate.then(() => callback());
      },
    });
    const download = client.downloadTo(held, 'source.bin');
    await started;

    const restarted = await admin.call('/api/server/restart', { method: 'POST' });
    expect(restarted).toEqual({ status: 200, body: { replaced: 2, complete: true } });
    expect(await app.logLine((line) => line.msg === 'admin action' && line.action === 'server.restart')).toMatchObject({ admin: 'ops' });
    await app.logLine((line) => line.msg === 'worker retiring' && line.worker === worker);
    const status = (await admin.call('/api/server')).body as { workers: { id: number }[] };
    expect(status.workers.map((entry) => entry.id)).toContain(3);
    expect(status.workers.map((entry) => entry.id)).toContain(4);

    openGate();
    await download;
    expect(hash.digest('hex')).toBe(createHash('sha256').update(source).digest('hex'));
    client.close();
    for (const id of [1, 2]) expect((await app.logLine((line) => line.msg === 'worker exited' && line.worker === id)).code).toBe(0);
    await login(port, 'bob');
    expect([3, 4]).toContain(await workerOf(app, 'bob'));
  }, 180_000);
});

describe.skipIf(postgresBin === undefined)(
  `ftp-server with workers: 2, admin and the shared state in PostgreSQL${postgresBin === undefined ? ` (${noPostgresReason})` : ''}`,
  () => {
    let postgres: TestPostgres;
    beforeAll(async () => {
      postgres = await startPostgres();
    }, 60_000);
    afterAll(() => postgres?.destroy(), 60_000);

    it('lists and lifts a ban kept in the database; the address is admitted again on both workers', async () => {
      const connectionString = await postgres.createDatabase();
      const { app, port, admin } = await startApp({
        sharedState: 'postgres',
        sharedStateConfig: { connectionString },
        maxLoginAttempts: 5,
        defender: { maxFailuresPerIp: 2, failedLoginDelayMs: 0 },
      });
      await banLoopback(port);
      const defender = await admin.call('/api/defender');
      expect((defender.body as { bans: { address: string }[] }).bans.map((ban) => ban.address)).toEqual(['127.0.0.1']);
      expect((await admin.call('/api/defender/bans/127.0.0.1', { method: 'DELETE' })).status).toBe(204);
      expect((await admin.call('/api/defender')).body).toMatchObject({ bans: [] });
      expect([...(await clientsOnBothWorkers(app, port)).keys()].sort()).toEqual([1, 2]);
    }, 120_000);
  },
);

/** Reads `response`'s body as it comes; the returned function gives what arrived so far. */
function readText(response: Response): () => string {
  let text = '';
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
    } catch {
      // Aborted at the end of the test.
    }
  })();
  return () => text;
}
