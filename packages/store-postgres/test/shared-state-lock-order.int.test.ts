import { randomUUID } from 'node:crypto';
import { eventually } from '@ftp/test-utils';
import pg from 'pg';
import { expect, it, onTestFinished } from 'vitest';
import { createPostgresPool } from '../src/index.ts';
import { migrate } from '../src/migrations.ts';
import { type QuotaAccountKind, quotaAccountStatements, sharedStateStatements } from '../src/shared-state-statements.ts';
import { sqlNames } from '../src/sql-names.ts';
import { describeSharedState } from './shared-state-suite.ts';

// The statements of the shared state take their row locks in one order (see shared-state-statements.ts), so no two of
// them can deadlock. Each case interleaves two of them deterministically: a third transaction holds an account's row
// (or a session counter's), the first statement queues for it, the second runs up to where it waits for the row too,
// and the holder ends. The first then takes the row; a second statement that had locked a reservation (a grant)
// before its account (its counter), the other order, would now wait for the first while the first waits for it, and
// PostgreSQL aborts one (40P01).

const names = sqlNames();
const statements = sharedStateStatements(names);
const quota = quotaAccountStatements(names);

/** A connection of its own, with its backend's pid (to see when it waits for a lock). */
async function connection(connectionString: string) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  onTestFinished(() => client.end());
  const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
  return { client, pid: Number(rows[0].pid) };
}

interface Statement {
  readonly text: string;
  readonly values: unknown[];
}

/**
 * Runs `first` then `second`, each on a connection of its own, while a third transaction holds the row `lock` takes:
 * each is left waiting for a lock before the holder commits. Answers how each that failed failed (code: message).
 */
async function interleaved(connectionString: string, lock: Statement, [first, second]: [Statement, Statement]): Promise<string[]> {
  const [holder, firstConnection, secondConnection, watcher] = await Promise.all(
    Array.from({ length: 4 }, () => connection(connectionString)),
  );
  const waitsForLock = (pid: number, who: string) =>
    eventually(async () => {
      const { rows } = await watcher.client.query('SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1', [pid]);
      return rows[0]?.wait_event_type === 'Lock';
    }, `${who} to wait for a lock`);
  await holder.client.query('BEGIN');
  await holder.client.query(lock.text, lock.values);
  const firstRun = firstConnection.client.query(first.text, first.values);
  firstRun.catch(() => undefined);
  await waitsForLock(firstConnection.pid, 'the first statement');
  const secondRun = secondConnection.client.query(second.text, second.values);
  secondRun.catch(() => undefined);
  await waitsForLock(secondConnection.pid, 'the second statement');
  await holder.client.query('COMMIT');

  const outcomes = await Promise.allSettled([firstRun, secondRun]);
  return outcomes.flatMap((outcome) =>
    outcome.status === 'rejected' ? [`${(outcome.reason as { code?: string }).code}: ${String(outcome.reason)}`] : [],
  );
}

/** What one quota statement of a live instance sends while another instance sweeps it, in an account of `kind`. */
type Racer = (kind: QuotaAccountKind, held: Holdings) => Statement;

/** What the instance holds in the account when the race starts. */
interface Holdings {
  readonly instance: string;
  readonly account: string;
  /** An upload's exact reservation: 100 bytes, 1 file. */
  readonly reservation: string;
  /** The instance's lease: 1,000 bytes, 10 files. */
  readonly lease: string;
}

const racers: Record<string, Racer> = {
  'a settlement of its lease': (kind, held) => ({
    text: quota[kind].settleLease,
    values: [held.account, randomUUID(), held.lease, 100, 1, 100, 1, false, held.instance, [randomUUID()]],
  }),
  'an extension of its lease': (kind, held) => ({
    text: quota[kind].extendLease,
    values: [held.account, held.lease, 1_000, 10, null, null, held.instance],
  }),
  'more of an upload’s reservation': (kind, held) => ({
    text: quota[kind].reserveQuota,
    values: [held.account, held.reservation, 100, 0, null, null, held.instance],
  }),
  'the commit of an upload': (kind, held) => ({
    text: quota[kind].commitReservation,
    values: [held.account, held.reservation, 100, 1, held.instance],
  }),
  'the release of an upload’s reservation': (_kind, held) => ({
    text: statements.releaseReservation,
    values: [held.reservation],
  }),
};

