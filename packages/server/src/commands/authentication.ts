import { setTimeout as delay } from 'node:timers/promises';
import {
  AuthenticationUnavailableError,
  SharedStateUnavailableError,
  StorageError,
  type AuthenticatedUser,
  type AuthenticationResult,
  type QuotaFolder,
  type SessionRevalidation,
  type StorageSessionV1,
} from '@ftp/plugin-api';
import { ReplyCode, resolveVirtualPath } from '@ftp/protocol';
import { quotaFoldersProblem, SessionQuota } from '../limits/session-quota.ts';
import type { CommandContext } from '../session/command-context.ts';
import { anonymousPermissions, resolveEffectiveUser } from '../users/effective-user.ts';
import { defineCommand } from '../session/define-command.ts';

/** USER, PASS, ACCT, REIN (RFC 959 §4.1.1). TLS commands (AUTH, PBSZ, PROT) live in tls.ts. */
export const authenticationCommands = [
  defineCommand({
    verb: 'USER',
    requiresLogin: false,
    argument: 'required',
    syntax: 'USER <sp> username',
    handle(context, username) {
      // RFC 4217 §10: with the policy on, refuse before the client sends its password in clear.
      if (context.tls?.requireForLogin === true && !context.state.secure) {
        context.reply(ReplyCode.NotLoggedIn, 'TLS required: send AUTH TLS before USER.');
        return;
      }
      if (context.state.user !== undefined) {
        context.reply(ReplyCode.NotLoggedIn, 'Already logged in; send REIN to change user.');
        return;
      }
      context.beginLogin(username);
      context.reply(ReplyCode.NeedPassword, 'Password required.');
    },
  }),
  defineCommand({
    verb: 'PASS',
    requiresLogin: false,
    argument: 'optional',
    mustFollow: 'USER',
    syntax: 'PASS <sp> password',
    handle: handlePass,
  }),
  defineCommand({
    verb: 'ACCT',
    requiresLogin: false,
    argument: 'required',
    syntax: 'ACCT <sp> account-information',
    handle(context) {
      // RFC 959 §4.1.1: accounts are optional; servers that need none answer 202 to ACCT only after login.
      context.reply(ReplyCode.CommandNotImplemented, 'ACCT not implemented; no account is needed.');
    },
  }),
  defineCommand({
    verb: 'REIN',
    requiresLogin: false,
    argument: 'none',
    syntax: 'REIN',
    async handle(context) {
      await context.logout();
      context.reply(ReplyCode.ServiceReady, 'Service ready for new user.');
    },
  }),
];

async function handlePass(context: CommandContext, password: string): Promise<void> {
  const username = context.takeLoginName();
  if (context.state.user !== undefined) {
    context.reply(ReplyCode.BadSequence, 'Already logged in.');
    return;
  }
  const anonymous = anonymousLogin(context, username);
  const result = anonymous ?? (await authenticate(context, username, password));
  if (result.outcome === 'rejected') {
    await refuseLogin(context, username, result.reason);
    return;
  }
  await completeLogin(context, result.user, result.revalidation);
}

/** RFC 1635 anonymous FTP, when the operator enabled it: any password, the configured root, read-only by default. */
function anonymousLogin(context: CommandContext, username: string): AuthenticationResult | undefined {
  const anonymous = context.settings.anonymous;
  if (anonymous === undefined) return undefined;
  const names = (anonymous.usernames ?? ['anonymous', 'ftp']).map((name) => name.toLowerCase());
  if (!names.includes(username.toLowerCase())) return undefined;
  return {
    outcome: 'accepted',
    user: { username: 'anonymous', rootDirectory: anonymous.rootDirectory, permissions: anonymousPermissions(anonymous.writable ?? false) },
  };
}

/** A wrong login: counted by the defender, slowed down, and after too many the connection ends (421). */
async function refuseLogin(context: CommandContext, username: string, reason: string | undefined): Promise<void> {
  const attempts = context.recordFailedLogin();
  context.logger.debug({ username, reason, attempts }, 'login failed');
  context.emit('login-failed', { attemptedUsername: username });
  const defender = context.limits.defender;
  if (defender !== undefined && (await loginStateCall(() => defender.recordFailure(context.connection.remoteAddress, username)))) {
    context.closeAfter(ReplyCode.ServiceNotAvailable, 'Too many failed logins from your address; try again later.');
    return;
  }
  if (defender !== undefined && defender.failedLoginDelayMs > 0) {
    try {
      await delay(defender.failedLoginDelayMs, undefined, { signal: context.callOptions().signal });
    } catch {
      return; // the session ended while we waited
    }
  }
  if (attempts >= context.settings.maxLoginAttempts) {
    context.closeAfter(ReplyCode.ServiceNotAvailable, 'Too many failed logins, closing control connection.');
  } else {
    context.reply(ReplyCode.NotLoggedIn, 'Login incorrect.');
  }
}

