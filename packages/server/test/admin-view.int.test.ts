import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { AuthenticatorV1, SharedStateV1 } from '@ftp/plugin-api';
import { createMemorySharedState } from '@ftp/server';
import { Client } from 'basic-ftp';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFsStorage } from '@ftp/storage-fs';
import { eventually, gatedSink, rawSession, tempDirectory } from '@ftp/test-utils';
import { createMemoryStorage } from '../src/testing/memory-storage.ts';
import { startServer } from './support/index.ts';

// The operator's view of a running server (sessions with their transfers, ending one, status, the defender), with
// real basic-ftp clients on loopback.

/** A basic-ftp client whose protocol log the test reads (the 421 that ends a session). */
async function loggingClient(port: number): Promise<{ client: Client; log: string[] }> {
  const client = new Client(15_000);
  onTestFinished(() => client.close());
  const log: string[] = [];
  client.ftp.verbose = true;
  client.ftp.log = (message: string) => log.push(message);
  await client.access({ host: '127.0.0.1', port, user: 'user', password: 'password' });
  return { client, log };
}

describe('sessions(): the operator view of a session', () => {
  it('shows a slow download with its command, path, direction and growing bytes; endSession gives the client 421', async () => {
    const { server, port } = await startServer({ storage: createMemoryStorage({ files: { '/big.bin': randomBytes(32 * 1024 * 1024) } }) });
    const { client, log } = await loggingClient(port);
    const gate = gatedSink();
    const download = client.downloadTo(gate.sink, '/big.bin').then(
      () => 'completed',
      (error: unknown) => String(error),
    );

    const first = await eventually(() => {
      const [session] = server.sessions();
      return session?.transfer !== undefined && session.transfer.bytes > 0 && session;
    }, 'the download to show in the session list');
    expect(first).toMatchObject({ username: 'user', remoteAddress: '127.0.0.1', secure: false, command: 'RETR' });
    expect(first.transfer).toMatchObject({ command: 'RETR', path: '/big.bin', direction: 'download' });
    expect(first.connectedAt).toBeLessThanOrEqual(first.transfer!.startedAt);
    expect(server.session(first.id)?.id).toBe(first.id);

    gate.allow(first.transfer!.bytes + 4 * 1024 * 1024);
    const later = await eventually(() => {
      const bytes = server.session(first.id)?.transfer?.bytes ?? 0;
      return bytes > first.transfer!.bytes && bytes;
    }, 'the transferred bytes to grow');
    expect(later).toBeLessThan(32 * 1024 * 1024);

    expect(await server.endSession(first.id, 'Ended by the test.')).toBe(true);
    gate.allow(Number.POSITIVE_INFINITY);
    expect(await download).not.toBe('completed');
    expect(server.sessions()).toEqual([]);
    await eventually(() => log.join('\n').includes('421 Ended by the test.'), 'the 421 reply in the client log');
    expect(await server.endSession(first.id)).toBe(false);
  });

  it('ends an upload in progress without leaving a partial file; the client gets 421', async () => {
    const root = await tempDirectory();
    const { server, port } = await startServer({ storage: createFsStorage({ root, fsync: false }) });
    const { client, log } = await loggingClient(port);
    const source = new PassThrough();
    const upload = client.uploadFrom(source, 'partial.bin').then(
      () => 'completed',
      (error: unknown) => String(error),
    );
    source.write(randomBytes(1024 * 1024));
    const session = await eventually(() => {
      const [found] = server.sessions();
      return found?.transfer !== undefined && found.transfer.bytes >= 1024 * 1024 && found;
    }, 'the upload to show with its first MiB');
    expect(session.transfer).toMatchObject({ command: 'STOR', path: '/partial.bin', direction: 'upload' });
    expect(session.command).toBe('STOR');

    await server.endSession(session.id);
    source.end(randomBytes(1024));
    expect(await upload).not.toBe('completed');
    await eventually(() => log.join('\n').includes('421 Session ended by the administrator.'), 'the 421 reply');
    expect(await readdir(root)).toEqual([]);
  });

  it('ends every session of one user and lists sessions before login without a user', async () => {
    const { server, port } = await startServer();
    const first = await loggingClient(port);
    await loggingClient(port);
    const anonymous = await rawSession(port);
    await anonymous.read();
    await eventually(() => server.sessions().length === 3, 'three sessions');
    expect(server.sessions().filter((session) => session.username === undefined)).toHaveLength(1);

    expect(await server.endSessionsOf('user')).toBe(2);
    expect(server.sessions().map((session) => session.username)).toEqual([undefined]);
    expect(first.log.join('\n').includes('421 Session ended')).toBe(true);
  });
});

describe('status()', () => {
  it('reports the listener, the sessions and counts of logins, failed logins and transfers', async () => {
    const authenticator: AuthenticatorV1 = {
      specificationVersion: 'v1',
      name: 'one password',
      authenticate: async (request) =>
        request.password === 'password' ? { outcome: 'accepted', user: { username: request.username } } : { outcome: 'rejected' },
    };
    const { server, port } = await startServer({
      authenticator,
      storage: createMemoryStorage({ files: { '/a.txt': 'hello' } }),
      defender: { failedLoginDelayMs: 0 },
    });
    const { client } = await loggingClient(port);
    await client.downloadTo(new PassThrough().resume(), '/a.txt');
    await client.uploadFrom(Readable.from([Buffer.from('12345678')]), '/b.txt');
    const failing = new Client(15_000);
    onTestFinished(() => failing.close());
    await failing.connect('127.0.0.1', port);
    await expect(failing.login('user', 'wrong')).rejects.toThrow(/530/);

    const status = await eventually(() => {
      const current = server.status();
      return current.counters.failedLogins === 1 && current;
    }, 'the failed login to be counted');
    expect(status.listeners).toEqual([{ kind: 'control', address: '127.0.0.1', port }]);
    expect(status.sessions).toBe(2);
    expect(status.counters).toEqual({
      connections: 2,
      logins: 1,
      failedLogins: 1,
      uploads: 1,
      downloads: 1,
      bytesUploaded: 8,
      bytesDownloaded: 5,
    });
    expect(status.startedAt).toBeLessThanOrEqual(Date.now());
    await server.close();
    expect(server.status().listeners).toEqual([]);
  });
});

