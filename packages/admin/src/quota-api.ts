import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AuthenticatedUser, type QuotaUsage, StorageError, type StoredUser, UserStoreError, type UserStoreV1 } from '@ftp/plugin-api';
import type { AdminQuotaReport, AdminTarget } from './admin-target.ts';
import { ApiError, sendJson } from './http-io.ts';

/** What a quota route needs. */
export interface QuotaContext {
  readonly users: UserStoreV1 | undefined;
  readonly server: AdminTarget;
  audit(action: string, details: Record<string, unknown>): void;
}

/**
 * `GET /api/quota/{username}`: the usage the shared state counts, and the quota folders of the user's tree with their
 * limits and usage; `POST /api/quota/{username}/rescan`: recount the user's files from the storage. Both open the
 * user's storage as a login would, so they need the user store, which knows the user's root directory and attributes
 * (the mounts storage builds the tree from `attributes.mounts`): another user's tree would give a wrong count.
 */
export async function handleQuota(request: IncomingMessage, response: ServerResponse, path: string, context: QuotaContext): Promise<void> {
  const method = request.method ?? 'GET';
  const rescan = path.endsWith('/rescan');
  const username = decodeURIComponent(path.slice('/api/quota/'.length, rescan ? -'/rescan'.length : undefined));
  request.resume();
  if (!rescan) {
    if (method !== 'GET') throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on a quota`);
    return sendJson(response, 200, reportView(username, await quotaReport(username, context)));
  }
  if (method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'rescan with POST');
  if (context.users === undefined)
    throw new ApiError(501, 'not_supported', "a rescan needs the user store (to know the user's root directory and attributes)");
  const user = await context.users.getUser(username);
  if (user === undefined) throw new ApiError(404, 'not_found', `no user "${username}"`);
  const usage = await rescanned(context.server, loginUser(user));
  context.audit('quota.rescan', { username, bytes: usage.bytes, files: usage.files });
  sendJson(response, 200, quotaView(username, usage));
}

/**
 * The rescan's count; a storage that refuses the user's tree (a record's mounts it cannot read) or does not answer is
 * named to the admin, as it is the record's or the backend's fault, not the API's.
 */
async function rescanned(server: AdminTarget, user: AuthenticatedUser): Promise<QuotaUsage> {
  try {
    return await server.rescanQuota(user);
  } catch (error) {
    if (!StorageError.isInstance(error)) throw error;
    if (error.storageCode === 'EUNAVAILABLE') throw new ApiError(503, 'unavailable', `the user's storage did not answer: ${error.message}`);
    throw new ApiError(409, 'conflict', `the user's storage refused the rescan: ${error.message}`);
  }
}

/**
 * The user's usage, and the folders when the user's tree can be known: a missing user store, user or storage leaves
 * them unknown with the reason, while the usage is still answered (the shared state alone knows it).
 */
async function quotaReport(username: string, context: QuotaContext): Promise<AdminQuotaReport> {
  const { server, users } = context;
  const unknown = async (foldersError: string): Promise<AdminQuotaReport> => ({
    usage: await server.quotaUsage(username),
    folders: undefined,
    foldersError,
  });
  if (server.quotaReport === undefined) return unknown("this server cannot list the quota folders of a user's tree");
  if (users === undefined) return unknown("the authenticator keeps no user store, which alone knows the user's tree");
  let user: StoredUser | undefined;
  try {
    user = await users.getUser(username);
  } catch (error) {
    if (!UserStoreError.isInstance(error)) throw error;
    return unknown(`the user store did not answer: ${error.message}`);
  }
  if (user === undefined) return unknown(`no user "${username}" in the user store`);
  return server.quotaReport(loginUser(user));
}

/** The user as a login hands it to the storage: every fact a storage may build the user's tree from. */
function loginUser(user: StoredUser): AuthenticatedUser {
  return {
    username: user.username,
    ...(user.homeDirectory === undefined ? {} : { homeDirectory: user.homeDirectory }),
    ...(user.rootDirectory === undefined ? {} : { rootDirectory: user.rootDirectory }),
    ...(user.attributes === undefined ? {} : { attributes: user.attributes }),
    ...(user.quota === undefined ? {} : { quota: user.quota }),
  };
}

/** The `Quota` schema. */
function quotaView(username: string, usage: QuotaUsage | undefined) {
  return { username, usage: usageView(usage) };
}

/** The `QuotaReport` schema: `Quota` and the folders. */
function reportView(username: string, report: AdminQuotaReport) {
  return {
    ...quotaView(username, report.usage),
    folders:
      report.folders?.map((folder) => ({
        name: folder.name,
        path: folder.path,
        maxBytes: folder.maxBytes ?? null,
        maxFiles: folder.maxFiles ?? null,
        usage: usageView(folder.usage),
      })) ?? null,
    foldersError: report.folders === undefined ? (report.foldersError ?? 'unknown') : null,
  };
}

function usageView(usage: QuotaUsage | undefined) {
  return usage === undefined ? null : { bytes: usage.bytes, files: usage.files };
}
