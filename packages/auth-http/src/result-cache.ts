import { createHmac, randomBytes } from 'node:crypto';
import type { AuthenticatedUser } from '@ftp/plugin-api';

/** A short-lived memory of successful logins, for identity services that cannot take one request per login. */
export interface ResultCache {
  /** The user of a login with exactly this user name and password that succeeded less than the TTL ago. */
  get(username: string, password: string): AuthenticatedUser | undefined;
  set(username: string, password: string, user: AuthenticatedUser): void;
}

/**
 * Entries are keyed by the user name and an HMAC of the password under a random salt made at creation, so the
 * cache holds no password and no hash that could be checked offline against a word list after a memory dump.
 * Only successes are kept: a wrong password is always asked again, and a different password never matches an entry.
 */
export function createResultCache(ttlMs: number, maxEntries: number, now: () => number = Date.now): ResultCache {
  const salt = randomBytes(32);
  const entries = new Map<string, { user: AuthenticatedUser; expiresAt: number }>();
  const keyOf = (username: string, password: string): string =>
    `${username}\u0000${createHmac('sha256', salt).update(password, 'utf8').digest('base64')}`;
  return {
    get(username, password) {
      const key = keyOf(username, password);
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.user;
    },
    set(username, password, user) {
      const key = keyOf(username, password);
      entries.delete(key);
      // Map iteration is insertion order, so the first key is the oldest entry.
      while (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(key, { user, expiresAt: now() + ttlMs });
    },
  };
}
