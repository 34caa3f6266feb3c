import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { SharedStateUnavailableError } from '@ftp/plugin-api';
import { eventually } from '@ftp/test-utils';
import { expect, it } from 'vitest';
import { createPostgresPool } from '../src/index.ts';
import { sharedStateStatements } from '../src/shared-state-statements.ts';
import { sqlNames } from '../src/sql-names.ts';
import { countingPool } from './shared-state-pools.ts';
import { describeSharedState } from './shared-state-suite.ts';

// What the contract kit cannot show: an instance that dies holding session slots, a quota reservation and an upload
// lock loses them after its lease, and an outage of the database loses no release and no commit, nor applies one
// twice.

describeSharedState('shared state leases and outages', ({ postgres, open }) => {
  it('drops the slots, reservations and locks of an instance whose heartbeat stopped, once its lease ran out', async () => {
    const connectionString = await postgres().createDatabase();
    // The dying instance's own pool: ending it cuts the instance off the database as a crash would.
    const doomedPool = createPostgresPool({ connectionString });
    const doomed = await open({ pool: doomedPool, leaseMs: 300 });
    const survivor = await open({ connectionString, leaseMs: 300 });
    const [alice, team] = [`alice-${randomUUID()}`, `team-${randomUUID()}`];
    const inTeam = { maxFiles: 1, folder: team };
    await survivor.setQuotaUsage(alice, { bytes: 0, files: 0 });
    await survivor.setQuotaUsage(alice, { bytes: 0, files: 0 }, team);
    expect(await doomed.acquireSession('user', alice, 1)).toBe('acquired');
    expect(await doomed.acquireSession('address', '192.0.2.1', 1)).toBe('acquired');
    expect(await doomed.reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 0, files: 1, maxFiles: 1 })).toBe(0);
    expect(await doomed.reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 0, files: 1, ...inTeam })).toBe(0);
    expect(await doomed.acquireUploadLock(alice, '/log.txt')).toBe(true);

    expect(await survivor.acquireSession('user', alice, 1)).toBe('limit-reached');
    expect(await survivor.acquireUploadLock(alice, '/log.txt')).toBe(false);
    expect(await survivor.reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 0, files: 1, ...inTeam })).toBeUndefined();
    // Not awaited: the pool ends once the instance gives back the connection it listens for bans on, at its close.
    void doomedPool.end();

    await eventually(async () => (await survivor.acquireSession('user', alice, 1)) === 'acquired', "the dead instance's slot", 20_000);
    expect(await survivor.acquireSession('address', '192.0.2.1', 1)).toBe('acquired');
    expect(await survivor.acquireUploadLock(alice, '/log.txt')).toBe(true);
    expect(await survivor.reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 0, files: 1, maxFiles: 1 })).toBe(0);
    // The quota folder's reservation went with the instance too.
    expect(await survivor.reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 0, files: 1, ...inTeam })).toBe(0);
  });

  it("drops a dead instance's quota folder reservations when an instance of the release before swept it", async () => {
    const connectionString = await postgres().createDatabase();
    // Heartbeats every 20 s: neither instance sweeps the other during the test; the sweeps are run below.
    const doomedPool = createPostgresPool({ connectionString });
    const doomed = await open({ pool: doomedPool, leaseMs: 60_000 });
    const survivor = await open({ connectionString, leaseMs: 60_000 });
    const [alice, team] = [`alice-${randomUUID()}`, `team-${randomUUID()}`];
    const inTeam = { maxFiles: 1, folder: team };
    await survivor.setQuotaUsage(alice, { bytes: 0, files: 0 }, team);
    expect(await doomed.reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 0, files: 1, ...inTeam })).toBe(0);
    const { rows } = await postgres().query(
      'SELECT instance_id FROM ftp.quota_folder_reservations WHERE folder = $1',
      [team],
      connectionString,
    );
    // The instance dies: an instance of the release before (schema version 3, no quota folders) sweeps it, with what it
    // knows of: the instance's row goes, its reservations in the folders' tables stay.
    void doomedPool.end();
    await postgres().query(sweepOfVersion3, [60_000, rows[0].instance_id], connectionString);
    expect(await survivor.reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 0, files: 1, ...inTeam })).toBeUndefined();

    // The next sweep of this release drops what no instance holds any more.
    await postgres().query(sharedStateStatements(sqlNames()).sweep, [60_000, null], connectionString);
    expect(await survivor.reserveQuota({ username: alice, reservationId: randomUUID(), bytes: 0, files: 1, ...inTeam })).toBe(0);
  });

  it('forgets its blocks of slots and its quota lease once another instance has dropped them', async () => {
    const connectionString = await postgres().createDatabase();
    const { pool, of } = countingPool(connectionString);
    // A heartbeat every 200 ms.
    const state = await open({ pool, leaseMs: 600 });
    const alice = `alice-${randomUUID()}`;
    await state.setQuotaUsage(alice, { bytes: 0, files: 0 });
    const limits = { maxBytes: 2 ** 40, maxFiles: 1_000_000 };
    const upload = async () => {
      const reservationId = randomUUID();
      expect(await state.reserveQuota({ username: alice, reservationId, bytes: 0, files: 1, ...limits })).toBe(0);
      await state.commitQuota({ username: alice, reservationId, bytes: 1, files: 1 });
    };
    expect(await state.acquireSession('user', alice, undefined)).toBe('acquired');
    await upload();
    const [grants, extensions] = [of(/acquireSession/), of(/extendLease/)];

    // What another instance's sweep does to an instance it took for dead (its heartbeats were late).
    const { rows } = await postgres().query('SELECT id FROM ftp.instances', [], connectionString);
    expect(rows).toHaveLength(1);
    await postgres().query(sharedStateStatements(sqlNames()).sweep, [600, rows[0].id], connectionString);
    await eventually(
      async () => (await postgres().query('SELECT 1 FROM ftp.instances', [], connectionString)).rows.length === 1,
      'the instance to register again with its next heartbeat',
    );

    // Its block and its lease are gone from the database: it asks for new ones rather than serve from them.
    expect(await state.acquireSession('user', alice, undefined)).toBe('acquired');
    expect(of(/acquireSession/)).toBe(grants + 1);
    await upload();
    expect(of(/extendLease/)).toBe(extensions + 1);
    expect(await state.quotaUsage(alice)).toEqual({ bytes: 2, files: 2 });
  });

  it('counts what an upload of an instance taken for dead reserves afterwards, and its commit gives that back', async () => {
    const connectionString = await postgres().createDatabase();
    const state = await open({ connectionString });
    const alice = `alice-${randomUUID()}`;
    await state.setQuotaUsage(alice, { bytes: 0, files: 0 });
    const reserved = async () =>
      (
        await postgres().query(
          'SELECT reserved_bytes::integer AS bytes, reserved_files::integer AS files FROM ftp.quota_usage WHERE username = $1',
          [alice],
          connectionString,
        )
      ).rows[0];
    // Near its limits, an upload reserves exactly, in a reservation of its own.
    const limits = { maxBytes: 10_000, maxFiles: 10 };
    const reservationId = randomUUID();
    expect(await state.reserveQuota({ username: alice, reservationId, bytes: 100, files: 1, ...limits })).toBe(100);

    // What another instance's sweep does to an instance it took for dead (its heartbeats were late): the reservation
    // no longer counts.
    const { rows } = await postgres().query('SELECT id FROM ftp.instances', [], connectionString);
    await postgres().query(sharedStateStatements(sqlNames()).sweep, [60_000, rows[0].id], connectionString);
    expect(await reserved()).toEqual({ bytes: 0, files: 0 });

    // The upload runs on and grows: what it reserves now counts, and its commit takes exactly that off again.
    expect(await state.reserveQuota({ username: alice, reservationId, bytes: 200, files: 0, ...limits })).toBe(200);
    expect(await reserved()).toEqual({ bytes: 200, files: 0 });
    await state.commitQuota({ username: alice, reservationId, bytes: 300, files: 1 });
    expect(await reserved()).toEqual({ bytes: 0, files: 0 });
    expect(await state.quotaUsage(alice)).toEqual({ bytes: 300, files: 1 });
  });

  it('after an outage longer than the lease, drops nothing: the other instances could not send their heartbeat either', async () => {
    const connectionString = await postgres().createDatabase();
    // A heartbeat every second.
    const settings = { connectionString, leaseMs: 3_000 };
    const first = await open(settings);
    // Half a beat apart, so that neither's heartbeat can land between the other's heartbeat and its sweep.
    await delay(500);
    const second = await open(settings);
    const [alice, bob] = [`alice-${randomUUID()}`, `bob-${randomUUID()}`];
    expect(await first.acquireSession('user', alice, 1)).toBe('acquired');
    expect(await second.acquireSession('user', bob, 1)).toBe('acquired');

    await postgres().stop();
    try {
      await delay(3_500); // longer than the lease
    } finally {
      await postgres().start();
    }
    // Database time as text, so no precision is lost on the way through JavaScript.
    const latest = async () =>
      (await postgres().query('SELECT max(seen_at)::text AS at FROM ftp.instances', [], connectionString)).rows[0].at;
    const bothBeatSince = async (since: string) =>
      (await postgres().query('SELECT count(*)::int AS n FROM ftp.instances WHERE seen_at > $1::timestamptz', [since], connectionString))
        .rows[0].n === 2;
    // Each instance beats once after the outage, then again: by then each has swept what had no heartbeat.
    const back = (await postgres().query('SELECT now()::text AS at', [], connectionString)).rows[0].at;
    await eventually(() => bothBeatSince(back), 'both instances to beat after the outage');
    const firstBeats = await latest();
    await eventually(() => bothBeatSince(firstBeats), 'both instances to beat again');

    expect(await first.acquireSession('user', bob, 1)).toBe('limit-reached');
    expect(await second.acquireSession('user', alice, 1)).toBe('limit-reached');
  });

  it('keeps releases and commits made while the database is down, and applies each once when it is back', async () => {
    const connectionString = await postgres().createDatabase();
    const state = await open({ connectionString, connectTimeoutMs: 500 });
    const other = await open({ connectionString });
    const [bob, team] = [`bob-${randomUUID()}`, `team-${randomUUID()}`];
    await state.setQuotaUsage(bob, { bytes: 1_000, files: 1 });
    const upload = randomUUID();
    expect(await state.reserveQuota({ username: bob, reservationId: upload, bytes: 5_000, files: 1, maxBytes: 10_000, maxFiles: 5 })).toBe(
      5_000,
    );
    // Bob's uploads into a quota folder, counted in the folder's account: one that ends storing data and one refused
    // before it started.
    const teamLimits = { maxBytes: 10_000, maxFiles: 5, folder: team };
    await state.setQuotaUsage(bob, { bytes: 200, files: 1 }, team);
    const [teamUpload, teamRefused] = [randomUUID(), randomUUID()];
    expect(await state.reserveQuota({ username: bob, reservationId: teamUpload, bytes: 4_000, files: 1, ...teamLimits })).toBe(4_000);
    expect(await state.reserveQuota({ username: bob, reservationId: teamRefused, bytes: 3_000, files: 1, ...teamLimits })).toBe(3_000);
    expect(await state.acquireSession('user', bob, 1)).toBe('acquired');
    expect(await state.acquireUploadLock(bob, '/a.bin')).toBe(true);

    await postgres().stop();
    try {
      await expect(state.acquireSession('user', `${bob}-2`, 1)).rejects.toSatisfy(SharedStateUnavailableError.isInstance);
      await expect(state.quotaUsage(bob)).rejects.toSatisfy(SharedStateUnavailableError.isInstance);
      await expect(state.checkHealth?.()).rejects.toThrow();
      // The upload ended with 3,000 bytes stored; the session ended; the lock was given back. None of it rejects.
      await state.commitQuota({ username: bob, reservationId: upload, bytes: 3_000, files: 1 });
      await state.releaseSession('user', bob);
      await state.releaseUploadLock(bob, '/a.bin');
      await state.commitQuota({ username: bob, bytes: -500, files: 0 });
      await state.commitQuota({ username: bob, reservationId: teamUpload, bytes: 2_500, files: 1, folder: team });
      await state.releaseQuota(bob, teamRefused);
      await state.commitQuota({ username: bob, bytes: -100, files: -1, folder: team });
    } finally {
      await postgres().start();
    }

    // Back: the health check applies what waited (so does the next heartbeat).
    await eventually(
      () =>
        state.checkHealth?.().then(
          () => true,
          () => false,
        ),
      'the health check to pass',
      20_000,
    );
    expect(await other.quotaUsage(bob)).toEqual({ bytes: 3_500, files: 2 });
    expect(await other.acquireSession('user', bob, 1)).toBe('acquired');
    expect(await other.acquireUploadLock(bob, '/a.bin')).toBe(true);
    // The reservation ended with the commit: all but the usage is free again, and a repeated commit changes nothing.
    expect(await other.reserveQuota({ username: bob, reservationId: randomUUID(), bytes: 10_000, files: 0, maxBytes: 10_000 })).toBe(6_500);
    await state.commitQuota({ username: bob, reservationId: upload, bytes: 3_000, files: 1 });
    expect(await other.quotaUsage(bob)).toEqual({ bytes: 3_500, files: 2 });

    // The folder's commits and release were kept alike and applied once, to the folder's account and not to bob's.
    expect(await other.quotaUsage(bob, team)).toEqual({ bytes: 2_600, files: 1 });
    expect(await other.reserveQuota({ username: bob, reservationId: randomUUID(), bytes: 10_000, files: 0, ...teamLimits })).toBe(7_400);
    await state.commitQuota({ username: bob, reservationId: teamUpload, bytes: 2_500, files: 1, folder: team });
    expect(await other.quotaUsage(bob, team)).toEqual({ bytes: 2_600, files: 1 });
    expect(await other.quotaUsage(bob)).toEqual({ bytes: 3_500, files: 2 });
  });
});

