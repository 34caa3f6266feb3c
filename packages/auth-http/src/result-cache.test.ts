import { describe, expect, it } from 'vitest';
import { createResultCache } from './result-cache.ts';

describe('createResultCache', () => {
  it('returns a login only for the same user and password, until the TTL passes', () => {
    let now = 1_000;
    const cache = createResultCache(500, 10, () => now);
    cache.set('alice', 'right', { username: 'alice', homeDirectory: '/a' });
    expect(cache.get('alice', 'right')).toEqual({ username: 'alice', homeDirectory: '/a' });
    expect(cache.get('alice', 'wrong')).toBeUndefined();
    expect(cache.get('bob', 'right')).toBeUndefined();
    now += 499;
    expect(cache.get('alice', 'right')).toBeDefined();
    now += 1;
    expect(cache.get('alice', 'right')).toBeUndefined();
  });

  it('does not confuse a user name containing the separator with another pair', () => {
    const cache = createResultCache(1_000, 10);
    cache.set('a', 'b', { username: 'a' });
    expect(cache.get('a\u0000', 'b')).toBeUndefined();
  });

  it('drops the oldest entry beyond the maximum', () => {
    const cache = createResultCache(1_000, 2);
    cache.set('u1', 'p', { username: 'u1' });
    cache.set('u2', 'p', { username: 'u2' });
    cache.set('u3', 'p', { username: 'u3' });
    expect([cache.get('u1', 'p'), cache.get('u2', 'p'), cache.get('u3', 'p')].map((user) => user?.username)).toEqual([
      undefined,
      'u2',
      'u3',
    ]);
  });
});
