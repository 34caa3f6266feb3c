import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError, silentLogger, type PluginContext, type PluginLogger } from '@ftp/plugin-api';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLocalAuthenticator } from './local-authenticator.ts';
import { hashPassword, verifyPassword } from '@ftp/plugin-api/password';

vi.mock('@ftp/plugin-api/password', async (importOriginal) => {
  const original = await importOriginal<typeof import('@ftp/plugin-api/password')>();
  return { ...original, verifyPassword: vi.fn(original.verifyPassword) };
});

function contextWith(logger: PluginLogger = silentLogger): PluginContext {
  return {
    sessionId: 's1',
    remoteAddress: '127.0.0.1',
    localAddress: '127.0.0.1',
    secure: false,
    signal: new AbortController().signal,
    logger,
  };
}

// Well-formed but matching no password; enough for validation tests.
const wellFormedHash = '$scrypt$ln=4,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
let aliceHash: string;
let bobHash: string;
let directory: string;

beforeAll(async () => {
  aliceHash = await hashPassword('alice-password', { logCost: 4 });
  bobHash = await hashPassword('bob-password', { logCost: 4 });
});
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ftp-local-auth-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('local authenticator with inline users', () => {
  it('accepts a known user with the right password and returns home and permissions', async () => {
    const authenticator = createLocalAuthenticator({
      users: [{ username: 'alice', passwordHash: aliceHash, homeDirectory: '/alice', permissions: { delete: false } }],
    });
    expect(authenticator.name).toBe('local');
    expect(authenticator.specificationVersion).toBe('v1');
    const result = await authenticator.authenticate({ username: 'alice', password: 'alice-password' }, contextWith());
    expect(result).toEqual({
      outcome: 'accepted',
      user: { username: 'alice', homeDirectory: '/alice', permissions: { delete: false } },
    });
  });

  it('rejects a wrong password and a differently-cased user name', async () => {
    const authenticator = createLocalAuthenticator({ users: [{ username: 'alice', passwordHash: aliceHash }] });
    const wrong = await authenticator.authenticate({ username: 'alice', password: 'nope' }, contextWith());
    const cased = await authenticator.authenticate({ username: 'Alice', password: 'alice-password' }, contextWith());
    expect(wrong).toEqual({ outcome: 'rejected', reason: 'wrong password' });
    expect(cased).toEqual({ outcome: 'rejected', reason: 'unknown user' });
  });

  it('runs a full hash verification for an unknown user, so it cannot be told apart by timing', async () => {
    const authenticator = createLocalAuthenticator({ users: [{ username: 'alice', passwordHash: aliceHash }] });
    const verify = vi.mocked(verifyPassword);
    verify.mockClear();
    await authenticator.authenticate({ username: 'mallory', password: 'alice-password' }, contextWith());
    expect(verify).toHaveBeenCalledTimes(1);
    const dummy = verify.mock.calls[0]?.[1];
    // Same cost parameters as the real user's hash, but a different salt and hash.
    expect(dummy?.startsWith('$scrypt$ln=4,r=8,p=1$')).toBe(true);
    expect(dummy).not.toBe(aliceHash);
  });

  it.each([
    [{}, /users: give "users" or "usersFile"/],
    [{ users: 'alice' }, /^users: must be an array/],
    [{ users: [{ username: '', passwordHash: 'x' }] }, /users\[0\]\.username/],
    [{ users: [{ username: 'a', passwordHash: 'plain' }] }, /users\[0\]\.passwordHash/],
    [{ users: [{ username: 'a', password: 'plain' }] }, /users\[0\]\.password: unknown key .*hash-password/],
    [{ users: [{ username: 'a', passwordHash: wellFormedHash, homeDirectory: 'relative' }] }, /users\[0\]\.homeDirectory/],
    [{ users: [{ username: 'a', passwordHash: wellFormedHash, permissions: { write: true } }] }, /users\[0\]\.permissions\.write/],
    [{ users: [], userFile: 'x' }, /userFile: unknown option/],
  ])('rejects invalid options %j naming the key', (options, message) => {
    const create = () => createLocalAuthenticator(options as never);
    expect(create).toThrow(InvalidOptionError);
    expect(create).toThrow(message);
  });

  it('rejects duplicate user names', () => {
    const users = [
      { username: 'alice', passwordHash: aliceHash },
      { username: 'alice', passwordHash: bobHash },
    ];
    expect(() => createLocalAuthenticator({ users })).toThrow(/users\[1\]\.username: duplicate/);
  });
});

describe('local authenticator with a users file', () => {
  it('reads users from the file at creation', async () => {
    const usersFile = join(directory, 'users.json');
    await writeFile(usersFile, JSON.stringify({ users: [{ username: 'alice', passwordHash: aliceHash }] }));
    const authenticator = createLocalAuthenticator({ usersFile });
    const result = await authenticator.authenticate({ username: 'alice', password: 'alice-password' }, contextWith());
    expect(result.outcome).toBe('accepted');
  });

  it('fails at creation for a missing, malformed or invalid file', async () => {
    const usersFile = join(directory, 'users.json');
    expect(() => createLocalAuthenticator({ usersFile })).toThrow(/usersFile: cannot read/);
    await writeFile(usersFile, '{ not json');
    expect(() => createLocalAuthenticator({ usersFile })).toThrow(/usersFile: .* is not valid JSON/);
    await writeFile(usersFile, JSON.stringify([]));
    expect(() => createLocalAuthenticator({ usersFile })).toThrow(/"users" array/);
    await writeFile(usersFile, JSON.stringify({ users: [{ username: 'a', passwordHash: 'nope' }] }));
    expect(() => createLocalAuthenticator({ usersFile })).toThrow(/users\[0\]\.passwordHash/);
  });

  it('rejects a user defined both inline and in the file', async () => {
    const usersFile = join(directory, 'users.json');
    await writeFile(usersFile, JSON.stringify({ users: [{ username: 'alice', passwordHash: aliceHash }] }));
    const users = [{ username: 'alice', passwordHash: bobHash }];
    expect(() => createLocalAuthenticator({ users, usersFile })).toThrow(/both inline and in the users file/);
  });

  it('re-reads the file when it changes, and keeps the old users when the new file is invalid', async () => {
    const usersFile = join(directory, 'users.json');
    await writeFile(usersFile, JSON.stringify({ users: [{ username: 'alice', passwordHash: aliceHash }] }));
    const authenticator = createLocalAuthenticator({ usersFile });
    const warnings: unknown[] = [];
    const logger = { ...silentLogger, warn: (fields: Record<string, unknown>) => warnings.push(fields) };

    // The size differs, so the change is seen even where modification times are coarse.
    await writeFile(usersFile, JSON.stringify({ users: [{ username: 'bobby', passwordHash: bobHash }] }, null, 2));
    const bob = await authenticator.authenticate({ username: 'bobby', password: 'bob-password' }, contextWith(logger));
    const alice = await authenticator.authenticate({ username: 'alice', password: 'alice-password' }, contextWith());
    expect(bob.outcome).toBe('accepted');
    expect(alice.outcome).toBe('rejected');

    await writeFile(usersFile, '{ broken');
    const stillBob = await authenticator.authenticate({ username: 'bobby', password: 'bob-password' }, contextWith(logger));
    expect(stillBob.outcome).toBe('accepted');
    expect(warnings).toHaveLength(1);
  });
});
