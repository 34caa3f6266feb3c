import { timingSafeEqual } from 'node:crypto';
import type { AuthenticatorV1 } from '../authenticator/v1/authenticator-v1.ts';
import { AuthenticationUnavailableError } from '../errors/authentication-unavailable-error.ts';
import { runAuthenticatorConformance } from './authenticator-conformance.ts';

/** The smallest correct authenticator: one user, compared in constant time; `down` simulates an outage. */
function createFixedAuthenticator(username: string, password: string, down = false): AuthenticatorV1 {
  const expected = Buffer.from(password);
  return {
    specificationVersion: 'v1',
    name: 'fixed',
    async authenticate(request) {
      if (down) throw new AuthenticationUnavailableError('the user directory is down');
      const given = Buffer.from(request.password);
      const matches = request.username === username && given.length === expected.length && timingSafeEqual(given, expected);
      return matches
        ? { outcome: 'accepted', user: { username, homeDirectory: '/', permissions: { delete: false } } }
        : { outcome: 'rejected' };
    },
    async close() {},
  };
}

runAuthenticatorConformance(
  'fixed user (kit self-test)',
  async () => ({
    authenticator: createFixedAuthenticator('Alice', 'Correct Horse'),
    validCredentials: { username: 'Alice', password: 'Correct Horse' },
  }),
  {
    createUnavailable: async () => ({
      authenticator: createFixedAuthenticator('Alice', 'Correct Horse', true),
      validCredentials: { username: 'Alice', password: 'Correct Horse' },
    }),
  },
);