/** The sweep of the release before quota folders (schema version 3), as its instances still run it. */
const sweepOfVersion3 = `WITH dead AS (
    DELETE FROM ftp.instances WHERE seen_at < now() - $1::float8 * interval '1 millisecond' OR id = $2 RETURNING id
  ), slots AS (
    DELETE FROM ftp.session_slots s USING dead WHERE s.instance_id = dead.id RETURNING s.scope, s.key, s.slots AS count
  ), older_slots AS (
    DELETE FROM ftp.instance_sessions s USING dead WHERE s.instance_id = dead.id RETURNING s.scope, s.key, s.count
  ), session_totals AS (
    SELECT scope, key, sum(count)::integer AS count FROM (SELECT * FROM slots UNION ALL SELECT * FROM older_slots) freed
    GROUP BY scope, key
  ), sessions_freed AS (
    UPDATE ftp.session_counts c SET count = greatest(0, c.count - t.count)
    FROM session_totals t WHERE c.scope = t.scope AND c.key = t.key RETURNING 1
  ), reservations AS (
    UPDATE ftp.quota_reservations r SET dropped = true, updated_at = now()
    FROM dead WHERE r.instance_id = dead.id AND NOT r.committed AND NOT r.dropped RETURNING r.username, r.bytes, r.files
  ), reservation_totals AS (
    SELECT username, sum(bytes) AS bytes, sum(files) AS files FROM reservations GROUP BY username
  ), quota_freed AS (
    UPDATE ftp.quota_usage q SET reserved_bytes = greatest(0, q.reserved_bytes - t.bytes), reserved_files = greatest(0, q.reserved_files - t.files)
    FROM reservation_totals t WHERE q.username = t.username RETURNING 1
  ), locks AS (
    DELETE FROM ftp.upload_locks l USING dead WHERE l.instance_id = dead.id RETURNING 1
  )
  SELECT (SELECT count(*) FROM dead)::integer AS instances`;
