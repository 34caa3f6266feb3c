import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FtpError,
  parseUserChanges,
  parseUserProfile,
  type StoredUser,
  userChangeKeys,
  UserStoreError,
  type UserStoreV1,
} from '@ftp/plugin-api';
import type { AdminTarget } from './admin-target.ts';
import { ApiError, readJsonObject, sendEmpty, sendJson, stringField } from './http-io.ts';

/** What a user route needs: the store, the server (to end a disabled user's sessions) and the audit line. */
export interface UsersContext {
  readonly users: UserStoreV1 | undefined;
  readonly server: AdminTarget;
  audit(action: string, details: Record<string, unknown>): void;
}

/** The fields a new user may carry (`NewStoredUser`): its name, password and enabled flag, and the profile facts. */
const newUserKeys = new Set<string>(['username', 'password', 'enabled', ...userChangeKeys, 'maxSessions']);

/**
 * The fields a change may carry: a password and the enabled flag, and the profile facts of `UserChanges` when the
 * store has `updateUser`.
 */
const changeKeys = new Set<string>(['password', 'enabled', ...userChangeKeys]);

/**
 * `/api/users` and `/api/users/{name}`: list, add, show, change (password, enabled, permissions, quota, bandwidth,
 * directories, attributes), delete, over the authenticator's user store. A disabled or deleted user's open sessions end at once
 * (421); other changes apply at the next login, while open sessions keep what they logged in with.
 */
export async function handleUsers(request: IncomingMessage, response: ServerResponse, path: string, context: UsersContext): Promise<void> {
  const store = context.users;
  if (store === undefined) {
    request.resume();
    throw new ApiError(
      501,
      'not_supported',
      'the authenticator keeps no users this server can change (use "local" with a usersFile, or PostgreSQL)',
    );
  }
  const method = request.method ?? 'GET';
  try {
    if (path === '/api/users') {
      if (method === 'GET') {
        const users = (await store.listUsers()).map(userView);
        return sendJson(response, 200, { users, profileChanges: store.updateUser !== undefined });
      }
      if (method === 'POST') return await addUser(request, response, store, context);
      throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on the user list`);
    }
    const username = decodeURIComponent(path.slice('/api/users/'.length));
    if (method === 'GET') return sendUser(response, 200, await existing(store, username));
    if (method === 'PATCH') return await changeUser(request, response, store, username, context);
    if (method === 'DELETE') {
      await store.deleteUser(username);
      context.audit('user.delete', { username });
      const ended = await context.server.endSessionsOf(username, 'Your account was removed.');
      if (ended > 0) context.audit('user.sessions-ended', { username, sessions: ended });
      return sendEmpty(response, 204);
    }
    throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on a user`);
  } catch (error) {
    throw apiErrorOf(error);
  }
}

async function addUser(request: IncomingMessage, response: ServerResponse, store: UserStoreV1, context: UsersContext): Promise<void> {
  const body = await readJsonObject(request);
  refuseUnknown(body, newUserKeys);
  const username = stringField(body, 'username', 255, 1);
  const password = stringField(body, 'password', 1024, 1);
  const enabled = optionalBoolean(body, 'enabled');
  const { username: _name, password: _password, enabled: _enabled, ...facts } = body;
  const profile = parseUserProfile(facts, 'body');
  await store.addUser({ ...profile, username, password, ...(enabled === undefined ? {} : { enabled }) });
  // The password never reaches the log: only the facts that were set are named.
  context.audit('user.add', { username, fields: Object.keys(facts).sort(), enabled: enabled ?? true });
  response.setHeader('location', `/api/users/${encodeURIComponent(username)}`);
  sendUser(response, 201, await existing(store, username));
}

async function changeUser(
  request: IncomingMessage,
  response: ServerResponse,
  store: UserStoreV1,
  username: string,
  context: UsersContext,
): Promise<void> {
  const body = await readJsonObject(request);
  refuseUnknown(body, changeKeys);
  const password = body.password === undefined ? undefined : stringField(body, 'password', 1024, 1);
  const enabled = optionalBoolean(body, 'enabled');
  // Every field is checked before anything is written, so a refused request changes nothing.
  const { password: _password, enabled: _enabled, ...profileFields } = body;
  const changes = parseUserChanges(profileFields);
  const changed = Object.keys(changes).sort();
  if (changed.length > 0 && store.updateUser === undefined) {
    throw new ApiError(501, 'not_supported', `this user store cannot change ${changed.join(', ')}: only the password and the enabled flag`);
  }
  const current = await existing(store, username);
  // If-Match (RFC 9110 §13.1.1): the change is made only to the user as the client read it. The profile change is
  // conditional in the store itself (ifRevision), so a writer between this read and the write is noticed too; the
  // password and the enabled flag are set whole, from nothing the client read, and follow it.
  const ifRevision = matchedRevision(request.headers['if-match'], current);
  if (changed.length > 0) {
    await store.updateUser?.(username, changes, ...(ifRevision === undefined ? [] : [{ ifRevision }]));
    // The names of the changed facts only; the values are in the users file or table.
    context.audit('user.update', { username, fields: changed });
  }
  if (password !== undefined) {
    await store.setPassword(username, password);
    context.audit('user.password', { username });
  }
  if (enabled !== undefined) {
    await store.setEnabled(username, enabled);
    context.audit(enabled ? 'user.enable' : 'user.disable', { username });
    if (!enabled) {
      const ended = await context.server.endSessionsOf(username, 'Your account was disabled.');
      if (ended > 0) context.audit('user.sessions-ended', { username, sessions: ended });
    }
  }
  sendUser(response, 200, await existing(store, username));
}

