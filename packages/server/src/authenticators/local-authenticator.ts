import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  InvalidOptionError,
  type AuthenticationRequest,
  type AuthenticationResult,
  type AuthenticatorV1,
  type PluginContext,
} from '@ftp/plugin-api';
import { parseLocalUsers, parseUsersFile, type LocalUser, type LocalUserConfig } from './local-users.ts';
import { createDummyPasswordHash, verifyPassword } from '@ftp/plugin-api/password';
import { createLocalUserStore } from './local-user-store.ts';

/** Options of `createLocalAuthenticator`. At least one of `users` and `usersFile` is required. */
export interface LocalAuthenticatorOptions {
  /** Users given inline. */
  readonly users?: readonly LocalUserConfig[];
  /**
   * Path of a JSON file `{ "users": [ { "username", "passwordHash", "homeDirectory"?, "permissions"? } ] }`, read
   * when the authenticator is created. When the file changes (size, modification time), it is read again on the
   * next login; if the new content is invalid, the previous users stay in force and a warning is logged. With a
   * users file, the authenticator offers `users` (`ftp-server users`), which writes that file.
   */
  readonly usersFile?: string;
}

const optionKeys = ['users', 'usersFile'];

interface FileSnapshot {
  readonly signature: string;
  readonly users: Map<string, LocalUser>;
}

/**
 * Authenticates users against a fixed list of scrypt password hashes ("local"). Throws `InvalidOptionError` at
 * creation for a missing, unreadable or invalid users file or list, naming the faulty key.
 *
 * An unknown user name is checked against a dummy hash of the same cost, so a login attempt costs the same time
 * whether or not the user exists.
 */
export function createLocalAuthenticator(options: LocalAuthenticatorOptions): AuthenticatorV1 {
  const inlineUsers = readInlineUsers(options);
  const usersFile = options.usersFile === undefined ? undefined : resolve(options.usersFile);
  let snapshot = usersFile === undefined ? undefined : readUsersFileSync(usersFile);
  checkNoOverlap(inlineUsers, snapshot?.users);
  let reloading: Promise<void> | undefined;

  const firstUser = inlineUsers.values().next().value ?? snapshot?.users.values().next().value;
  const dummyHash = createDummyPasswordHash(firstUser?.parsedHash);

  async function reloadIfChanged(context: PluginContext): Promise<void> {
    if (usersFile === undefined) return;
    try {
      const signature = signatureOf(await stat(usersFile));
      if (signature === snapshot?.signature) return;
      const users = parseUsersFile(await readFile(usersFile, 'utf8'), usersFile);
      checkNoOverlap(inlineUsers, users);
      snapshot = { signature, users };
      context.logger.info({ usersFile, users: users.size }, 'users file reloaded');
    } catch (error) {
      context.logger.warn({ usersFile, error: (error as Error).message }, 'users file not reloaded; keeping previous users');
    }
  }

  return Object.freeze({
    specificationVersion: 'v1' as const,
    name: 'local',
    async authenticate(request: AuthenticationRequest, context: PluginContext): Promise<AuthenticationResult> {
      // Logins that arrive while the file is being read wait for that one read instead of starting their own.
      reloading ??= reloadIfChanged(context).finally(() => {
        reloading = undefined;
      });
      await reloading;
      const user = inlineUsers.get(request.username) ?? snapshot?.users.get(request.username);
      const matches = await verifyPassword(request.password, user?.passwordHash ?? dummyHash);
      if (user === undefined) return { outcome: 'rejected', reason: 'unknown user' };
      if (!matches) return { outcome: 'rejected', reason: 'wrong password' };
      if (!user.enabled) return { outcome: 'rejected', reason: 'user disabled' };
      return {
        outcome: 'accepted',
        user: { ...user.profile, username: user.username },
      };
    },
    ...(usersFile === undefined ? {} : { users: createLocalUserStore({ usersFile, inlineUsers }) }),
  });
}

function readInlineUsers(options: LocalAuthenticatorOptions): Map<string, LocalUser> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', 'must be an object with "users" or "usersFile"');
  }
  const unknownKey = Object.keys(options).find((key) => !optionKeys.includes(key));
  if (unknownKey !== undefined) {
    throw new InvalidOptionError(unknownKey, `unknown option (known: ${optionKeys.join(', ')})`);
  }
  if (options.users === undefined && options.usersFile === undefined) {
    throw new InvalidOptionError('users', 'give "users" or "usersFile" (or both)');
  }
  if (options.usersFile !== undefined && (typeof options.usersFile !== 'string' || options.usersFile === '')) {
    throw new InvalidOptionError('usersFile', 'must be a file path');
  }
  return options.users === undefined ? new Map() : parseLocalUsers(options.users, 'users');
}

function readUsersFileSync(usersFile: string): FileSnapshot {
  let text: string;
  let signature: string;
  try {
    signature = signatureOf(statSync(usersFile));
    text = readFileSync(usersFile, 'utf8');
  } catch (error) {
    throw new InvalidOptionError('usersFile', `cannot read ${usersFile}: ${(error as Error).message}`);
  }
  return { signature, users: parseUsersFile(text, usersFile) };
}

function checkNoOverlap(inline: Map<string, LocalUser>, fromFile: Map<string, LocalUser> | undefined): void {
  for (const username of fromFile?.keys() ?? []) {
    if (inline.has(username)) {
      throw new InvalidOptionError('usersFile', `user "${username}" is defined both inline and in the users file`);
    }
  }
}

function signatureOf(stats: { mtimeMs: number; size: number; ino: number }): string {
  return `${stats.mtimeMs}:${stats.size}:${stats.ino}`;
}
