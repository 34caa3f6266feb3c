import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthenticationRequest, AuthenticationResult, AuthenticatorV1 } from '../authenticator/v1/authenticator-v1.ts';
import { AuthenticationUnavailableError } from '../errors/authentication-unavailable-error.ts';
import { supportedSpecificationVersions } from '../index.ts';
import { createTestPluginContext } from './helpers.ts';

/** The groups of checks `runAuthenticatorConformance` runs; name them in `skip` to leave them out. */
export type AuthenticatorConformanceCheck =
  | 'shape'
  | 'accept'
  | 'reject'
  | 'exact-match'
  | 'odd-input'
  | 'concurrency'
  | 'unavailable'
  | 'health'
  | 'close';

/** What the factory given to `runAuthenticatorConformance` returns for one test. */
export interface AuthenticatorConformanceSubject {
  /** The authenticator under test. The kit calls `close()` after each test when it has one. */
  readonly authenticator: AuthenticatorV1;
  /** A user name and password the authenticator must accept. */
  readonly validCredentials: AuthenticationRequest;
  /** Removes whatever the factory created (a temporary file, a test identity server). Called after each test. */
  cleanup?(): Promise<void>;
}

/** An authenticator whose backend cannot answer, for the `unavailable` check. */
export interface UnavailableAuthenticatorSubject {
  readonly authenticator: AuthenticatorV1;
  /** Credentials that would be accepted if the backend were up. */
  readonly validCredentials: AuthenticationRequest;
  cleanup?(): Promise<void>;
}

export interface AuthenticatorConformanceOptions {
  /** Groups of checks to leave out. */
  readonly skip?: readonly AuthenticatorConformanceCheck[];
  /**
   * Builds an authenticator whose backend is down (a removed file, a closed port). With it, the kit checks that the
   * outage throws `AuthenticationUnavailableError` (421) rather than returning a rejection (530). Without it, the
   * `unavailable` check is skipped.
   */
  readonly createUnavailable?: () => Promise<UnavailableAuthenticatorSubject>;
  /** Set when user names are compared case-insensitively on purpose (an LDAP directory); skips that one check. */
  readonly caseInsensitiveUsernames?: boolean;
  /** Timeout of each test in milliseconds. Default 30,000 (slow password hashes are expected). */
  readonly timeoutMilliseconds?: number;
}

/** The accepted user must be usable by the server: a non-empty name, a virtual home, boolean permission flags. */
function expectAcceptedUser(result: AuthenticationResult): void {
  expect(result.outcome).toBe('accepted');
  if (result.outcome !== 'accepted') return;
  // The server logs and lists by this name; an authenticator that maps names must still return a non-empty one.
  expect(typeof result.user.username).toBe('string');
  expect(result.user.username).not.toBe('');
  if (result.user.homeDirectory !== undefined) expect(result.user.homeDirectory.startsWith('/')).toBe(true);
  if (result.user.rootDirectory !== undefined) expect(result.user.rootDirectory.startsWith('/')).toBe(true);
  if (result.user.maxSessions !== undefined) expect(result.user.maxSessions).toBeGreaterThan(0);
  for (const flag of Object.values(result.user.permissions ?? {})) expect(typeof flag).toBe('boolean');
  if (result.revalidation !== undefined) {
    expect(result.revalidation.intervalMs).toBeGreaterThan(0);
    expect(typeof result.revalidation.check).toBe('function');
  }
}

function flipCase(text: string): string {
  const flipped = [...text].map((character) => {
    const upper = character.toUpperCase();
    return upper === character ? character.toLowerCase() : upper;
  });
  return flipped.join('');
}

/**
 * Registers a vitest `describe` block that checks an authenticator against the guarantees documented on
 * `AuthenticatorV1`: its shape and `specificationVersion`, acceptance of valid credentials with a well-formed user,
 * rejection (returned, never thrown) of wrong passwords, unknown users and near-miss inputs, concurrent calls for
 * different sessions, and (with `createUnavailable`) that an outage throws `AuthenticationUnavailableError` and fails
 * `checkHealth`.
 *
 * `createSubject` is called before every test; `cleanup` runs after it.
 *
 * @example
 * ```ts
 * import { runAuthenticatorConformance } from '@ftp/plugin-api/testing';
 * import { createMyAuthenticator } from '../src/index.ts';
 *
 * runAuthenticatorConformance('my-auth', async () => ({
 *   authenticator: createMyAuthenticator({ users: { alice: 'correct horse' } }),
 *   validCredentials: { username: 'alice', password: 'correct horse' },
 * }));
 * ```
 */
