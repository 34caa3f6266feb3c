import { SharedStateUnavailableError, type SharedStateV1 } from '@ftp/plugin-api';
import { loggedInRawSession, openDataConnection, pasvPort, rawSession, rawTransfer, startRawTransfer } from '@ftp/test-utils';
import { describe, expect, it } from 'vitest';
import { createMemorySharedState } from '../src/limits/memory-shared-state.ts';
import { createMemoryStorage } from '../src/testing/memory-storage.ts';
import { loginAs, profileAuthenticator } from './support/profiles.ts';
import { startServer } from './support/index.ts';

// The engine keeps what instances must agree on only in the shared state: two servers given one shared state (as two
// instances on one store would be) enforce one user's sessions, quota and bans together, and a shared state that
// cannot answer fails closed (421 at connect and login, 451 for an upload) without ending running sessions.

/** The memory shared state, made to fail like a store that went away while `down` is set. */
function switchableState(): { state: SharedStateV1; setDown(down: boolean): void } {
  const inner = createMemorySharedState();
  let down = false;
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      down ? Promise.reject(new SharedStateUnavailableError('the test store is down')) : call(...args);
  const state: SharedStateV1 = {
    specificationVersion: 'v1',
    name: 'switchable',
    acquireSession: guard(inner.acquireSession.bind(inner)),
    releaseSession: inner.releaseSession.bind(inner),
    isBanned: guard(inner.isBanned.bind(inner)),
    recordLoginFailure: guard(inner.recordLoginFailure.bind(inner)),
    quotaUsage: guard(inner.quotaUsage.bind(inner)),
    setQuotaUsage: guard(inner.setQuotaUsage.bind(inner)),
    reserveQuota: guard(inner.reserveQuota.bind(inner)),
    commitQuota: inner.commitQuota.bind(inner),
    releaseQuota: inner.releaseQuota.bind(inner),
    acquireUploadLock: guard(inner.acquireUploadLock.bind(inner)),
    releaseUploadLock: inner.releaseUploadLock.bind(inner),
  };
  return { state, setDown: (value) => (down = value) };
}

describe('two servers on one shared state', () => {
  it('count the sessions of one user together', async () => {
    const sharedState = createMemorySharedState();
    const authenticator = profileAuthenticator({ alice: { maxSessions: 2 } });
    const one = await startServer({ authenticator, sharedState });
    const two = await startServer({ authenticator, sharedState });
    await loginAs(one.port, 'alice');
    await loginAs(two.port, 'alice');
    const third = await rawSession(two.port);
    await third.read();
    await third.command('USER alice');
    expect((await third.command('PASS pw')).code).toBe(421);
  });

  it('keep one quota for a user: uploads on both pass the limit neither alone nor together', async () => {
    const sharedState = createMemorySharedState();
    const authenticator = profileAuthenticator({ bob: { quota: { maxBytes: 1_000, maxFiles: 10 } } });
    const storage = createMemoryStorage();
    const one = await startServer({ authenticator, storage, sharedState });
    const two = await startServer({ authenticator, storage, sharedState });
    const onOne = await loginAs(one.port, 'bob');
    const onTwo = await loginAs(two.port, 'bob');
    expect((await rawTransfer(onOne, 'STOR /a.bin', Buffer.alloc(600))).final?.code).toBe(226);
    expect((await rawTransfer(onTwo, 'STOR /b.bin', Buffer.alloc(600))).final?.code).toBe(552);
    expect((await onTwo.command('SITE QUOTA')).text).toContain('600 of 1000 bytes, 1 of 10 files');
    expect((await rawTransfer(onTwo, 'STOR /b.bin', Buffer.alloc(400))).final?.code).toBe(226);
    expect((await onOne.command('SITE QUOTA')).text).toContain('1000 of 1000 bytes, 2 of 10 files');
  });

  it('ban an address on both once its failed logins on either pass the limit', async () => {
    const sharedState = createMemorySharedState();
    const defender = { maxFailuresPerIp: 2, failedLoginDelayMs: 0 };
    const authenticator = profileAuthenticator({ carol: {} });
    const one = await startServer({ authenticator, sharedState, defender });
    const two = await startServer({ authenticator, sharedState, defender });
    const session = await rawSession(one.port);
    await session.read();
    await session.command('USER carol');
    expect((await session.command('PASS wrong')).code).toBe(530);
    await session.command('USER carol');
    expect((await session.command('PASS wrong')).code).toBe(421);
    const refused = await rawSession(two.port);
    const greeting = await refused.read();
    expect(greeting.code).toBe(421);
    expect(greeting.text).toContain('Too many failed logins');
  });

  it('refuse an in-place upload (APPE, STOR after REST) of a path another instance is changing with 450', async () => {
    const sharedState = createMemorySharedState();
    const storage = createMemoryStorage({ files: { '/log.txt': 'start\n' } });
    const one = await startServer({ storage, sharedState });
    const two = await startServer({ storage, sharedState });
    const writer = await loggedInRawSession(one.port);
    const data = await startRawTransfer(writer, 'APPE /log.txt');
    const other = await loggedInRawSession(two.port);
    await other.command('TYPE I');
    expect((await rawTransfer(other, 'APPE /log.txt', Buffer.from('other\n'))).first.code).toBe(450);
    // REST lasts one command, so it comes after PASV, right before STOR.
    const resumeData = await openDataConnection(pasvPort(await other.command('PASV')));
    expect((await other.command('REST 2')).code).toBe(350);
    expect((await other.command('STOR /log.txt')).code).toBe(450);
    resumeData.destroy();
    // A plain STOR replaces the file whole (the storage commits it at once): it takes no lock.
    expect((await rawTransfer(other, 'STOR /new.txt', Buffer.from('new\n'))).final?.code).toBe(226);
    data.end('first\n');
    expect((await writer.read()).code).toBe(226);
    expect((await rawTransfer(other, 'APPE /log.txt', Buffer.from('other\n'))).final?.code).toBe(226);
    const check = await rawTransfer(other, 'RETR /log.txt');
    expect(check.received.toString()).toBe('start\nfirst\nother\n');
  });
});

describe('a shared state that cannot answer', () => {
  it('refuses new connections with 421, fails logins with 421 (never 530), uploads with 451, and lets sessions go on', async () => {
    const { state, setDown } = switchableState();
    const authenticator = profileAuthenticator({ dave: { quota: { maxBytes: 10_000 } } });
    const { port } = await startServer({ authenticator, sharedState: state, defender: { failedLoginDelayMs: 0 } });
    const running = await loginAs(port, 'dave');
    expect((await rawTransfer(running, 'STOR /before.bin', Buffer.alloc(100))).final?.code).toBe(226);
    const waiting = await rawSession(port);
    expect((await waiting.read()).code).toBe(220);
    await waiting.command('USER dave');

    setDown(true);
    const refused = await rawSession(port);
    expect((await refused.read()).code).toBe(421);
    expect((await waiting.command('PASS pw')).code).toBe(421);
    const wrong = await rawSession(port);
    expect((await wrong.read()).code).toBe(421);
    const upload = await rawTransfer(running, 'STOR /during.bin', Buffer.alloc(100));
    expect(upload.first.code).toBe(451);
    expect(upload.first.text).toContain('Shared state temporarily unavailable');
    expect((await rawTransfer(running, 'RETR /before.bin')).received).toHaveLength(100);

    setDown(false);
    expect((await rawTransfer(running, 'STOR /after.bin', Buffer.alloc(100))).final?.code).toBe(226);
    expect((await running.command('SITE QUOTA')).text).toContain('200 of 10000 bytes');
    await loginAs(port, 'dave');
  });
});
