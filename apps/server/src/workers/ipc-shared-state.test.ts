import { randomUUID } from 'node:crypto';
import { SharedStateUnavailableError, type SharedStateV1 } from '@ftp/plugin-api';
import { runSharedStateConformance } from '@ftp/plugin-api/testing';
import { createMemorySharedState } from '@ftp/server';
import { describe, expect, it } from 'vitest';
import { IpcSharedState } from './ipc-shared-state.ts';
import { SharedStateHost } from './shared-state-host.ts';
import { isSharedStateRequest, type MessagePort } from './shared-state-messages.ts';

/**
 * Two connected ends, as the cluster IPC channel is between a worker and the primary: each message is serialized as
 * JSON and arrives later, in order; once closed, sending fails.
 */
function channel(): {
  worker: MessagePort;
  primary: MessagePort;
  close(): void;
  drop(dropping: boolean): void;
  asked(method: string): number;
  /** Keeps the primary's answers from the worker until the returned function delivers them, in order. */
  holdAnswers(): () => void;
} {
  const listeners = { worker: new Set<(message: unknown) => void>(), primary: new Set<(message: unknown) => void>() };
  const requests: string[] = [];
  let closed = false;
  let dropping = false;
  let held: string[] | undefined;
  const deliver = (to: 'worker' | 'primary', text: string) => {
    for (const listener of listeners[to]) listener(JSON.parse(text));
  };
  const end = (to: 'worker' | 'primary'): MessagePort => ({
    send(message, onFailure) {
      if (closed) {
        setImmediate(() => onFailure(new Error('channel closed')));
        return;
      }
      if (dropping) return;
      if (isSharedStateRequest(message)) requests.push(message.method);
      const text = JSON.stringify(message);
      if (to === 'worker' && held !== undefined) {
        held.push(text);
        return;
      }
      setImmediate(() => deliver(to, text));
    },
    subscribe(listener) {
      listeners[to === 'worker' ? 'primary' : 'worker'].add(listener);
      return () => listeners[to === 'worker' ? 'primary' : 'worker'].delete(listener);
    },
  });
  // The worker's end sends to the primary's listeners, and the other way round.
  return {
    worker: end('primary'),
    primary: end('worker'),
    close: () => (closed = true),
    drop: (value) => (dropping = value),
    asked: (method) => requests.filter((sent) => sent === method).length,
    holdAnswers: () => {
      const answers: string[] = [];
      held = answers;
      return () => {
        held = undefined;
        for (const text of answers) deliver('worker', text);
      };
    },
  };
}

async function attachedWorker(host: SharedStateHost, id: string, options: { requestTimeoutMs?: number } = {}) {
  const pair = channel();
  host.attach(id, pair.primary);
  return { state: await IpcSharedState.connect(pair.worker, options), pair };
}