/** A user's JSON with its revision as the ETag (RFC 9110 §8.8.3), for If-Match on a later PATCH. */
function sendUser(response: ServerResponse, status: number, user: StoredUser): void {
  if (user.revision !== undefined && entityTagText.test(user.revision)) response.setHeader('etag', `"${user.revision}"`);
  sendJson(response, status, userView(user));
}

/** What an opaque entity tag may hold between its quotes (RFC 9110 §8.8.3: etagc, a comma included). */
const entityTagChar = '[\\x21\\x23-\\x7e]';
const entityTagText = new RegExp(`^${entityTagChar}+$`);
/** One entity tag of an If-Match list and the comma or end after it; a comma between the quotes is the tag's own. */
const entityTagItem = new RegExp(`\\s*(W/)?"(${entityTagChar}*)"\\s*(?:,\\s*|$)`, 'y');

/**
 * The revision a PATCH must still find, from its If-Match header: undefined without the header or with "*" (any
 * current user, and the user exists). Throws 412 when no tag of the list is the user's revision; a weak tag (W/)
 * never matches (If-Match compares strongly), and neither does any tag of a user whose store keeps no revisions.
 */
function matchedRevision(header: string | string[] | undefined, user: StoredUser): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(', ') : header;
  if (value.trim() === '*') return undefined;
  const tags = strongEntityTags(value);
  if (tags === undefined) {
    throw new ApiError(
      400,
      'bad_request',
      'If-Match must be "*" or entity tags in double quotes, such as the ETag of GET /api/users/{username}',
    );
  }
  if (user.revision !== undefined && tags.includes(user.revision)) return user.revision;
  throw new ApiError(
    412,
    'conflict',
    user.revision === undefined
      ? `user "${user.username}" has no revision in this user store, so If-Match cannot hold; nothing was changed`
      : `user "${user.username}" was changed since it was read (its revision is not the one of If-Match); nothing was changed: read it again`,
  );
}

/** The opaque values of the strong tags of an If-Match list; undefined when the list is empty or malformed. */
function strongEntityTags(list: string): string[] | undefined {
  const tags: string[] = [];
  entityTagItem.lastIndex = 0;
  do {
    const item = entityTagItem.exec(list);
    if (item === null) return undefined;
    if (item[1] === undefined) tags.push(item[2] ?? '');
  } while (entityTagItem.lastIndex < list.length);
  return tags;
}

async function existing(store: UserStoreV1, username: string): Promise<StoredUser> {
  const user = await store.getUser(username);
  if (user === undefined) throw new ApiError(404, 'not_found', `no user "${username}"`);
  return user;
}

function refuseUnknown(body: Record<string, unknown>, known: ReadonlySet<string>): void {
  const unknown = Object.keys(body).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new ApiError(400, 'bad_request', `unknown field "${unknown[0]}" (known: ${[...known].join(', ')})`);
}

function optionalBoolean(body: Record<string, unknown>, name: string): boolean | undefined {
  const value = body[name];
  if (value !== undefined && typeof value !== 'boolean') throw new ApiError(400, 'bad_request', `"${name}" must be true or false`);
  return value;
}

/** The `User` schema: what the store shows, never a password or its hash. */
function userView(user: StoredUser) {
  return {
    username: user.username,
    enabled: user.enabled,
    writable: user.writable ?? true,
    homeDirectory: user.homeDirectory ?? null,
    rootDirectory: user.rootDirectory ?? null,
    permissions: { ...user.permissions },
    directoryPermissions: { ...user.directoryPermissions },
    quota: user.quota === undefined ? null : { ...user.quota },
    bandwidth: user.bandwidth === undefined ? null : { ...user.bandwidth },
    attributes: user.attributes === undefined ? null : { ...user.attributes },
    revision: user.revision ?? null,
  };
}

function apiErrorOf(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  if (FtpError.isInstance(error) && error.code === 'FTP_ERR_INVALID_OPTION') return new ApiError(400, 'bad_request', error.message);
  if (UserStoreError.isInstance(error)) {
    switch (error.reason) {
      case 'user-exists':
        return new ApiError(409, 'conflict', error.message);
      case 'no-such-user':
        return new ApiError(404, 'not_found', error.message);
      case 'read-only-user':
        return new ApiError(409, 'read_only', error.message);
      case 'invalid-user':
        return new ApiError(400, 'bad_request', error.message);
      case 'conflict':
        // An If-Match the store found stale when it wrote: another writer came between the read and the write.
        return new ApiError(412, 'conflict', error.message);
      case 'unavailable':
        return new ApiError(503, 'unavailable', error.message);
    }
  }
  return error;
}
