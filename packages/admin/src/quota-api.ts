import type { IncomingMessage, ServerResponse } from 'node:http';
import type { QuotaUsage, UserStoreV1 } from '@ftp/plugin-api';
import type { AdminTarget } from './admin-target.ts';
import { ApiError, sendJson } from './http-io.ts';

/** What a quota route needs. */
export interface QuotaContext {
  readonly users: UserStoreV1 | undefined;
  readonly server: AdminTarget;
  audit(action: string, details: Record<string, unknown>): void;
}

/**
 * `GET /api/quota/{username}`: the usage the shared state counts; `POST /api/quota/{username}/rescan`: recount the
 * user's files from the storage. A rescan needs the user store, which knows the user's root directory: counting
 * another user's tree would set a wrong usage.
 */
export async function handleQuota(request: IncomingMessage, response: ServerResponse, path: string, context: QuotaContext): Promise<void> {
  const method = request.method ?? 'GET';
  const rescan = path.endsWith('/rescan');
  const username = decodeURIComponent(path.slice('/api/quota/'.length, rescan ? -'/rescan'.length : undefined));
  request.resume();
  if (!rescan) {
    if (method !== 'GET') throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on a quota`);
    return sendJson(response, 200, quotaView(username, await context.server.quotaUsage(username)));
  }
  if (method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'rescan with POST');
  if (context.users === undefined)
    throw new ApiError(501, 'not_supported', "a rescan needs the user store (to know the user's root directory)");
  const user = await context.users.getUser(username);
  if (user === undefined) throw new ApiError(404, 'not_found', `no user "${username}"`);
  const usage = await context.server.rescanQuota({
    username,
    ...(user.rootDirectory === undefined ? {} : { rootDirectory: user.rootDirectory }),
  });
  context.audit('quota.rescan', { username, bytes: usage.bytes, files: usage.files });
  sendJson(response, 200, quotaView(username, usage));
}

/** The `Quota` schema. */
function quotaView(username: string, usage: QuotaUsage | undefined) {
  return { username, usage: usage === undefined ? null : { bytes: usage.bytes, files: usage.files } };
}
