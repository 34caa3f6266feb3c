import { AuthenticationUnavailableError, StorageError, type AuthenticatedUser, type AuthenticationResult } from '@ftp/plugin-api';
import { ReplyCode, resolveVirtualPath } from '@ftp/protocol';
import type { CommandContext } from '../session/command-context.ts';
import { defineCommand } from './define-command.ts';

/** USER, PASS, ACCT, REIN (RFC 959 §4.1.1). TLS commands (AUTH, PBSZ, PROT) live in tls.ts. */
export const authenticationCommands = [
  defineCommand({
    verb: 'USER',
    requiresLogin: false,
    argument: 'required',
    syntax: 'USER <sp> username',
    handle(context, username) {
      // RFC 4217 §10: with the policy on, refuse before the client sends its password in clear.
      if (context.tls?.policy.requireForLogin === true && !context.state.secure) {
        context.reply(ReplyCode.NotLoggedIn, 'TLS required: send AUTH TLS before USER.');
        return;
      }
      if (context.state.user !== undefined) {
        context.reply(ReplyCode.NotLoggedIn, 'Already logged in; send REIN to change user.');
        return;
      }
      context.state.pendingUsername = username;
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
  const { state, options } = context;
  const username = state.pendingUsername!;
  state.pendingUsername = undefined;
  if (state.user !== undefined) {
    context.reply(ReplyCode.BadSequence, 'Already logged in.');
    return;
  }
  const result = await authenticate(context, username, password);
  if (result.outcome === 'rejected') {
    state.loginAttempts++;
    context.logger.debug({ username, reason: result.reason, attempts: state.loginAttempts }, 'login failed');
    context.emit('login-failed', { attemptedUsername: username });
    if (state.loginAttempts >= options.maxLoginAttempts) {
      context.closeAfter(ReplyCode.ServiceNotAvailable, 'Too many failed logins, closing control connection.');
    } else {
      context.reply(ReplyCode.NotLoggedIn, 'Login incorrect.');
    }
    return;
  }
  await openStorage(context, result.user);
  if (state.user !== undefined && result.revalidation !== undefined) {
    state.revalidation = { check: result.revalidation, validatedAt: Date.now() };
  }
}

/** Any failure of the authenticator is an outage (421), never a wrong password (530): the contract says so. */
async function authenticate(context: CommandContext, username: string, password: string): Promise<AuthenticationResult> {
  try {
    return await context.options.authenticator.authenticate({ username, password }, context.pluginContext());
  } catch (error) {
    if (AuthenticationUnavailableError.isInstance(error)) throw error;
    throw new AuthenticationUnavailableError('authenticator failed', { cause: error });
  }
}

async function openStorage(context: CommandContext, user: AuthenticatedUser): Promise<void> {
  const { state } = context;
  let storage;
  try {
    storage = await context.options.storage.openSession(user, context.pluginContext());
  } catch (error) {
    // The storage refusing this user (e.g. a name unsafe for a per-user root) is a refused login, not an outage.
    if (StorageError.isInstance(error) && error.storageCode === 'EACCES') {
      context.logger.warn({ username: user.username }, 'storage refused the user');
      context.emit('login-failed', { attemptedUsername: user.username });
      context.reply(ReplyCode.NotLoggedIn, 'Login incorrect.');
      return;
    }
    context.logger.error({ username: user.username, error: String(error) }, 'storage session could not be opened');
    context.closeAfter(ReplyCode.ServiceNotAvailable, 'Storage not available, closing control connection.');
    return;
  }
  state.user = user;
  state.storage = storage;
  state.loginAttempts = 0;
  state.currentDirectory = await homeDirectory(context, user);
  context.logger.debug({ username: user.username, storage: context.options.storage.name }, 'login');
  context.emit('login', {});
  context.reply(ReplyCode.LoggedIn, 'Login successful.');
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
