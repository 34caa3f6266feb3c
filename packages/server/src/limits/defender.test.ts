import { silentLogger } from '@ftp/plugin-api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Defender } from './defender.ts';
import { createMemorySharedState } from './memory-shared-state.ts';

const logger = { ...silentLogger, child: () => logger };
afterEach(() => vi.useRealTimers());

describe('Defender', () => {
  it('bans an address at maxFailuresPerIp within the window, and forgets failures older than the window', async () => {
    vi.useFakeTimers();
    const state = createMemorySharedState();
    const defender = new Defender({ maxFailuresPerIp: 3, windowMs: 1000, banMs: 5000 }, logger, state);
    expect(await defender.recordFailure('192.0.2.1', 'a')).toBe(false);
    expect(await defender.recordFailure('192.0.2.1', 'b')).toBe(false);
    vi.advanceTimersByTime(1500); // both failures leave the window
    expect(await defender.recordFailure('192.0.2.1', 'c')).toBe(false);
    expect(await defender.recordFailure('192.0.2.1', 'd')).toBe(false);
    expect(await defender.recordFailure('192.0.2.1', 'e')).toBe(true);
    expect(await state.isBanned('192.0.2.1')).toBe(true);
    expect(await state.isBanned('192.0.2.2')).toBe(false);
    vi.advanceTimersByTime(5001);
    expect(await state.isBanned('192.0.2.1')).toBe(false);
  });

  it('bans addresses that keep failing on a user name attacked from many addresses', async () => {
    const state = createMemorySharedState();
    const defender = new Defender({ maxFailuresPerIp: 100, maxFailuresPerUser: 3 }, logger, state);
    for (let index = 1; index <= 3; index++) expect(await defender.recordFailure(`198.51.100.${index}`, 'root')).toBe(false);
    expect(await defender.recordFailure('198.51.100.9', 'root')).toBe(true);
    expect(await state.isBanned('198.51.100.9')).toBe(true);
    expect(await state.isBanned('198.51.100.1')).toBe(false);
  });

  it('never bans the allow list (addresses and CIDR blocks, IPv4 and IPv6)', async () => {
    const defender = new Defender({ maxFailuresPerIp: 1, allowList: ['10.0.0.0/8', '::1'] }, logger, createMemorySharedState());
    expect(await defender.recordFailure('10.1.2.3', 'x')).toBe(false);
    expect(await defender.recordFailure('::1', 'x')).toBe(false);
    expect(await defender.recordFailure('203.0.113.5', 'x')).toBe(true);
  });

  it('refuses an allow-list entry that is not an address', () => {
    expect(() => new Defender({ allowList: ['not-an-ip'] }, logger, createMemorySharedState())).toThrow(/defender.allowList/);
  });
});
