import { randomUUID } from 'node:crypto';
import type { LoginFailure } from '@ftp/plugin-api';
import { eventually } from '@ftp/test-utils';
import { expect, it } from 'vitest';
import { countingPool } from './shared-state-pools.ts';
import { describeSharedState } from './shared-state-suite.ts';

// Connections from an address far from its limit are admitted from an instance's own blocks of slots, with the ban
// checked there: against the bans every instance announces as it makes them. When the instance cannot listen for
// them, the database checks every connection again.

describeSharedState('shared state bans', ({ postgres, open }) => {
  const ban = (address: string): LoginFailure => ({
    address,
    username: `mallory-${randomUUID()}`,
    maxFailuresPerAddress: 1,
    maxFailuresPerUser: 100,
    windowMs: 60_000,
    banMs: 60_000,
  });
  const farLimit = 10_000;

  it('admits connections far from the limit from blocks, and refuses them once another instance bans the address', async () => {
    const connectionString = await postgres().createDatabase();
    const { pool, of } = countingPool(connectionString);
    const state = await open({ pool });
    const peer = await open({ connectionString });
    const address = `192.0.2.${randomUUID()}`;
    for (let index = 0; index < 20; index++) expect(await state.acquireSession('address', address, farLimit)).toBe('acquired');
    expect(of(/acquireSession/)).toBeLessThan(5);

    expect(await peer.recordLoginFailure(ban(address))).toBe(true);
    // The announcement is on its way as the ban commits: bounded wait, nothing asserted about how long it took.
    await eventually(async () => (await state.acquireSession('address', address, farLimit)) === 'banned', 'the ban to hold');
    expect(of(/acquireSession/)).toBeLessThan(5);
    // A ban made here holds here at once.
    const other = `192.0.2.${randomUUID()}`;
    expect(await state.acquireSession('address', other, farLimit)).toBe('acquired');
    expect(await state.recordLoginFailure(ban(other))).toBe(true);
    expect(await state.acquireSession('address', other, farLimit)).toBe('banned');
  });

  it('has the database check every connection while it cannot listen for bans', async () => {
    const connectionString = await postgres().createDatabase();
    const { pool, of } = countingPool(connectionString);
    const state = await open({ pool });
    const peer = await open({ connectionString });
    const address = `192.0.2.${randomUUID()}`;
    expect(await state.acquireSession('address', address, farLimit)).toBe('acquired');

    // The listening connections (both instances') go, as when a proxy drops them; the notifications of bans with them.
    const terminated = await postgres().query(
      `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%AS remaining FROM%'`,
      [],
      connectionString,
    );
    expect(terminated.rows.map((row) => row.done)).toEqual([true, true]);
    await eventually(async () => {
      const asked = of(/acquireSession/);
      expect(await state.acquireSession('address', address, farLimit)).toBe('acquired');
      return of(/acquireSession/) > asked;
    }, 'connections to be checked by the database');

    expect(await peer.recordLoginFailure(ban(address))).toBe(true);
    expect(await state.acquireSession('address', address, farLimit)).toBe('banned');
  });
});
