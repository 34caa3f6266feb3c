import { randomUUID } from 'node:crypto';
import { eventually } from '@ftp/test-utils';
import { expect, it } from 'vitest';
import { countingPool, losingAnswersPool } from './shared-state-pools.ts';
import { describeSharedState } from './shared-state-suite.ts';

// Releases the database applied but whose answer never came back (the connection broke on the way): the shared state
// retries them, and a retry must free nothing a second time. And the slots of a user without a session limit, taken
// in blocks: fewer round trips, and what a block holds unused goes back to the count.

describeSharedState('shared state releases', ({ postgres, open }) => {
  it('frees one slot for a session release retried after its answer was lost', async () => {
    const connectionString = await postgres().createDatabase();
    const { pool, losses } = losingAnswersPool(connectionString, /releaseSession/);
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

  it('serves no session from a block taken under a higher limit than the one it is asked under', async () => {
    const connectionString = await postgres().createDatabase();
    // Heartbeats every 10 s: the block stays with the instance during the test.
    const state = await open({ connectionString });
    const peer = await open({ connectionString });
    const alice = `alice-${randomUUID()}`;
    expect(await state.acquireSession('user', alice, 1_000)).toBe('acquired');
    for (let index = 0; index < 200; index++) expect(await peer.acquireSession('user', alice, 1_000)).toBe('acquired');
    // The user's limit was lowered below the sessions the user has: no more are admitted, on either instance.
    expect(await state.acquireSession('user', alice, 128)).toBe('limit-reached');
    expect(await peer.acquireSession('user', alice, 128)).toBe('limit-reached');
  });

  it('takes the slots of a user without a limit in blocks, and gives back what a block holds unused', async () => {
    const connectionString = await postgres().createDatabase();
    const { pool, of } = countingPool(connectionString);
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