export function runAuthenticatorConformance(
  name: string,
  createSubject: () => Promise<AuthenticatorConformanceSubject>,
  options: AuthenticatorConformanceOptions = {},
): void {
  const skipped = new Set(options.skip ?? []);
  const timeout = options.timeoutMilliseconds ?? 30_000;
  let subject: AuthenticatorConformanceSubject | undefined;
  // The contract calls close() once; the close check does it itself, so the teardown must not repeat it.
  let closedByTest = false;
  const current = (): AuthenticatorConformanceSubject => {
    if (subject === undefined) throw new Error('the authenticator is only available inside a conformance test');
    return subject;
  };
  const authenticate = (request: AuthenticationRequest, sessionId = 'conformance-session') =>
    current().authenticator.authenticate(request, createTestPluginContext({ sessionId }));
  const rejects = async (request: AuthenticationRequest) => expect((await authenticate(request)).outcome).toBe('rejected');
  const check = (group: AuthenticatorConformanceCheck, title: string, body: () => Promise<void>) =>
    it.skipIf(skipped.has(group))(`${group}: ${title}`, body, timeout);

  describe(`authenticator conformance: ${name}`, () => {
    beforeEach(async () => {
      subject = await createSubject();
    }, timeout);
    afterEach(async () => {
      const ending = subject;
      const alreadyClosed = closedByTest;
      subject = undefined;
      closedByTest = false;
      try {
        if (!alreadyClosed) await ending?.authenticator.close?.();
      } finally {
        await ending?.cleanup?.();
      }
    }, timeout);

    check('shape', 'declares a supported specificationVersion, a name and authenticate()', async () => {
      const { authenticator } = current();
      expect(supportedSpecificationVersions).toContain(authenticator.specificationVersion);
      expect(typeof authenticator.name).toBe('string');
      expect(authenticator.name).not.toBe('');
      expect(typeof authenticator.authenticate).toBe('function');
      if (authenticator.close !== undefined) expect(typeof authenticator.close).toBe('function');
    });

    check('accept', 'accepts the valid credentials with a well-formed user, every time', async () => {
      const { validCredentials } = current();
      for (let attempt = 0; attempt < 2; attempt += 1) expectAcceptedUser(await authenticate(validCredentials));
    });

    check('reject', 'returns a rejection, without throwing, for a wrong password, an empty one and an unknown user', async () => {
      const { username, password } = current().validCredentials;
      await rejects({ username, password: `wrong-${password}` });
      await rejects({ username, password: '' });
      await rejects({ username: `no-such-user-${username}`, password });
    });

    check('exact-match', 'compares the password byte for byte: prefix, extension and changed case are rejected', async () => {
      const { username, password } = current().validCredentials;
      await rejects({ username, password: `${password}x` });
      await rejects({ username, password: `${password} ` });
      if (password.length > 1) await rejects({ username, password: password.slice(0, -1) });
      if (flipCase(password) !== password) await rejects({ username, password: flipCase(password) });
    });

    check('exact-match', 'does not accept the user name in another case', async () => {
      const { username, password } = current().validCredentials;
      if (options.caseInsensitiveUsernames === true || flipCase(username) === username) return;
      await rejects({ username: flipCase(username), password });
    });

    check('odd-input', 'rejects NUL bytes, very long values and non-ASCII input without throwing', async () => {
      const { username, password } = current().validCredentials;
      await rejects({ username: `${username}\0`, password });
      await rejects({ username, password: `${password}\0` });
      await rejects({ username, password: 'p'.repeat(10_000) });
      await rejects({ username: 'u'.repeat(10_000), password });
      await rejects({ username: 'ünïcødé ✓', password: 'pässwörd 🎉' });
      await rejects({ username: '', password: '' });
    });

    check('concurrency', 'answers concurrent logins of different sessions each by its own credentials', async () => {
      const { username, password } = current().validCredentials;
      const requests = Array.from({ length: 6 }, (_, index) => ({ username, password: index % 2 === 0 ? password : `${password}!` }));
      const results = await Promise.all(requests.map((request, index) => authenticate(request, `conformance-session-${index}`)));
      expect(results.map((result) => result.outcome)).toEqual(requests.map((_, index) => (index % 2 === 0 ? 'accepted' : 'rejected')));
    });

    it.skipIf(skipped.has('unavailable') || options.createUnavailable === undefined)(
      'unavailable: throws AuthenticationUnavailableError when the backend cannot answer',
      async () => {
        const unavailable = await options.createUnavailable!();
        try {
          const outcome = unavailable.authenticator.authenticate(unavailable.validCredentials, createTestPluginContext());
          const error: unknown = await outcome.then(
            (result) => new Error(`expected AuthenticationUnavailableError, got the result ${JSON.stringify(result)}`),
            (thrown: unknown) => thrown,
          );
          expect(AuthenticationUnavailableError.isInstance(error), String(error)).toBe(true);
        } finally {
          await unavailable.authenticator.close?.();
          await unavailable.cleanup?.();
        }
      },
      timeout,
    );

    check('health', 'checkHealth() resolves while the backend works, when the authenticator has one', async () => {
      const { authenticator } = current();
      if (authenticator.checkHealth === undefined) return;
      await expect(authenticator.checkHealth()).resolves.toBeUndefined();
    });

    it.skipIf(skipped.has('health') || options.createUnavailable === undefined)(
      'health: checkHealth() rejects while the backend is down, when the authenticator has one',
      async () => {
        const unavailable = await options.createUnavailable!();
        try {
          if (unavailable.authenticator.checkHealth !== undefined)
            await expect(unavailable.authenticator.checkHealth()).rejects.toBeDefined();
        } finally {
          await unavailable.authenticator.close?.();
          await unavailable.cleanup?.();
        }
      },
      timeout,
    );

    check('close', 'close() resolves, when the authenticator has one', async () => {
      const { authenticator } = current();
      if (authenticator.close === undefined) return;
      closedByTest = true;
      await expect(authenticator.close()).resolves.toBeUndefined();
    });
  });
}
