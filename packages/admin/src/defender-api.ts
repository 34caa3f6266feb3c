import type { IncomingMessage, ServerResponse } from 'node:http';
import { FtpError } from '@ftp/plugin-api';
import type { AdminTarget } from './admin-target.ts';
import { ApiError, readJsonObject, sendEmpty, sendJson, stringField } from './http-io.ts';

/** What a defender route needs: the server and the audit line. */
export interface DefenderContext {
  readonly server: AdminTarget;
  audit(action: string, details: Record<string, unknown>): void;
}

/**
 * `/api/defender`: bans and failure counts, lifting a ban, adding to the allow list. Bans and counts are the shared
 * state's (every instance sees the same); the allow list is this server's.
 */
export async function handleDefender(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  context: DefenderContext,
): Promise<void> {
  const method = request.method ?? 'GET';
  const { defender } = context.server;
  if (path === '/api/defender') {
    if (method !== 'GET') throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on the defender`);
    const state = await defender.state();
    return sendJson(response, 200, {
      enabled: defender.enabled,
      bans: state === undefined ? null : state.bans.map((ban) => ({ address: ban.address, until: new Date(ban.until).toISOString() })),
      failures: state === undefined ? null : state.failures.map(({ address, count }) => ({ address, count })),
      allowList: [...defender.allowList],
    });
  }
  if (path === '/api/defender/allow-list') {
    if (method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'add to the allow list with POST');
    const body = await readJsonObject(request);
    const address = stringField(body, 'address', 64, 1);
    if (!defender.enabled) throw new ApiError(501, 'not_supported', 'the defender is off: there is no allow list');
    try {
      await defender.allow(address);
    } catch (error) {
      if (FtpError.isInstance(error) && error.code === 'FTP_ERR_INVALID_OPTION') throw new ApiError(400, 'bad_request', error.message);
      throw error;
    }
    context.audit('defender.allow', { address });
    return sendJson(response, 201, { allowList: [...defender.allowList] });
  }
  const address = decodeURIComponent(path.slice('/api/defender/bans/'.length));
  if (method !== 'DELETE') throw new ApiError(405, 'method_not_allowed', 'lift a ban with DELETE');
  const outcome = await defender.liftBan(address);
  if (outcome === 'unsupported') throw new ApiError(501, 'not_supported', 'the shared state cannot lift bans');
  if (outcome === 'not-banned') throw new ApiError(404, 'not_found', `${address} is not banned`);
  context.audit('defender.unban', { address });
  sendEmpty(response, 204);
}