describeSharedState('lock order', ({ postgres, open }) => {
  it('runs a statement PostgreSQL aborted as a deadlock victim again: a further reservation is granted, not refused', async () => {
    const connectionString = await postgres().createDatabase();
    const state = await open({ connectionString });
    const alice = `alice-${randomUUID()}`;
    await state.setQuotaUsage(alice, { bytes: 0, files: 0 });
    const [other, watcher] = await Promise.all([connection(connectionString), connection(connectionString)]);
    // The shared state's statement (1 s, the default) looks for the deadlock before this transaction does.
    await other.client.query("SET deadlock_timeout = '3s'");
    // Near the file limit, every upload reserves exactly, in a reservation of its own.
    const limits = { maxBytes: 1_000_000, maxFiles: 10 };
    let victims = 0;
    let rounds = 0;
    // The other transaction must ask for the account while the statement still waits (before its deadlock check);
    // when it asks later, it is the one aborted, and the round is run again.
    for (; rounds < 5 && victims === 0; rounds++) {
      const reservationId = randomUUID();
      expect(await state.reserveQuota({ username: alice, reservationId, bytes: 0, files: 1, ...limits })).toBe(0);
      // A transaction that keeps another lock order (an operator's, or an instance of an earlier release): the
      // reservation's row, then the account's.
      await other.client.query('BEGIN');
      await other.client.query(`SELECT 1 FROM ${names.quotaReservations} WHERE id = $1 FOR UPDATE`, [reservationId]);
      const more = state.reserveQuota({ username: alice, reservationId, bytes: 100, files: 0, ...limits });
      more.catch(() => undefined);
      await eventually(async () => {
        const { rows } = await watcher.client.query(
          "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'ftp-server' AND wait_event_type = 'Lock'",
        );
        return rows.length > 0;
      }, 'the reservation to wait for its row');
      // It holds the account's row: this transaction gets it only once PostgreSQL aborted the statement.
      const accountLocked = await other.client.query(`SELECT 1 FROM ${names.quotaUsage} WHERE username = $1 FOR UPDATE`, [alice]).then(
        () => true,
        () => false,
      );
      await other.client.query(accountLocked ? 'COMMIT' : 'ROLLBACK');
      if (accountLocked) victims++;
      expect(await more).toBe(100);
      await state.commitQuota({ username: alice, reservationId, bytes: 100, files: 1 });
    }
    expect(victims).toBe(1);
    expect(await state.quotaUsage(alice)).toEqual({ bytes: 100 * rounds, files: rounds });
  });

  for (const sweepFirst of [false, true]) {
    it(`a release of an instance's session grants and a sweep of the instance never deadlock (${sweepFirst ? 'sweep' : 'release'} queued first)`, async () => {
      const connectionString = await postgres().createDatabase();
      const setup = createPostgresPool({ connectionString });
      onTestFinished(() => setup.end());
      await migrate(setup);
      const instance = randomUUID();
      const grants = [randomUUID(), randomUUID()];
      await setup.query(statements.heartbeat, [instance]);
      await setup.query(statements.acquireSession, ['user', 'alice', null, instance, grants[0], 1]);
      await setup.query(statements.acquireSession, ['address', '192.0.2.1', null, instance, grants[1], 1]);

      const counter = { text: `SELECT 1 FROM ${names.sessionCounts} WHERE scope = 'user' AND key = 'alice' FOR UPDATE`, values: [] };
      const release = { text: statements.releaseSessions, values: [grants] };
      const sweep = { text: statements.sweep, values: [60_000, instance] };
      expect(await interleaved(connectionString, counter, sweepFirst ? [sweep, release] : [release, sweep])).toEqual([]);
      // Each grant was given back once, by one of the two.
      const { rows } = await setup.query(`SELECT coalesce(sum(count), 0)::integer AS count FROM ${names.sessionCounts}`);
      expect(rows[0].count).toBe(0);
    });
  }

  for (const kind of ['user', 'folder'] as const) {
    for (const [what, racer] of Object.entries(racers)) {
      for (const sweepFirst of [false, true]) {
        it(`${what} in a ${kind}'s account and a sweep of the instance never deadlock (${sweepFirst ? 'sweep' : 'statement'} queued first)`, async () => {
          const connectionString = await postgres().createDatabase();
          const setup = createPostgresPool({ connectionString });
          onTestFinished(() => setup.end());
          await migrate(setup);
          const held: Holdings = {
            instance: randomUUID(),
            account: `account-${randomUUID()}`,
            reservation: randomUUID(),
            lease: randomUUID(),
          };
          const account = quota[kind];
          await setup.query(statements.heartbeat, [held.instance]);
          await setup.query(account.setQuotaUsage, [held.account, 0, 0]);
          await setup.query(account.reserveQuota, [held.account, held.reservation, 100, 1, null, null, held.instance]);
          await setup.query(account.extendLease, [held.account, held.lease, 1_000, 10, null, null, held.instance]);

          const table = kind === 'user' ? names.quotaUsage : names.quotaFolderUsage;
          const key = kind === 'user' ? 'username' : 'folder';
          const accountRow = { text: `SELECT 1 FROM ${table} WHERE ${key} = $1 FOR UPDATE`, values: [held.account] };
          const statement = racer(kind, held);
          const sweep = { text: statements.sweep, values: [60_000, held.instance] };
          expect(await interleaved(connectionString, accountRow, sweepFirst ? [sweep, statement] : [statement, sweep])).toEqual([]);
          // The sweep dropped the instance with what it held.
          const { rows } = await setup.query(`SELECT count(*)::integer AS count FROM ${names.instances}`);
          expect(rows[0].count).toBe(0);
        });
      }
    }
  }
});
