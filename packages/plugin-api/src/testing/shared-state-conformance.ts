import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { findPluginShapeProblem } from '../plugin-shape.ts';
import type { LoginFailure, SharedStateV1 } from '../shared-state/v1/shared-state-v1.ts';

/** The groups of checks `runSharedStateConformance` runs; name them in `skip` to leave them out. */
export type SharedStateConformanceCheck =
  | 'shape'
  | 'sessions'
  | 'defender'
  | 'quota'
  | 'quota-folders'
  | 'atomicity'
  | 'upload-locks'
  | 'instances';

/** What the factory given to `runSharedStateConformance` returns for one test. */
export interface SharedStateConformanceSubject {
  /** The shared state under test. The kit calls `close()` after each test when it has one. */
  readonly state: SharedStateV1;
  /**
   * A second instance over the same store, as a second server would make it. With it, the `instances` checks run
   * (what one instance takes, the other sees) and the atomicity checks spread their calls over both. Closed by the
   * kit after each test.
   */
  readonly peer?: SharedStateV1;
  /** Removes whatever the factory created. Called after each test, after `close()`. */
  cleanup?(): Promise<void>;
}

export interface SharedStateConformanceOptions {
  /** Groups of checks to leave out. */
  readonly skip?: readonly SharedStateConformanceCheck[];
  /** Timeout of each test in milliseconds. Default 30,000. */
  readonly timeoutMilliseconds?: number;
}

/** A loose policy: nothing is banned unless a check asks for it. */
const lenient = { maxFailuresPerAddress: 1_000, maxFailuresPerUser: 1_000, windowMs: 600_000, banMs: 600_000 } as const;

/**
 * Registers a vitest `describe` block that checks a shared state against the guarantees documented on
 * `SharedStateV1`: session slots per user and per address with their limits, failed logins and bans with expiry,
 * quota reservations, commits and releases (of quota folders too, for a store with `countsQuotaFolders`), upload locks, and atomicity: many parallel reservations or session slots
 * against one limit never pass it together. With a `peer`, the same checks run across two instances of one store.
 *
 * Every test uses names of its own (a random suffix), so a store that keeps data between tests (a database) needs no
 * cleaning in between.
 *
 * @example
 * ```ts
 * import { runSharedStateConformance } from '@ftp/plugin-api/testing';
 * runSharedStateConformance('my-state', async () => ({ state: createMyState(), cleanup: async () => {} }));
 * ```
 */
