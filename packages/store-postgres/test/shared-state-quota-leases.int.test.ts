import { randomUUID } from 'node:crypto';
import type { SharedStateV1 } from '@ftp/plugin-api';
import { eventually } from '@ftp/test-utils';
import { expect, it, onTestFinished } from 'vitest';
import { createPostgresPool } from '../src/index.ts';
import { countingPool, losingAnswersPool } from './shared-state-pools.ts';
import { describeSharedState } from './shared-state-suite.ts';

// Quota leases: far from a limit, an instance reserves a block of the user's quota and serves uploads from it without
// a round trip, settling what they stored in batches. Every instance still sees the usage, the instances together
// never pass a limit, near it every upload reserves exactly, and a settlement retried after a lost answer applies once.

describeSharedState('quota leases', ({ postgres, open }) => {
  const farLimits = { maxBytes: 2 ** 40, maxFiles: 1_000_000 };

  it('serves many small uploads from one lease, and every instance sees what they stored', async () => {
    const connectionString = await postgres().createDatabase();
    const { pool, of } = countingPool(connectionString);
    const state = await open({ pool });
    const peer = await open({ connectionString });
    const alice = `alice-${randomUUID()}`;
    await state.setQuotaUsage(alice, { bytes: 0, files: 0 });
    const uploads = 40;
    const grant = state.quotaGrantBytes ?? 0;
    for (let index = 0; index < uploads; index++) {
      const reservationId = randomUUID();
      expect(await state.reserveQuota({ username: alice, reservationId, bytes: grant, files: 1, ...farLimits })).toBe(grant);
      await state.commitQuota({ username: alice, reservationId, bytes: 4_096, files: 1 });
    }
    expect(of(/reserveQuota|extendLease/)).toBeLessThan(4);
    expect(await state.quotaUsage(alice)).toEqual({ bytes: uploads * 4_096, files: uploads });
    expect(await peer.quotaUsage(alice)).toEqual({ bytes: uploads * 4_096, files: uploads });
  });

  it('asks for more of a lease when half a block is left, before an upload has to wait for it', async () => {
    const connectionString = await postgres().createDatabase();
    const { pool, of } = countingPool(connectionString);
    const state = await open({ pool });
    const alice = `alice-${randomUUID()}`;
    await state.setQuotaUsage(alice, { bytes: 0, files: 0 });
    const uploads = async (count: number) => {
      for (let index = 0; index < count; index++) {
        const reservationId = randomUUID();
        expect(await state.reserveQuota({ username: alice, reservationId, bytes: 0, files: 1, ...farLimits })).toBe(0);
        await state.commitQuota({ username: alice, reservationId, bytes: 1, files: 1 });
      }
    };
    // The first upload asks for the lease: 65 files, itself and a block of 64.
    await uploads(1);
    expect(of(/extendLease/)).toBe(1);
    // Half a block on, the lease is extended while the uploads go on drawing from what is left.
    await uploads(40);
    expect(of(/extendLease/)).toBe(2);
    expect(await state.quotaUsage(alice)).toEqual({ bytes: 41, files: 41 });
  });

  // In a quota folder, the uploads of two users count together, in the folder's account.
  for (const kind of ['user', 'quota folder'] as const) {
    it(`never lets two instances with leases pass the file limit of a ${kind} together, and grants all of it once the leases end`, async () => {
      const connectionString = await postgres().createDatabase();
      // A heartbeat every second ends idle leases. (A lease much shorter would let a loaded machine miss heartbeats:
      // the other instance then drops everything this one holds, as for a crash, and may grant it again.)
      const settings = { connectionString, leaseMs: 3_000 };
      const [one, two] = [await open(settings), await open(settings)];
      const [alice, bob] = [`alice-${randomUUID()}`, `bob-${randomUUID()}`];
      const folder = kind === 'quota folder' ? `team-${randomUUID()}` : undefined;
      await one.setQuotaUsage(alice, { bytes: 0, files: 0 }, folder);
      const maxFiles = 1_000;
      const userOf = (index: number) => (folder !== undefined && index % 3 === 0 ? bob : alice);
      const reserve = (state: SharedStateV1, reservationId: string, index = 0) =>
        state.reserveQuota({ username: userOf(index), reservationId, bytes: 0, files: 1, maxFiles, folder });
      const commit = (state: SharedStateV1, reservationId: string, index = 0) =>
        state.commitQuota({ username: userOf(index), reservationId, bytes: 1, files: 1, folder });
      const ids = Array.from({ length: 1_200 }, () => randomUUID());
      const answers = await Promise.all(ids.map((id, index) => reserve(index % 2 === 0 ? one : two, id, index)));
      const granted = answers.filter((answer) => answer !== undefined).length;
      expect(granted).toBeLessThanOrEqual(maxFiles);
      // Each upload stores its file.
      await Promise.all(
        ids.map((id, index) => (answers[index] === undefined ? undefined : commit(index % 2 === 0 ? one : two, id, index))),
      );
      expect(await one.quotaUsage(alice, folder)).toEqual({ bytes: granted, files: granted });

      let total = granted;
      await eventually(
        async () => {
          const state = total % 2 === 0 ? one : two;
          const id = randomUUID();
          if ((await reserve(state, id, total)) !== undefined) {
            await commit(state, id, total);
            total++;
          }
          return total >= maxFiles;
        },
        'the whole file limit to be granted',
        20_000,
      );
      expect(total).toBe(maxFiles);
      expect(await reserve(one, randomUUID())).toBeUndefined();
      expect(await reserve(two, randomUUID(), 3)).toBeUndefined();
      expect(await two.quotaUsage(bob, folder)).toEqual(folder === undefined ? undefined : { bytes: maxFiles, files: maxFiles });
      expect(await two.quotaUsage(alice, folder)).toEqual({ bytes: maxFiles, files: maxFiles });
    });
  }

  it("serves the uploads of every user of a quota folder from one lease, into the folder's account alone", async () => {
    const connectionString = await postgres().createDatabase();
    const { pool, of } = countingPool(connectionString);
    const state = await open({ pool });
    const peer = await open({ connectionString });
    const [alice, bob, team] = [`alice-${randomUUID()}`, `bob-${randomUUID()}`, `team-${randomUUID()}`];
    await state.setQuotaUsage(alice, { bytes: 0, files: 0 }, team);
    // A user of the folder's name, whose own account the folder's uploads never touch.
    await state.setQuotaUsage(team, { bytes: 7, files: 1 });
    const uploads = 40;
    const grant = state.quotaGrantBytes ?? 0;
    for (let index = 0; index < uploads; index++) {
      const username = index % 2 === 0 ? alice : bob;
      const reservationId = randomUUID();
      expect(await state.reserveQuota({ username, reservationId, bytes: grant, files: 1, ...farLimits, folder: team })).toBe(grant);
      await state.commitQuota({ username, reservationId, bytes: 4_096, files: 1, folder: team });
    }
    expect(of(/reserveQuota|extendLease/)).toBeLessThan(4);
    expect(await state.quotaUsage(alice, team)).toEqual({ bytes: uploads * 4_096, files: uploads });
    expect(await peer.quotaUsage(bob, team)).toEqual({ bytes: uploads * 4_096, files: uploads });
    expect(await peer.quotaUsage(team)).toEqual({ bytes: 7, files: 1 });
    expect(await peer.quotaUsage(alice)).toBeUndefined();
    expect(await peer.quotaUsage(bob)).toBeUndefined();
  });

  it('applies a settlement retried after its answer was lost once, and a second commit of an upload not at all', async () => {
    const connectionString = await postgres().createDatabase();
    const { pool, losses } = losingAnswersPool(connectionString, /settleLease/);
    const state = await open({ pool });
    const peer = await open({ connectionString });
    const bob = `bob-${randomUUID()}`;
    await state.setQuotaUsage(bob, { bytes: 100, files: 1 });
    const reservationId = randomUUID();
    expect(await state.reserveQuota({ username: bob, reservationId, bytes: 10, files: 1, ...farLimits })).toBe(10);
    await state.commitQuota({ username: bob, reservationId, bytes: 8, files: 1 });

    losses.left = 1;
    // Reading the usage settles first: the database applies the settlement, and its answer is lost.
    expect(await state.quotaUsage(bob)).toEqual({ bytes: 108, files: 2 });
    expect(losses.left).toBe(0);
    // Kept, and retried by the health check (and the next heartbeat).
    await state.checkHealth?.();
    await state.commitQuota({ username: bob, reservationId, bytes: 8, files: 1 });
    await peer.commitQuota({ username: bob, reservationId, bytes: 8, files: 1 });
    expect(await peer.quotaUsage(bob)).toEqual({ bytes: 108, files: 2 });
    expect(await state.quotaUsage(bob)).toEqual({ bytes: 108, files: 2 });
  });

  it('settles a lease while an extension holds the quota row, without a deadlock', async () => {
    const connectionString = await postgres().createDatabase();
    const { pool, of } = countingPool(connectionString);
    const state = await open({ pool });
    const alice = `alice-${randomUUID()}`;
    await state.setQuotaUsage(alice, { bytes: 0, files: 0 });
    const reservationId = randomUUID();
    expect(await state.reserveQuota({ username: alice, reservationId, bytes: 0, files: 1, ...farLimits })).toBe(0);

    // Another transaction does what an extension of the lease does: the user's row first, then the lease's.
    const other = createPostgresPool({ connectionString });
    onTestFinished(() => other.end());
    const extension = await other.connect();
    onTestFinished(() => extension.release(true));
    await extension.query('BEGIN');
    await extension.query('SELECT 1 FROM ftp.quota_usage WHERE username = $1 FOR UPDATE', [alice]);
    // The upload ends: its settlement goes out and waits for the user's row.
    await state.commitQuota({ username: alice, reservationId, bytes: 10, files: 1 });
    await eventually(
      async () =>
        (
          await postgres().query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%unnest%'`,
            [],
            connectionString,
          )
        ).rows[0].n === 1,
      'the settlement to wait for the lock',
    );
    // Holding the user's row, the lease's is free to take: the settlement did not lock it first.
    await extension.query(`SELECT 1 FROM ftp.quota_reservations WHERE username = $1 AND NOT committed FOR UPDATE`, [alice]);
    await extension.query('COMMIT');

    expect(await state.quotaUsage(alice)).toEqual({ bytes: 10, files: 1 });
    // Applied the first time, not retried after PostgreSQL broke a deadlock by aborting it.
    expect(of(/settleLease/)).toBe(1);
  });
});
