import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAuthenticatorConformance } from '@ftp/plugin-api/testing';
import { createLocalAuthenticator, type LocalAuthenticatorOptions } from './local-authenticator.ts';
import type { LocalUserConfig } from './local-users.ts';
import { hashPassword } from '@ftp/plugin-api/password';

// The built-in "local" authenticator runs the same contract kit as the plugins (auth-http, the htpasswd example).
// It has no backend that can go down: its users live in memory, and a users file that cannot be read again keeps
// the previous users in force (see LocalAuthenticatorOptions.usersFile), so there is no `createUnavailable`.

const alice = { username: 'Alice', password: 'Correct Horse' };
const bob = { username: 'bob', password: 'Tr0ub4dor&3' };

/** Hashes made once per cost: the kit builds a fresh authenticator for every check. */
const hashes = new Map<number | undefined, Promise<{ alice: string; bob: string }>>();
function hashesAt(logCost: number | undefined) {
  let found = hashes.get(logCost);
  if (found === undefined) {
    const options = logCost === undefined ? {} : { logCost };
    found = Promise.all([hashPassword(alice.password, options), hashPassword(bob.password, options)]).then(([a, b]) => ({
      alice: a,
      bob: b,
    }));
    hashes.set(logCost, found);
  }
  return found;
}

async function users(logCost: number | undefined): Promise<LocalUserConfig[]> {
  const hash = await hashesAt(logCost);
  return [
    {
      username: alice.username,
      passwordHash: hash.alice,
      homeDirectory: '/incoming',
      rootDirectory: '/alice',
      permissions: { delete: false },
      maxSessions: 2,
    },
    { username: bob.username, passwordHash: hash.bob },
  ];
}

runAuthenticatorConformance('local (inline users)', async () => ({
  authenticator: createLocalAuthenticator({ users: await users(4) }),
  validCredentials: alice,
}));

// The users file, with hashes of the default cost (what `ftp-server hash-password` writes), and one inline user.
runAuthenticatorConformance('local (users file, default hash cost)', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'ftp-local-conformance-'));
  const usersFile = join(directory, 'users.json');
  const [fileUser, inlineUser] = await users(undefined);
  await writeFile(usersFile, JSON.stringify({ users: [fileUser] }));
  const options: LocalAuthenticatorOptions = { usersFile, users: [inlineUser!] };
  return {
    authenticator: createLocalAuthenticator(options),
    validCredentials: alice,
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
});
