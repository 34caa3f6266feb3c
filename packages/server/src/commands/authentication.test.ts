import { describe, expect, it, onTestFinished } from 'vitest';
import { AuthenticationUnavailableError, type AuthenticatorV1, type StorageConnectorV1 } from '@ftp/plugin-api';
import { createMemoryStorage } from '../testing/memory-storage.ts';
import { createSessionHarness, type SessionHarnessOptions } from '../testing/session-harness.ts';

function harness(options: SessionHarnessOptions = {}) {
  const created = createSessionHarness(options);
  onTestFinished(() => created.close());
  return created;
}

/** Accepts only tester/secret; the user it returns comes from `user`. */
function passwordAuthenticator(user: Record<string, unknown> = {}): AuthenticatorV1 {
  return {
    specificationVersion: 'v1',
    name: 'test',
    async authenticate(request) {
      if (request.username !== 'tester' || request.password !== 'secret') return { outcome: 'rejected', reason: 'bad' };
      return { outcome: 'accepted', user: { username: 'tester', ...user } };
    },
  };
}

describe('authentication commands', () => {
  it('greets with 220 before any command', () => {
    const session = harness();
    expect(session.transcript).toEqual(['220 FTP server ready.']);
  });

  it('logs in with USER 331 then PASS 230 and emits a login event', async () => {
    const session = harness({ authenticator: passwordAuthenticator() });
    expect(await session.send('USER tester')).toEqual(['331 Password required.']);
    expect(await session.send('PASS secret')).toEqual(['230 Login successful.']);
    expect(session.events.map((event) => event.name)).toEqual(['login']);
    expect(await session.send('PWD')).toEqual(['257 "/" is the current directory.']);
  });

  it('replies 530 to commands that need a login before one', async () => {
    const session = harness();
    for (const line of ['PWD', 'CWD /', 'RETR x', 'LIST', 'PASV', 'DELE x']) {
      expect(await session.send(line), line).toEqual(['530 Please login with USER and PASS.']);
    }
  });

  it('replies 503 to PASS without USER', async () => {
    const session = harness();
    expect(await session.send('PASS secret')).toEqual(['503 Login with USER first.']);
  });

  it('replies 530 to a wrong password and closes with 421 after the allowed attempts', async () => {
    const session = harness({ authenticator: passwordAuthenticator(), options: { maxLoginAttempts: 2 } });
    await session.send('USER tester');
    expect(await session.send('PASS wrong')).toEqual(['530 Login incorrect.']);
    expect(session.isClosed).toBe(false);
    expect(session.events.map((event) => event.name)).toEqual(['login-failed']);
    await session.send('USER tester');
    const [reply] = await session.send('PASS wrong');
    expect(reply).toMatch(/^421 /);
    expect(session.isClosed).toBe(true);
  });

  it('forgets the USER name after one PASS attempt', async () => {
    const session = harness({ authenticator: passwordAuthenticator() });
    await session.send('USER tester');
    await session.send('PASS wrong');
    expect(await session.send('PASS secret')).toEqual(['503 Login with USER first.']);
  });

  it('replies 421 and closes when the authenticator is unavailable, never 530', async () => {
    const authenticator: AuthenticatorV1 = {
      specificationVersion: 'v1',
      name: 'down',
      authenticate: () => Promise.reject(new AuthenticationUnavailableError('backend down')),
    };
    const session = harness({ authenticator });
    await session.send('USER tester');
    const [reply] = await session.send('PASS secret');
    expect(reply).toMatch(/^421 /);
    expect(session.isClosed).toBe(true);
  });

  it('treats an authenticator that throws anything as unavailable (421)', async () => {
    const authenticator: AuthenticatorV1 = {
      specificationVersion: 'v1',
      name: 'broken',
      authenticate: () => Promise.reject(new TypeError('bug')),
    };
    const session = harness({ authenticator });
    await session.send('USER tester');
    expect((await session.send('PASS secret'))[0]).toMatch(/^421 /);
  });

  it('replies 421 and closes when the storage cannot be opened', async () => {
    const storage: StorageConnectorV1 = {
      specificationVersion: 'v1',
      name: 'down',
      openSession: () => Promise.reject(new Error('disk gone')),
    };
    const session = harness({ storage });
    await session.send('USER tester');
    expect((await session.send('PASS secret'))[0]).toMatch(/^421 /);
    expect(session.isClosed).toBe(true);
  });

  it('replies 530 to USER while logged in', async () => {
    const session = harness();
    await session.login();
    expect((await session.send('USER other'))[0]).toMatch(/^530 /);
    expect(await session.send('PWD')).toEqual(['257 "/" is the current directory.']);
  });

  it('starts in the home directory when it exists, at / when it does not', async () => {
    const storage = createMemoryStorage({ files: { '/home/tester/readme.txt': 'hi' } });
    const withHome = harness({ storage, authenticator: passwordAuthenticator({ homeDirectory: '/home/tester' }) });
    await withHome.login();
    expect(await withHome.send('PWD')).toEqual(['257 "/home/tester" is the current directory.']);
    const missingHome = harness({ storage, authenticator: passwordAuthenticator({ homeDirectory: '/nowhere' }) });
    await missingHome.login();
    expect(await missingHome.send('PWD')).toEqual(['257 "/" is the current directory.']);
  });

  it('replies 502 to ACCT, since no account is ever needed', async () => {
    const session = harness();
    expect((await session.send('ACCT billing'))[0]).toMatch(/^502 /);
    await session.login();
    expect((await session.send('ACCT billing'))[0]).toMatch(/^502 /);
  });

  it('replies 502 (known, not implemented) to AUTH, PBSZ and PROT rather than 500', async () => {
    const session = harness();
    for (const line of ['AUTH TLS', 'AUTH SSL', 'PBSZ 0', 'PROT P']) {
      expect((await session.send(line))[0], line).toMatch(/^502 /);
    }
  });

  it('returns to the logged-out state on REIN (220), keeping the connection', async () => {
    const session = harness();
    await session.login();
    await session.send('TYPE I');
    await session.send('CWD /');
    expect(await session.send('REIN')).toEqual(['220 Service ready for new user.']);
    expect(session.isClosed).toBe(false);
    expect(await session.send('PWD')).toEqual(['530 Please login with USER and PASS.']);
    expect(await session.send('PASS secret')).toEqual(['503 Login with USER first.']);
    const [status = ''] = await session.send('STAT');
    expect(status).toContain('Not logged in');
    expect(status).toContain('TYPE: ASCII');
    await session.login('second');
    expect((await session.send('STAT'))[0]).toContain('Logged in as second');
  });

  it('replies 500 to an unknown command and closes with 421 after too many', async () => {
    const session = harness({ options: { maxBadCommands: 2 } });
    expect(await session.send('FOO')).toEqual(['500 Unknown command "FOO".']);
    expect((await session.send('BAR baz'))[0]).toMatch(/^500 /);
    expect(session.isClosed).toBe(false);
    expect((await session.send('QUUX'))[0]).toMatch(/^421 /);
    expect(session.isClosed).toBe(true);
  });

  it('replies 500 to a line over the length limit and keeps going', async () => {
    const session = harness({ options: { maxLineLength: 64 } });
    expect((await session.send(`NOOP ${'x'.repeat(100)}`))[0]).toMatch(/^500 /);
    expect(await session.send('NOOP')).toEqual(['200 NOOP ok.']);
  });
});