export function runSharedStateConformance(
  name: string,
  createSubject: () => Promise<SharedStateConformanceSubject>,
  options: SharedStateConformanceOptions = {},
): void {
  const skipped = new Set(options.skip ?? []);
  const timeout = options.timeoutMilliseconds ?? 30_000;
  let subject: SharedStateConformanceSubject | undefined;
  let suffix = '';
  const current = (): SharedStateConformanceSubject => {
    if (subject === undefined) throw new Error('the shared state is only available inside a conformance test');
    return subject;
  };
  const state = () => current().state;
  /** Both instances when there is a peer, else the one twice: callers alternate over it. */
  const instances = () => [current().state, current().peer ?? current().state];
  const unique = (base: string) => `${base}-${suffix}`;
  const check = (group: SharedStateConformanceCheck, title: string, body: () => Promise<void>) =>
    it.skipIf(skipped.has(group))(`${group}: ${title}`, body, timeout);
  const checkWithPeer = (title: string, body: (peer: SharedStateV1, context: TestContext) => Promise<void>) =>
    it.skipIf(skipped.has('instances'))(
      `instances: ${title}`,
      async (context) => {
        const peer = current().peer;
        if (peer === undefined) {
          context.skip('no peer instance given');
          return;
        }
        await body(peer, context);
      },
      timeout,
    );
  const failure = (address: string, username: string, policy: Partial<LoginFailure> = {}): LoginFailure => ({
    ...lenient,
    address,
    username,
    ...policy,
  });

  describe(`shared state conformance: ${name}`, () => {
    beforeEach(async () => {
      suffix = randomUUID().slice(0, 8);
      subject = await createSubject();
    }, timeout);
    afterEach(async () => {
      const finished = subject;
      subject = undefined;
      await finished?.state.close?.();
      await finished?.peer?.close?.();
      await finished?.cleanup?.();
    }, timeout);

    check('shape', 'declares specification v1, a name, and every required method', async () => {
      expect(state().specificationVersion).toBe('v1');
      expect(typeof state().name).toBe('string');
      expect(findPluginShapeProblem('sharedState', state(), name)).toBeUndefined();
      if (state().quotaGrantBytes !== undefined) expect(state().quotaGrantBytes).toBeGreaterThanOrEqual(0);
    });

    check('sessions', 'takes slots up to the limit, refuses beyond it, and a release frees one', async () => {
      const alice = unique('alice');
      for (let slot = 0; slot < 3; slot++) expect(await state().acquireSession('user', alice, 3)).toBe('acquired');
      expect(await state().acquireSession('user', alice, 3)).toBe('limit-reached');
      await state().releaseSession('user', alice);
      expect(await state().acquireSession('user', alice, 3)).toBe('acquired');
      expect(await state().acquireSession('user', alice, 3)).toBe('limit-reached');
    });

    check('sessions', 'counts each key and each scope apart; no limit takes every call, a limit of 0 none', async () => {
      const [alice, bob] = [unique('alice'), unique('bob')];
      expect(await state().acquireSession('user', alice, 1)).toBe('acquired');
      expect(await state().acquireSession('user', bob, 1)).toBe('acquired');
      expect(await state().acquireSession('address', alice, 1)).toBe('acquired');
      expect(await state().acquireSession('user', alice, 1)).toBe('limit-reached');
      for (let slot = 0; slot < 20; slot++) expect(await state().acquireSession('user', unique('carol'), undefined)).toBe('acquired');
      expect(await state().acquireSession('user', unique('dave'), 0)).toBe('limit-reached');
    });

    check('sessions', 'a release of a slot never taken, or taken back twice, does not make room beyond the limit', async () => {
      const alice = unique('alice');
      await state().releaseSession('user', alice);
      expect(await state().acquireSession('user', alice, 1)).toBe('acquired');
      expect(await state().acquireSession('user', alice, 1)).toBe('limit-reached');
    });

    check('defender', 'bans an address once it reaches the failures per address, and refuses its connections', async () => {
      const address = unique('192.0.2.1');
      const policy = { maxFailuresPerAddress: 3 };
      expect(await state().isBanned(address)).toBe(false);
      expect(await state().recordLoginFailure(failure(address, unique('alice'), policy))).toBe(false);
      expect(await state().recordLoginFailure(failure(address, unique('bob'), policy))).toBe(false);
      expect(await state().isBanned(address)).toBe(false);
      expect(await state().acquireSession('address', address, 10)).toBe('acquired');
      expect(await state().recordLoginFailure(failure(address, unique('carol'), policy))).toBe(true);
      expect(await state().isBanned(address)).toBe(true);
      expect(await state().acquireSession('address', address, 10)).toBe('banned');
      expect(await state().isBanned(unique('192.0.2.2'))).toBe(false);
    });

    check('defender', 'bans the address that passes the failures of one user name, from however many addresses', async () => {
      const alice = unique('alice');
      const policy = { maxFailuresPerUser: 2 };
      expect(await state().recordLoginFailure(failure(unique('192.0.2.1'), alice, policy))).toBe(false);
      expect(await state().recordLoginFailure(failure(unique('192.0.2.2'), alice, policy))).toBe(false);
      expect(await state().recordLoginFailure(failure(unique('192.0.2.3'), alice, policy))).toBe(true);
      expect(await state().isBanned(unique('192.0.2.3'))).toBe(true);
      expect(await state().isBanned(unique('192.0.2.1'))).toBe(false);
    });

    it.skipIf(skipped.has('defender'))(
      'defender: lists bans with their end and failed logins per address, and lifts a ban (listDefenderState, liftBan)',
      async (context) => {
        const { listDefenderState, liftBan } = state();
        if (listDefenderState === undefined || liftBan === undefined) {
          context.skip('the store has no listDefenderState and liftBan (optional)');
          return;
        }
        const banned = unique('192.0.2.1');
        const failing = unique('192.0.2.2');
        const before = Date.now();
        expect(await state().recordLoginFailure(failure(banned, unique('alice'), { maxFailuresPerAddress: 1, banMs: 600_000 }))).toBe(true);
        for (let attempt = 0; attempt < 2; attempt++) {
          expect(await state().recordLoginFailure(failure(failing, unique(`bob${attempt}`)))).toBe(false);
        }
        const listed = await listDefenderState.call(state(), 600_000);
        const ban = listed.bans.find((entry) => entry.address === banned);
        // The store's clock, not this process's: a minute's leeway either way.
        expect(ban?.until).toBeGreaterThan(before + 600_000 - 60_000);
        expect(ban?.until).toBeLessThan(Date.now() + 600_000 + 60_000);
        expect(listed.bans.some((entry) => entry.address === failing)).toBe(false);
        expect(listed.failures.find((entry) => entry.address === failing)?.count).toBe(2);

        expect(await liftBan.call(state(), banned)).toBe(true);
        expect(await state().isBanned(banned)).toBe(false);
        expect(await state().acquireSession('address', banned, 10)).toBe('acquired');
        expect((await listDefenderState.call(state(), 600_000)).bans.some((entry) => entry.address === banned)).toBe(false);
        expect(await liftBan.call(state(), failing)).toBe(false);
        expect((await listDefenderState.call(state(), 600_000)).failures.some((entry) => entry.address === failing)).toBe(false);
      },
      timeout,
    );

    check('defender', 'a ban ends after its time, and failures older than the window are not counted', async () => {
      const address = unique('192.0.2.1');
      expect(await state().recordLoginFailure(failure(address, unique('alice'), { maxFailuresPerAddress: 1, banMs: 50 }))).toBe(true);
      expect(await state().isBanned(address)).toBe(true);
      // Bounded wait for the expiry (5 s at most); nothing is asserted about how long it took.
      for (let waited = 0; (await state().isBanned(address)) && waited < 5_000; waited += 25) await delay(25);
      expect(await state().isBanned(address)).toBe(false);
      expect(await state().acquireSession('address', address, 1)).toBe('acquired');

      const other = unique('192.0.2.9');
      const windowed = { maxFailuresPerAddress: 2, windowMs: 20 };
      for (let attempt = 0; attempt < 3; attempt++) {
        expect(await state().recordLoginFailure(failure(other, unique(`user${attempt}`), windowed))).toBe(false);
        await delay(60);
      }
      expect(await state().isBanned(other)).toBe(false);
    });

    check('quota', 'has no usage for a user never counted, then the usage set and changed by commits', async () => {
      const alice = unique('alice');
      expect(await state().quotaUsage(alice)).toBeUndefined();
      await state().setQuotaUsage(alice, { bytes: 100, files: 2 });
      expect(await state().quotaUsage(alice)).toEqual({ bytes: 100, files: 2 });
      await state().commitQuota({ username: alice, bytes: -40, files: -1 });
      expect(await state().quotaUsage(alice)).toEqual({ bytes: 60, files: 1 });
      await state().commitQuota({ username: alice, bytes: -1_000, files: -5 });
      expect(await state().quotaUsage(alice)).toEqual({ bytes: 0, files: 0 });
    });

    check('quota', 'grants bytes up to the limit, refuses a file beyond it, and counts running reservations', async () => {
      const alice = unique('alice');
      await state().setQuotaUsage(alice, { bytes: 600, files: 1 });
      const limits = { maxBytes: 1_000, maxFiles: 2 };
      const first = randomUUID();
      expect(await state().reserveQuota({ username: alice, reservationId: first, bytes: 300, files: 1, ...limits })).toBe(300);
      // The file limit counts the reservation still running.
      expect(await state().reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 0, files: 1, ...limits })).toBeUndefined();
      // So does the byte limit: 600 used + 300 reserved leaves 100.
      const second = randomUUID();
      expect(await state().reserveQuota({ username: alice, reservationId: second, bytes: 500, files: 0, ...limits })).toBe(100);
      expect(await state().reserveQuota({ username: alice, reservationId: second, bytes: 10, files: 0, ...limits })).toBe(0);
      // The first upload stored 120 bytes: its unused 180 are free again.
      await state().commitQuota({ username: alice, reservationId: first, bytes: 120, files: 1 });
      expect(await state().quotaUsage(alice)).toEqual({ bytes: 720, files: 2 });
      expect(await state().reserveQuota({ username: alice, reservationId: second, bytes: 1_000, files: 0, ...limits })).toBe(180);
      await state().releaseQuota(alice, second);
      expect(await state().quotaUsage(alice)).toEqual({ bytes: 720, files: 2 });
      expect(await state().reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 1_000, files: 0, ...limits })).toBe(280);
    });

    check('quota', 'grants every byte and file without limits, and a second commit of one upload changes nothing', async () => {
      const alice = unique('alice');
      await state().setQuotaUsage(alice, { bytes: 0, files: 0 });
      const id = randomUUID();
      expect(await state().reserveQuota({ username: alice, reservationId: id, bytes: 5_000_000, files: 1 })).toBe(5_000_000);
      await state().commitQuota({ username: alice, reservationId: id, bytes: 42, files: 1 });
      await state().commitQuota({ username: alice, reservationId: id, bytes: 42, files: 1 });
      expect(await state().quotaUsage(alice)).toEqual({ bytes: 42, files: 1 });
    });

    check('quota', 'a rescan sets the usage and keeps the reservations of running uploads', async () => {
      const alice = unique('alice');
      await state().setQuotaUsage(alice, { bytes: 10, files: 1 });
      const limits = { maxBytes: 100, maxFiles: 10 };
      expect(await state().reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 50, files: 1, ...limits })).toBe(50);
      await state().setQuotaUsage(alice, { bytes: 40, files: 3 });
      expect(await state().quotaUsage(alice)).toEqual({ bytes: 40, files: 3 });
      expect(await state().reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 50, files: 0, ...limits })).toBe(10);
    });

    check('atomicity', 'parallel reservations of files against one limit never pass it together', async () => {
      const alice = unique('alice');
      await state().setQuotaUsage(alice, { bytes: 0, files: 3 });
      const [one, two] = instances();
      const answers = await Promise.all(
        Array.from({ length: 24 }, (_, index) =>
          (index % 2 === 0 ? one : two)!.reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 0, files: 1, maxFiles: 8 }),
        ),
      );
      expect(answers.filter((answer) => answer !== undefined)).toHaveLength(5);
    });

    check('atomicity', 'parallel reservations of bytes against one limit never pass it together', async () => {
      const alice = unique('alice');
      await state().setQuotaUsage(alice, { bytes: 1_000, files: 0 });
      const [one, two] = instances();
      const answers = await Promise.all(
        Array.from({ length: 24 }, (_, index) =>
          (index % 2 === 0 ? one : two)!.reserveQuota({
            username: alice,
            reservationId: randomUUID(),
            bytes: 700,
            files: 0,
            maxBytes: 10_000,
          }),
        ),
      );
      const granted = answers.reduce<number>((sum, answer) => sum + (answer ?? 0), 0);
      expect(granted).toBe(9_000);
    });

    check('atomicity', 'parallel session slots against one limit never pass it together', async () => {
      const alice = unique('alice');
      const [one, two] = instances();
      const answers = await Promise.all(
        Array.from({ length: 24 }, (_, index) => (index % 2 === 0 ? one : two)!.acquireSession('user', alice, 7)),
      );
      expect(answers.filter((answer) => answer === 'acquired')).toHaveLength(7);
    });

    check('atomicity', 'parallel takes and releases of one key all answer, and leave the count where it was', async () => {
      const address = unique('192.0.2.50');
      const [one, two] = instances();
      // A limit near enough that a store counts every slot alone (see `acquireSession` on blocks of slots).
      const limit = 40;
      await Promise.all(
        Array.from({ length: 16 }, async (_, worker) => {
          const instance = (worker % 2 === 0 ? one : two)!;
          for (let round = 0; round < 8; round++) {
            expect(await instance.acquireSession('address', address, limit)).toBe('acquired');
            await instance.releaseSession('address', address);
          }
        }),
      );
      expect(await state().acquireSession('address', address, 1)).toBe('acquired');
      expect(await state().acquireSession('address', address, 1)).toBe('limit-reached');
    });

    check('upload-locks', 'one holder per user and path; a release frees it', async () => {
      const [alice, bob] = [unique('alice'), unique('bob')];
      expect(await state().acquireUploadLock(alice, '/log.txt')).toBe(true);
      expect(await state().acquireUploadLock(alice, '/log.txt')).toBe(false);
      expect(await state().acquireUploadLock(alice, '/other.txt')).toBe(true);
      expect(await state().acquireUploadLock(bob, '/log.txt')).toBe(true);
      await state().releaseUploadLock(alice, '/log.txt');
      expect(await state().acquireUploadLock(alice, '/log.txt')).toBe(true);
    });

    check('upload-locks', 'parallel attempts on one path: exactly one takes the lock', async () => {
      const alice = unique('alice');
      const [one, two] = instances();
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, index) => (index % 2 === 0 ? one : two)!.acquireUploadLock(alice, '/same.bin')),
      );
      expect(answers.filter(Boolean)).toHaveLength(1);
    });

    checkWithPeer('session slots taken on one instance count on the other, and are freed from either', async (peer) => {
      const alice = unique('alice');
      expect(await state().acquireSession('user', alice, 2)).toBe('acquired');
      expect(await peer.acquireSession('user', alice, 2)).toBe('acquired');
      expect(await state().acquireSession('user', alice, 2)).toBe('limit-reached');
      expect(await peer.acquireSession('user', alice, 2)).toBe('limit-reached');
      await peer.releaseSession('user', alice);
      expect(await state().acquireSession('user', alice, 2)).toBe('acquired');
    });

    checkWithPeer('failures on one instance ban the address on the other', async (peer) => {
      const address = unique('192.0.2.7');
      const policy = { maxFailuresPerAddress: 2 };
      expect(await state().recordLoginFailure(failure(address, unique('alice'), policy))).toBe(false);
      expect(await peer.recordLoginFailure(failure(address, unique('alice'), policy))).toBe(true);
      expect(await state().isBanned(address)).toBe(true);
      expect(await state().acquireSession('address', address, 5)).toBe('banned');
    });

    checkWithPeer('a ban lifted on one instance admits the address on the other', async (peer, context) => {
      if (state().liftBan === undefined) {
        context.skip('the store has no liftBan (optional)');
        return;
      }
      const address = unique('192.0.2.7');
      // Far from its limit, an address may be admitted by an instance that learns of bans and their lifting as they are
      // made: bounded waits (5 s at most) for the news to arrive; nothing is asserted about how long it took.
      const admissionOn = async (instance: SharedStateV1, awaited: string) => {
        let admission = await instance.acquireSession('address', address, 10_000);
        for (let waited = 0; admission !== awaited && waited < 5_000; waited += 25) {
          await delay(25);
          if (admission === 'acquired') await instance.releaseSession('address', address);
          admission = await instance.acquireSession('address', address, 10_000);
        }
        return admission;
      };
      // The address is known to this instance first, so that it may admit it from a block of slots of its own.
      expect(await state().acquireSession('address', address, 10_000)).toBe('acquired');
      await state().releaseSession('address', address);
      expect(await peer.recordLoginFailure(failure(address, unique('mallory'), { maxFailuresPerAddress: 1 }))).toBe(true);
      expect(await admissionOn(state(), 'banned')).toBe('banned');
      expect(await peer.liftBan!(address)).toBe(true);
      expect(await admissionOn(state(), 'acquired')).toBe('acquired');
    });

    /** A quota-folder check, skipped for a store that does not count quota folders (`countsQuotaFolders`). */
    const checkFolders = (title: string, body: (peer: SharedStateV1 | undefined) => Promise<void>) =>
      it.skipIf(skipped.has('quota-folders'))(
        `quota-folders: ${title}`,
        async (context) => {
          if (state().countsQuotaFolders !== true) {
            context.skip('the store does not count quota folders (countsQuotaFolders)');
            return;
          }
          await body(current().peer);
        },
        timeout,
      );

    checkFolders('a folder and a user of the same name are two accounts', async () => {
      const name = unique('team');
      expect(await state().quotaUsage(name, name)).toBeUndefined();
      await state().setQuotaUsage(name, { bytes: 100, files: 1 });
      expect(await state().quotaUsage(name, name)).toBeUndefined();
      await state().setQuotaUsage(name, { bytes: 7, files: 2 }, name);
      await state().commitQuota({ username: name, bytes: -3, files: -1, folder: name });
      expect(await state().quotaUsage(name, name)).toEqual({ bytes: 4, files: 1 });
      expect(await state().quotaUsage(name)).toEqual({ bytes: 100, files: 1 });
      await state().commitQuota({ username: name, bytes: 5, files: 1 });
      expect(await state().quotaUsage(name, name)).toEqual({ bytes: 4, files: 1 });
      expect(await state().quotaUsage(name)).toEqual({ bytes: 105, files: 2 });
    });

    checkFolders("users share a folder: its limits count every user's usage and reservations, not theirs", async () => {
      const [alice, bob, team] = [unique('alice'), unique('bob'), unique('team')];
      const limits = { maxBytes: 1_000, maxFiles: 3, folder: team };
      await state().setQuotaUsage(alice, { bytes: 0, files: 0 });
      await state().setQuotaUsage(bob, { bytes: 0, files: 0 }, team);
      const first = randomUUID();
      expect(await state().reserveQuota({ username: alice, reservationId: first, bytes: 600, files: 1, ...limits })).toBe(600);
      const second = randomUUID();
      expect(await state().reserveQuota({ username: bob, reservationId: second, bytes: 600, files: 1, ...limits })).toBe(400);
      // Alice's own account is untouched by the folder's reservations.
      expect(
        await state().reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 900, files: 1, maxBytes: 900, maxFiles: 1 }),
      ).toBe(900);
      await state().commitQuota({ username: alice, reservationId: first, bytes: 500, files: 1, folder: team });
      expect(await state().quotaUsage(bob, team)).toEqual({ bytes: 500, files: 1 });
      expect(await state().quotaUsage(alice)).toEqual({ bytes: 0, files: 0 });
      expect(await state().reserveQuota({ username: bob, reservationId: randomUUID(), bytes: 0, files: 1, ...limits })).toBe(0);
      expect(await state().reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 0, files: 1, ...limits })).toBeUndefined();
      // A release ends the reservation in the folder's account: its bytes are free again.
      await state().releaseQuota(bob, second);
      expect(await state().reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 1_000, files: 0, ...limits })).toBe(500);
    });

    checkWithPeer('quota folders are one across instances', async (peer, context) => {
      if (state().countsQuotaFolders !== true || skipped.has('quota-folders')) {
        context.skip('quota folders are not counted (countsQuotaFolders) or their checks are skipped');
        return;
      }
      const [alice, team] = [unique('alice'), unique('team')];
      await state().setQuotaUsage(alice, { bytes: 10, files: 1 }, team);
      expect(await peer.quotaUsage(alice, team)).toEqual({ bytes: 10, files: 1 });
      expect(await peer.quotaUsage(alice)).toBeUndefined();
      const id = randomUUID();
      expect(await peer.reserveQuota({ username: alice, reservationId: id, bytes: 50, files: 1, maxBytes: 100, folder: team })).toBe(50);
      expect(
        await state().reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 50, files: 0, maxBytes: 100, folder: team }),
      ).toBe(40);
      await peer.commitQuota({ username: alice, reservationId: id, bytes: 5, files: 1, folder: team });
      expect(await state().quotaUsage(alice, team)).toEqual({ bytes: 15, files: 2 });
    });

    checkWithPeer('quota usage and locks are one across instances', async (peer) => {
      const alice = unique('alice');
      await state().setQuotaUsage(alice, { bytes: 10, files: 1 });
      expect(await peer.quotaUsage(alice)).toEqual({ bytes: 10, files: 1 });
      const id = randomUUID();
      expect(await peer.reserveQuota({ username: alice, reservationId: id, bytes: 50, files: 1, maxBytes: 100 })).toBe(50);
      expect(await state().reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 50, files: 0, maxBytes: 100 })).toBe(40);
      await peer.commitQuota({ username: alice, reservationId: id, bytes: 5, files: 1 });
      expect(await state().quotaUsage(alice)).toEqual({ bytes: 15, files: 2 });
      expect(await state().acquireUploadLock(alice, '/a')).toBe(true);
      expect(await peer.acquireUploadLock(alice, '/a')).toBe(false);
      await state().releaseUploadLock(alice, '/a');
      expect(await peer.acquireUploadLock(alice, '/a')).toBe(true);
    });
  });
}