/** Any failure of the authenticator is an outage (421), never a wrong password (530): the contract says so. */
async function authenticate(context: CommandContext, username: string, password: string): Promise<AuthenticationResult> {
  try {
    return await context.authenticate({ username, password });
  } catch (error) {
    if (AuthenticationUnavailableError.isInstance(error)) throw error;
    throw new AuthenticationUnavailableError('authenticator failed', { cause: error });
  }
}

/** An accepted login: session slot, storage, quota usage, home directory, then 230. */
async function completeLogin(
  context: CommandContext,
  user: AuthenticatedUser,
  revalidation: SessionRevalidation | undefined,
): Promise<void> {
  const { limits } = context;
  const effective = resolveEffectiveUser(user, context.settings.userDefaults);
  if (!(await loginStateCall(() => limits.acquireSession(user.username, effective.maxSessions, effective.bandwidth)))) {
    context.logger.info({ username: user.username, maxSessions: effective.maxSessions }, 'session limit of the user reached');
    context.closeAfter(ReplyCode.ServiceNotAvailable, 'Too many sessions for this user; try again later.');
    return;
  }
  const storage = await openStorage(context, user);
  if (storage === undefined) {
    limits.releaseSession(user.username);
    return;
  }
  const folders = quotaFoldersOf(context, storage);
  if (folders === undefined) {
    limits.releaseSession(user.username);
    await storage.close?.().catch(() => undefined);
    context.closeAfter(ReplyCode.ServiceNotAvailable, 'Quota accounting not available, closing control connection.');
    return;
  }
  const quota =
    effective.quota === undefined && folders.length === 0 ? undefined : new SessionQuota(user.username, effective.quota, folders, limits);
  context.login(effective, storage, quota, revalidation);
  if (quota !== undefined) await loginStateCall(() => quota.scan(storage, context.callOptions()));
  context.changeDirectory(await homeDirectory(context, user));
  context.logger.debug({ username: user.username, storage: context.settings.storageName }, 'login');
  context.emit('login', {});
  context.reply(ReplyCode.LoggedIn, 'Login successful.');
}

/**
 * A login step that asks the shared state: when the state cannot answer, the login fails as an outage (421 and the
 * connection closed), never as a wrong password (530), and never admits a session it could not count.
 */
async function loginStateCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!SharedStateUnavailableError.isInstance(error)) throw error;
    throw new AuthenticationUnavailableError('the shared state did not answer the login', { cause: error });
  }
}

/**
 * The quota folders of the user's tree, or undefined (logged) when the storage cannot name them or they cannot be
 * counted (`quotaFoldersProblem`): the login is then refused.
 */
function quotaFoldersOf(context: CommandContext, storage: StorageSessionV1): readonly QuotaFolder[] | undefined {
  let folders: readonly QuotaFolder[];
  try {
    folders = storage.quotaFolders?.() ?? [];
  } catch (error) {
    context.logger.error({ err: error }, 'the storage could not name its quota folders: login refused');
    return undefined;
  }
  const problem = quotaFoldersProblem(folders, context.limits.sharedState);
  if (problem === undefined) return folders;
  context.logger.error(problem.details, `${problem.reason}: login refused`);
  return undefined;
}

async function openStorage(context: CommandContext, user: AuthenticatedUser): Promise<StorageSessionV1 | undefined> {
  try {
    return await context.openStorage(user);
  } catch (error) {
    // The storage refusing this user (e.g. a name unsafe for a per-user root) is a refused login, not an outage.
    if (StorageError.isInstance(error) && error.storageCode === 'EACCES') {
      context.logger.warn({ username: user.username }, 'storage refused the user');
      context.emit('login-failed', { attemptedUsername: user.username });
      context.reply(ReplyCode.NotLoggedIn, 'Login incorrect.');
      return undefined;
    }
    context.logger.error({ username: user.username, error: String(error) }, 'storage session could not be opened');
    context.closeAfter(ReplyCode.ServiceNotAvailable, 'Storage not available, closing control connection.');
    return undefined;
  }
}

/** The user's home if it exists as a directory, "/" otherwise (logged, since the operator configured it). */
async function homeDirectory(context: CommandContext, user: AuthenticatedUser): Promise<string> {
  const home = resolveVirtualPath('/', user.homeDirectory ?? '/');
  if (home === '/') return home;
  try {
    const entry = await context.storage().stat(home, context.callOptions());
    if (entry.type === 'directory') return home;
  } catch {
    // fall through
  }
  context.logger.warn({ username: user.username, home }, 'home directory missing; starting at /');
  return '/';
}