describe('re-validation of a login', () => {
  /** Accepts any login; its re-check answers with the queued outcomes, then counts the calls. */
  function revalidatingAuthenticator(outcomes: Array<boolean | 'outage'>) {
    const calls = { count: 0 };
    const authenticator: AuthenticatorV1 = {
      specificationVersion: 'v1',
      name: 'revalidating',
      async authenticate(request) {
        return {
          outcome: 'accepted',
          user: { username: request.username },
          revalidation: {
            intervalMs: 0,
            async check() {
              calls.count++;
              const outcome = outcomes.shift() ?? true;
              if (outcome === 'outage') throw new AuthenticationUnavailableError('identity service timed out');
              return outcome;
            },
          },
        };
      },
    };
    return { authenticator, calls };
  }

  it('re-checks before commands that need a login and keeps the session while it is valid', async () => {
    const { authenticator, calls } = revalidatingAuthenticator([true, true]);
    const session = harness({ authenticator });
    await session.login('alice', 'pw');
    expect(await session.send('NOOP')).toEqual(['200 NOOP ok.']);
    expect(calls.count).toBe(0); // NOOP needs no login, so no re-check
    expect(await session.send('PWD')).toEqual(['257 "/" is the current directory.']);
    expect(await session.send('PWD')).toEqual(['257 "/" is the current directory.']);
    expect(calls.count).toBe(2);
  });

  it('ends the session with 530 when the login was revoked', async () => {
    const { authenticator } = revalidatingAuthenticator([false]);
    const session = harness({ authenticator });
    await session.login('alice', 'pw');
    expect(await session.send('PWD')).toEqual(['530 Login no longer valid, closing control connection.']);
    expect(session.isClosed).toBe(true);
  });

  it('answers an outage at re-validation with 421, never 530', async () => {
    const { authenticator } = revalidatingAuthenticator(['outage']);
    const session = harness({ authenticator });
    await session.login('alice', 'pw');
    expect(await session.send('LIST')).toEqual(['421 Authentication service not available, closing control connection.']);
    expect(session.isClosed).toBe(true);
  });
});
