import { randomUUID } from 'node:crypto';
import type { SharedStateV1 } from '@ftp/plugin-api';
import { eventually } from '@ftp/test-utils';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createPostgresPool, createPostgresSharedState, type PostgresPool } from '../src/index.ts';
import { noPostgresReason, postgresBin, startPostgres, type TestPostgres } from './support/postgres.ts';

// Releases the database applied but whose answer never came back (the connection broke on the way): the shared state
// retries them, and a retry must free nothing a second time. And the slots of a user without a session limit, taken
// in blocks: fewer round trips, and what a block holds unused goes back to the count.

describe.skipIf(postgresBin === undefined)(`shared state releases${postgresBin === undefined ? ` (${noPostgresReason})` : ''}`, () => {
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(() => postgres?.destroy(), 60_000);

  /** A real pool that counts the statements it runs by name. */
  function counting(connectionString: string) {
    const pool = createPostgresPool({ connectionString });
    onTestFinished(() => pool.end());
    const counts = new Map<string, number>();
    const counted: PostgresPool = {
      query(statement, values) {
        const name = typeof statement === 'object' ? (statement.name ?? statement.text) : statement;
        counts.set(name, (counts.get(name) ?? 0) + 1);
        return pool.query(statement, values);
      },
      connect: () => pool.connect(),
      end: () => pool.end(),
    };
    const of = (pattern: RegExp) => [...counts].filter(([name]) => pattern.test(name)).reduce((sum, [, count]) => sum + count, 0);
    return { pool: counted, of };
  }

  /** A real pool whose next `count` answers to statements named like `pattern` are lost after the database applied them. */
  function losingAnswers(connectionString: string, pattern: RegExp) {
    const pool = createPostgresPool({ connectionString });
    onTestFinished(() => pool.end());
    const losses = { left: 0 };
    const lossy: PostgresPool = {
      async query(statement, values) {
        const result = await pool.query(statement, values);
        if (losses.left > 0 && typeof statement === 'object' && pattern.test(statement.name ?? '')) {
          losses.left--;
          throw new Error('Connection terminated unexpectedly');
        }
        return result;
      },
      connect: () => pool.connect(),
      end: () => pool.end(),
    };
    return { pool: lossy, losses };
  }

  const open = async (options: Parameters<typeof createPostgresSharedState>[0]): Promise<SharedStateV1> => {
    const state = await createPostgresSharedState(options);
    onTestFinished(() => state.close?.());
    return state;
  };

  it('frees one slot for a session release retried after its answer was lost', async () => {
    const connectionString = await postgres.createDatabase();
    const { pool, losses } = losingAnswers(connectionString, /releaseSession/);
    const state = await open({ pool });
    const peer = await open({ connectionString });
    const alice = `alice-${randomUUID()}`;
    expect(await state.acquireSession('user', alice, 2)).toBe('acquired');
    expect(await state.acquireSession('user', alice, 2)).toBe('acquired');

    losses.left = 1;
    await state.releaseSession('user', alice);
    // The health check applies what is kept (so does the next heartbeat): the release, a second time.
    await state.checkHealth?.();
    expect(losses.left).toBe(0);

    // One of the two slots is still held.
    expect(await peer.acquireSession('user', alice, 2)).toBe('acquired');
    expect(await peer.acquireSession('user', alice, 2)).toBe('limit-reached');
  });

  it('takes the slots of a user without a limit in blocks, and gives back what a block holds unused', async () => {
    const connectionString = await postgres.createDatabase();
    const { pool, of } = counting(connectionString);
    // A heartbeat every 100 ms gives back the unused slots.
    const state = await open({ pool, leaseMs: 300 });
    const peer = await open({ connectionString });
    const bob = `bob-${randomUUID()}`;
    const sessions = 20;
    for (let index = 0; index < sessions; index++) expect(await state.acquireSession('user', bob, undefined)).toBe('acquired');
    expect(of(/acquireSession/)).toBeLessThan(sessions / 4);
    // Every slot taken is counted where the other instances read it, blocks included.
    expect(await peer.acquireSession('user', bob, sessions)).toBe('limit-reached');

    for (let index = 0; index < sessions; index++) await state.releaseSession('user', bob);
    await eventually(async () => (await peer.acquireSession('user', bob, 1)) === 'acquired', 'the unused block to be given back');
    expect(await peer.acquireSession('user', bob, 1)).toBe('limit-reached');
  });
});