/** The in-memory state as a store made before quota folders: the same calls, without `countsQuotaFolders`. */
function withoutQuotaFolders(state: SharedStateV1): SharedStateV1 {
  return new Proxy(state, {
    get(target, property) {
      if (property === 'countsQuotaFolders') return undefined;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

// The primary keeps the in-memory state, which counts quota folders: the `quota-folders` checks run through IPC too.
runSharedStateConformance('workers over IPC', async () => {
  const host = new SharedStateHost();
  return { state: (await attachedWorker(host, 'one')).state, peer: (await attachedWorker(host, 'two')).state };
});

describe('IpcSharedState and SharedStateHost', () => {
  it("lists and lifts a ban one worker recorded through another worker's channel", async () => {
    const host = new SharedStateHost();
    const banning = (await attachedWorker(host, 'one')).state;
    const other = (await attachedWorker(host, 'two')).state;
    const failure = {
      address: '192.0.2.7',
      username: 'alice',
      maxFailuresPerAddress: 1,
      maxFailuresPerUser: 10,
      windowMs: 60_000,
      banMs: 60_000,
    };
    expect(await banning.recordLoginFailure(failure)).toBe(true);
    const state = await other.listDefenderState(60_000);
    expect(state.bans.map((ban) => ban.address)).toEqual(['192.0.2.7']);
    expect(await other.liftBan('192.0.2.7')).toBe(true);
    expect(await banning.isBanned('192.0.2.7')).toBe(false);
    expect(await other.liftBan('192.0.2.7')).toBe(false);
  });

  it("gives back what an exited worker held: session slots, quota reservations (a folder's too) and upload locks", async () => {
    const host = new SharedStateHost();
    const crashed = (await attachedWorker(host, 'one')).state;
    const other = (await attachedWorker(host, 'two')).state;
    expect(await crashed.acquireSession('user', 'alice', 1)).toBe('acquired');
    expect(await crashed.acquireSession('address', '192.0.2.1', 1)).toBe('acquired');
    expect(await crashed.reserveQuota({ username: 'alice', reservationId: randomUUID(), bytes: 100, files: 1, maxBytes: 100 })).toBe(100);
    const team = { maxBytes: 100, folder: 'team' };
    expect(await crashed.reserveQuota({ username: 'alice', reservationId: randomUUID(), bytes: 100, files: 1, ...team })).toBe(100);
    expect(await crashed.acquireUploadLock('alice', '/a')).toBe(true);
    expect(await other.acquireSession('user', 'alice', 1)).toBe('limit-reached');
    expect(await other.reserveQuota({ username: 'alice', reservationId: randomUUID(), bytes: 100, files: 0, maxBytes: 100 })).toBe(0);
    expect(await other.reserveQuota({ username: 'bob', reservationId: randomUUID(), bytes: 100, files: 0, ...team })).toBe(0);
    expect(await other.acquireUploadLock('alice', '/a')).toBe(false);

    host.detach('one');

    expect(await other.acquireSession('user', 'alice', 1)).toBe('acquired');
    expect(await other.acquireSession('address', '192.0.2.1', 1)).toBe('acquired');
    expect(await other.reserveQuota({ username: 'alice', reservationId: randomUUID(), bytes: 100, files: 0, maxBytes: 100 })).toBe(100);
    expect(await other.reserveQuota({ username: 'bob', reservationId: randomUUID(), bytes: 100, files: 0, ...team })).toBe(100);
    expect(await other.acquireUploadLock('alice', '/a')).toBe(true);
  });

  it('declares countsQuotaFolders as the primary does: true over the in-memory state, which counts them', async () => {
    const state = (await attachedWorker(new SharedStateHost(), 'one')).state;
    expect(state.countsQuotaFolders).toBe(true);
    await state.setQuotaUsage('alice', { bytes: 1, files: 1 }, 'team');
    expect(await state.quotaUsage('alice', 'team')).toEqual({ bytes: 1, files: 1 });
    expect(await state.quotaUsage('alice')).toBeUndefined();
  });

  it("never claims quota folders when the primary's state does not count them, and the primary refuses folder calls", async () => {
    const host = new SharedStateHost({ state: withoutQuotaFolders(createMemorySharedState()) });
    expect(host.countsQuotaFolders).toBe(false);
    const state = (await attachedWorker(host, 'one')).state;
    expect(state.countsQuotaFolders).toBe(false);
    await expect(state.quotaUsage('alice', 'team')).rejects.toBeInstanceOf(SharedStateUnavailableError);
    await expect(state.setQuotaUsage('alice', { bytes: 1, files: 1 }, 'team')).rejects.toBeInstanceOf(SharedStateUnavailableError);
    await expect(
      state.reserveQuota({ username: 'alice', reservationId: randomUUID(), bytes: 1, files: 1, folder: 'team' }),
    ).rejects.toBeInstanceOf(SharedStateUnavailableError);
    // The user's own account works as before.
    await state.setQuotaUsage('alice', { bytes: 1, files: 1 });
    expect(await state.quotaUsage('alice')).toEqual({ bytes: 1, files: 1 });
  });

  it('a state made without connect claims no quota folders, and connect fails closed when the primary does not answer', async () => {
    const host = new SharedStateHost();
    const pair = channel();
    host.attach('one', pair.primary);
    expect(new IpcSharedState(pair.worker).countsQuotaFolders).toBe(false);
    pair.drop(true);
    await expect(IpcSharedState.connect(pair.worker, { requestTimeoutMs: 50 })).rejects.toBeInstanceOf(SharedStateUnavailableError);
  });

  it('a late release from a worker that does not hold the slot or the lock frees nothing of another worker', async () => {
    const host = new SharedStateHost();
    const holder = (await attachedWorker(host, 'one')).state;
    const stranger = (await attachedWorker(host, 'two')).state;
    expect(await holder.acquireSession('user', 'alice', 1)).toBe('acquired');
    expect(await holder.acquireUploadLock('alice', '/a')).toBe(true);
    await stranger.releaseSession('user', 'alice');
    await stranger.releaseUploadLock('alice', '/a');
    expect(await stranger.acquireSession('user', 'alice', 1)).toBe('limit-reached');
    expect(await stranger.acquireUploadLock('alice', '/a')).toBe(false);
  });

  it('counts the connections of every worker against the whole server maxSessions, and frees them on release or exit', async () => {
    const host = new SharedStateHost({ maxSessions: 3 });
    const one = (await attachedWorker(host, 'one')).state;
    const two = (await attachedWorker(host, 'two')).state;
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, index) => (index % 2 === 0 ? one : two).acquireSession('address', `192.0.2.${index}`, 10)),
    );
    expect(answers.filter((answer) => answer === 'acquired')).toHaveLength(3);
    expect(host.sessionCount).toBe(3);
    // Per-user slots are not connections: they do not count.
    expect(await one.acquireSession('user', 'alice', undefined)).toBe('acquired');
    const heldByOne = answers.flatMap((answer, index) => (answer === 'acquired' && index % 2 === 0 ? [`192.0.2.${index}`] : []));
    const heldByTwo = answers.flatMap((answer, index) => (answer === 'acquired' && index % 2 === 1 ? [`192.0.2.${index}`] : []));
    if (heldByTwo.length > 0) {
      await two.releaseSession('address', heldByTwo[0]!);
      expect(await two.acquireSession('address', '198.51.100.1', 10)).toBe('acquired');
    }
    host.detach('one');
    expect(host.sessionCount).toBe(3 - heldByOne.length);
    expect(await two.acquireSession('address', '198.51.100.2', 10)).toBe('acquired');
  });

  it('a banned address is told banned even when the server is full', async () => {
    const host = new SharedStateHost({ maxSessions: 1 });
    const one = (await attachedWorker(host, 'one')).state;
    expect(await one.acquireSession('address', '192.0.2.1', 10)).toBe('acquired');
    const policy = { maxFailuresPerAddress: 1, maxFailuresPerUser: 100, windowMs: 60_000, banMs: 60_000 };
    expect(await one.recordLoginFailure({ ...policy, address: '192.0.2.2', username: 'bob' })).toBe(true);
    expect(await one.acquireSession('address', '192.0.2.2', 10)).toBe('banned');
    expect(await one.acquireSession('address', '192.0.2.3', 10)).toBe('limit-reached');
  });

  it('fails closed when the primary does not answer: takes reject with SharedStateUnavailableError, releases resolve', async () => {
    const host = new SharedStateHost();
    const { state, pair } = await attachedWorker(host, 'one', { requestTimeoutMs: 50 });
    pair.drop(true);
    const refused = state.acquireSession('address', '192.0.2.1', 1);
    await expect(refused).rejects.toBeInstanceOf(SharedStateUnavailableError);
    await expect(refused).rejects.toMatchObject({ code: 'FTP_ERR_SHARED_STATE_UNAVAILABLE' });
    await expect(state.isBanned('192.0.2.1')).rejects.toBeInstanceOf(SharedStateUnavailableError);
    await expect(state.checkHealth()).rejects.toBeInstanceOf(SharedStateUnavailableError);
    await expect(state.releaseSession('address', '192.0.2.1')).resolves.toBeUndefined();
    await expect(state.commitQuota({ username: 'alice', reservationId: 'r', bytes: 1, files: 0 })).resolves.toBeUndefined();
  });

  it('gives back what the primary granted after the worker stopped waiting: an address slot, an upload lock', async () => {
    const host = new SharedStateHost({ maxSessions: 1 });
    const { state: late, pair } = await attachedWorker(host, 'one', { requestTimeoutMs: 50 });
    const other = (await attachedWorker(host, 'two')).state;
    const deliverAnswers = pair.holdAnswers();
    await expect(late.acquireSession('address', '192.0.2.1', 1)).rejects.toBeInstanceOf(SharedStateUnavailableError);
    await expect(late.acquireUploadLock('alice', '/a')).rejects.toBeInstanceOf(SharedStateUnavailableError);
    // The primary took both for this worker; its answers arrive after the worker gave up on them.
    deliverAnswers();
    // Whatever the late answers made the worker send is applied before this answer.
    await late.checkHealth();
    expect(await other.acquireSession('address', '192.0.2.1', 1)).toBe('acquired');
    expect(await other.acquireUploadLock('alice', '/a')).toBe(true);
  });

  it("releases a quota reservation whose first call the worker stopped waiting for, and keeps one an upload's commit ends", async () => {
    const host = new SharedStateHost();
    const { state: late, pair } = await attachedWorker(host, 'one', { requestTimeoutMs: 50 });
    const other = (await attachedWorker(host, 'two')).state;
    const limits = { maxBytes: 100, folder: 'team' };
    await other.setQuotaUsage('alice', { bytes: 0, files: 0 }, 'team');
    // A running upload, whose later call to reserve more is answered late.
    const running = randomUUID();
    expect(await late.reserveQuota({ username: 'alice', reservationId: running, bytes: 10, files: 1, ...limits })).toBe(10);
    let deliverAnswers = pair.holdAnswers();
    await expect(late.reserveQuota({ username: 'alice', reservationId: running, bytes: 20, files: 0, ...limits })).rejects.toBeInstanceOf(
      SharedStateUnavailableError,
    );
    deliverAnswers();
    await late.checkHealth();
    // Its commit ends the whole reservation and counts what it stored.
    await late.commitQuota({ username: 'alice', reservationId: running, bytes: 25, files: 1, folder: 'team' });
    expect(await other.quotaUsage('alice', 'team')).toEqual({ bytes: 25, files: 1 });
    // An upload whose first call is answered late never started: nothing ends its reservation but the worker.
    deliverAnswers = pair.holdAnswers();
    await expect(
      late.reserveQuota({ username: 'alice', reservationId: randomUUID(), bytes: 75, files: 1, ...limits }),
    ).rejects.toBeInstanceOf(SharedStateUnavailableError);
    deliverAnswers();
    await late.checkHealth();
    expect(await other.reserveQuota({ username: 'bob', reservationId: randomUUID(), bytes: 75, files: 1, ...limits })).toBe(75);
  });

  it('fails closed at once when the channel is closed', async () => {
    const host = new SharedStateHost();
    const { state, pair } = await attachedWorker(host, 'one', { requestTimeoutMs: 60_000 });
    await state.checkHealth();
    pair.close();
    await expect(state.acquireUploadLock('alice', '/a')).rejects.toBeInstanceOf(SharedStateUnavailableError);
    await expect(state.releaseUploadLock('alice', '/a')).resolves.toBeUndefined();
  });
});

describe("a user's session slots in blocks", () => {
  /** Takes `count` slots of `key` under `limit` on `state`, all at once; returns how many were acquired. */
  const acquireMany = async (state: SharedStateV1, key: string, limit: number | undefined, count: number) =>
    (await Promise.all(Array.from({ length: count }, () => state.acquireSession('user', key, limit)))).filter(
      (answer) => answer === 'acquired',
    ).length;

  it('far from the limit, a worker serves logins from a block it took in one request', async () => {
    const host = new SharedStateHost();
    const { state, pair } = await attachedWorker(host, 'one');
    expect(await acquireMany(state, 'alice', 1_000, 10)).toBe(10);
    for (let index = 0; index < 10; index++) await state.releaseSession('user', 'alice');
    // A higher limit (none) takes slots counted under a lower one.
    expect(await acquireMany(state, 'alice', undefined, 10)).toBe(10);
    expect(pair.asked('acquireSessionSlots')).toBe(1);
    expect(pair.asked('releaseSession')).toBe(0);
  });

  it('never passes the limit: parallel logins on two workers take exactly the limit between them', async () => {
    const host = new SharedStateHost();
    const one = (await attachedWorker(host, 'one')).state;
    const two = (await attachedWorker(host, 'two')).state;
    const [onTheFirst, onTheSecond] = await Promise.all([acquireMany(one, 'alice', 64, 50), acquireMany(two, 'alice', 64, 50)]);
    expect(onTheFirst + onTheSecond).toBe(64);
    // Near the limit every slot is counted alone: one given back on either worker is free for the other at once.
    await one.releaseSession('user', 'alice');
    expect(await two.acquireSession('user', 'alice', 64)).toBe('acquired');
    expect(await one.acquireSession('user', 'alice', 64)).toBe('limit-reached');
  });

  it("gives back a block the primary granted after the worker stopped waiting, so the user's limit is whole again", async () => {
    const host = new SharedStateHost();
    const { state: late, pair } = await attachedWorker(host, 'one', { requestTimeoutMs: 50 });
    const other = (await attachedWorker(host, 'two')).state;
    const deliverAnswers = pair.holdAnswers();
    await expect(late.acquireSession('user', 'alice', 64)).rejects.toBeInstanceOf(SharedStateUnavailableError);
    expect(pair.asked('acquireSessionSlots')).toBe(1);
    deliverAnswers();
    await late.checkHealth();
    expect(await acquireMany(other, 'alice', 64, 65)).toBe(64);
  });

  it('serves no login from a block taken under a higher limit than the one it is asked under', async () => {
    const host = new SharedStateHost();
    const state = (await attachedWorker(host, 'one')).state;
    expect(await state.acquireSession('user', 'alice', 1_000)).toBe('acquired');
    // The user's limit was lowered (a changed record): the block's unused slots were counted under the old one.
    expect(await state.acquireSession('user', 'alice', 2)).toBe('acquired');
    expect(await state.acquireSession('user', 'alice', 2)).toBe('limit-reached');
    const other = (await attachedWorker(host, 'two')).state;
    expect(await other.acquireSession('user', 'alice', 2)).toBe('limit-reached');
  });

  it('counts every slot alone under a limit too small for blocks', async () => {
    const host = new SharedStateHost();
    const { state, pair } = await attachedWorker(host, 'one');
    const other = (await attachedWorker(host, 'two')).state;
    expect(await acquireMany(state, 'alice', 63, 3)).toBe(3);
    expect(pair.asked('acquireSessionSlots')).toBe(3);
    expect(await acquireMany(other, 'alice', 63, 61)).toBe(60);
  });

  it("gives a block's unused slots back on close, and the primary gives back a crashed worker's whole block", async () => {
    const host = new SharedStateHost();
    const closing = (await attachedWorker(host, 'one')).state;
    const crashing = (await attachedWorker(host, 'two')).state;
    const other = (await attachedWorker(host, 'three')).state;
    expect(await closing.acquireSession('user', 'alice', 100)).toBe('acquired');
    await closing.releaseSession('user', 'alice');
    expect(await crashing.acquireSession('user', 'alice', 100)).toBe('acquired');
    await closing.close();
    host.detach('two');
    expect(await acquireMany(other, 'alice', 100, 101)).toBe(100);
  });

  it('gives back the slots of a block that stay unused while the user keeps logging in and out on that worker', async () => {
    const host = new SharedStateHost();
    const busy = (await attachedWorker(host, 'one')).state;
    const other = (await attachedWorker(host, 'two')).state;
    expect(await busy.acquireSession('user', 'alice', 64)).toBe('acquired');
    expect(await acquireMany(other, 'alice', 64, 63)).toBe(48);
    let taken = 48;
    // One session on the busy worker all along, ending and starting again; the other asks for the rest of the limit.
    // Bounded wait (at most 10 s); nothing is asserted about how long it took.
    for (let attempt = 0; attempt < 100 && taken < 63; attempt++) {
      await busy.releaseSession('user', 'alice');
      expect(await busy.acquireSession('user', 'alice', 64)).toBe('acquired');
      if ((await other.acquireSession('user', 'alice', 64)) === 'acquired') taken++;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(taken).toBe(63);
    expect(await other.acquireSession('user', 'alice', 64)).toBe('limit-reached');
  });

  it('gives the unused slots of a block back a few seconds after their last use', async () => {
    const host = new SharedStateHost();
    const idle = (await attachedWorker(host, 'one')).state;
    const other = (await attachedWorker(host, 'two')).state;
    expect(await idle.acquireSession('user', 'alice', 64)).toBe('acquired');
    await idle.releaseSession('user', 'alice');
    // The idle worker's block of 16 counts as taken until it goes back: 48 are left for the other.
    expect(await acquireMany(other, 'alice', 64, 64)).toBe(48);
    let taken = 48;
    // Bounded wait (at most 10 s) for the block to come back; nothing is asserted about how long it took.
    for (let attempt = 0; attempt < 100 && taken < 64; attempt++) {
      if ((await other.acquireSession('user', 'alice', 64)) === 'acquired') taken++;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(taken).toBe(64);
  });
});