describe('quota usage and rescan', () => {
  it("counts a user's files from the storage outside any session, within the user's root directory", async () => {
    const root = await tempDirectory();
    await mkdir(join(root, 'dir'));
    await writeFile(join(root, 'a.txt'), 'abc');
    await writeFile(join(root, 'dir', 'b.txt'), '12345');
    const { server } = await startServer({ storage: createFsStorage({ root, fsync: false }) });
    expect(await server.quotaUsage('carol')).toBeUndefined();
    expect(await server.rescanQuota({ username: 'carol' })).toEqual({ bytes: 8, files: 2 });
    expect(await server.quotaUsage('carol')).toEqual({ bytes: 8, files: 2 });
    expect(await server.rescanQuota({ username: 'dan', rootDirectory: '/dir' })).toEqual({ bytes: 5, files: 1 });
  });
});

describe('defender access', () => {
  it('counts failures from another front door and bans the address for FTP too', async () => {
    const { server, port } = await startServer({ defender: { maxFailuresPerIp: 2, failedLoginDelayMs: 0 } });
    expect(server.defender.enabled).toBe(true);
    expect(await server.defender.recordFailedLogin('127.0.0.1', 'admin')).toBe(false);
    expect(await server.defender.isBanned('127.0.0.1')).toBe(false);
    expect(await server.defender.recordFailedLogin('::ffff:127.0.0.1', 'admin')).toBe(true);
    expect(await server.defender.isBanned('127.0.0.1')).toBe(true);
    const refused = await rawSession(port);
    expect((await refused.read()).code).toBe(421);
  });

  it('lists bans and failure counts, lifts a ban (FTP admits the address again) and adds to the allow list', async () => {
    const { server, port } = await startServer({ defender: { maxFailuresPerIp: 2, failedLoginDelayMs: 0, allowList: ['10.0.0.0/8'] } });
    await server.defender.recordFailedLogin('192.0.2.7', 'admin');
    await server.defender.recordFailedLogin('127.0.0.1', 'admin');
    await server.defender.recordFailedLogin('127.0.0.1', 'admin');
    const state = await server.defender.state();
    expect(state?.bans.map((ban) => ban.address)).toEqual(['127.0.0.1']);
    expect(state?.bans[0]?.until).toBeGreaterThan(Date.now());
    expect(state?.failures).toEqual([{ address: '192.0.2.7', count: 1 }]);
    expect((await (await rawSession(port)).read()).code).toBe(421);

    expect(await server.defender.liftBan('127.0.0.1')).toBe('lifted');
    expect(await server.defender.liftBan('127.0.0.1')).toBe('not-banned');
    expect((await (await rawSession(port)).read()).code).toBe(220);
    expect((await server.defender.state())?.bans).toEqual([]);

    server.defender.allow('127.0.0.1');
    expect(server.defender.allowList).toEqual(['10.0.0.0/8', '127.0.0.1']);
    for (let attempt = 0; attempt < 3; attempt++) expect(await server.defender.recordFailedLogin('127.0.0.1', 'admin')).toBe(false);
    expect(await server.defender.isBanned('127.0.0.1')).toBe(false);
    expect(() => server.defender.allow('not an address')).toThrow(/"not an address" is not an IP address or CIDR block/);
  });

  it('says so when the shared state cannot list or lift bans', async () => {
    const memory = createMemorySharedState();
    // The contract's required methods only, as a store that predates the optional ones.
    const plain: SharedStateV1 = {
      specificationVersion: 'v1',
      name: 'plain',
      acquireSession: (...args) => memory.acquireSession(...args),
      releaseSession: (...args) => memory.releaseSession(...args),
      isBanned: (...args) => memory.isBanned(...args),
      recordLoginFailure: (...args) => memory.recordLoginFailure(...args),
      quotaUsage: (...args) => memory.quotaUsage(...args),
      setQuotaUsage: (...args) => memory.setQuotaUsage(...args),
      reserveQuota: (...args) => memory.reserveQuota(...args),
      commitQuota: (...args) => memory.commitQuota(...args),
      releaseQuota: (...args) => memory.releaseQuota(...args),
      acquireUploadLock: (...args) => memory.acquireUploadLock(...args),
      releaseUploadLock: (...args) => memory.releaseUploadLock(...args),
    };
    const { server } = await startServer({ sharedState: plain });
    expect(await server.defender.state()).toBeUndefined();
    expect(await server.defender.liftBan('127.0.0.1')).toBe('unsupported');
  });

  it('counts nothing when the defender is off', async () => {
    const { server } = await startServer({ defender: { enabled: false, maxFailuresPerIp: 1 } });
    expect(server.defender.enabled).toBe(false);
    expect(await server.defender.recordFailedLogin('127.0.0.1', 'admin')).toBe(false);
    expect(await server.defender.isBanned('127.0.0.1')).toBe(false);
  });
});
