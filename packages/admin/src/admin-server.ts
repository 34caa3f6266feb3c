import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { InvalidOptionError, SharedStateUnavailableError } from '@ftp/plugin-api';
import type { UserStoreV1 } from '@ftp/plugin-api';
import type { ServerLogger } from '@ftp/server';
import type { AdminTarget, RestartOutcome } from './admin-target.ts';
import { AdminLogins, type AdminAccount, type AdminToken } from './admin-login.ts';
import { serverView, sessionView } from './api-views.ts';
import { streamEvents } from './event-stream.ts';
import { ApiError, readJsonObject, sendEmpty, sendError, sendJson, stringField } from './http-io.ts';
import { openApiDocument } from './openapi.ts';
import { handleUsers } from './users-api.ts';
import { handleDefender } from './defender-api.ts';
import { handleQuota } from './quota-api.ts';
import { pageCss, pageHtml, pageScript } from './web/page.ts';

export interface AdminServerOptions {
  /** The FTP server to show and steer: an `FtpServer`, or a view over several processes. */
  readonly server: AdminTarget;
  readonly accounts: readonly AdminAccount[];
  /**
   * The FTP users to list, add and change: the authenticator's user store (`AuthenticatorV1.users`), when it keeps
   * one. Without it the user routes answer 501.
   */
  readonly users?: UserStoreV1 | undefined;
  /** Where login failures and every change go, each line with the admin's name (`admin`). */
  readonly logger: ServerLogger;
  /** Default 127.0.0.1: the admin API is for the operator's network, not the FTP clients'. */
  readonly host?: string;
  /** 0 picks a free port (read it back from the result). */
  readonly port: number;
  /** HTTPS with this certificate and key (e.g. the FTPS pair); plain HTTP without. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Reported by `GET /api/server`. */
  readonly version?: string;
  /** How long a login's token stays valid. Default 15 minutes. */
  readonly tokenTtlMs?: number;
  /**
   * Replaces the server's worker processes one at a time (`POST /api/server/restart`), resolving once the last one was
   * replaced. Without it (one process: nothing to replace but the process itself) the route answers 501.
   */
  readonly restart?: (reason: string) => Promise<RestartOutcome>;
}

/** The running admin listener. */
export interface AdminServer {
  readonly address: string;
  readonly port: number;
  /** `http://…` or `https://…`, the address of the web page. */
  readonly url: string;
  /** Replaces the HTTPS certificate (with the FTPS one, when that is reloaded); connections from now on use it. */
  setTlsCertificate(certificate: { readonly cert: string | Buffer; readonly key: string | Buffer }): void;
  /** Stops listening and ends open connections (event streams included). */
  close(): Promise<void>;
}

const defaultTokenTtlMs = 15 * 60_000;

/** The web page's files, sent as they are: no build step. */
const pages: ReadonlyMap<string, { body: Buffer; type: string }> = new Map([
  ['/', { body: Buffer.from(pageHtml), type: 'text/html; charset=utf-8' }],
  ['/admin.js', { body: Buffer.from(pageScript), type: 'text/javascript; charset=utf-8' }],
  ['/admin.css', { body: Buffer.from(pageCss), type: 'text/css; charset=utf-8' }],
]);

/**
 * The page runs only its own script and style, talks only to its own origin and may not be framed (no clickjacking
 * of the kick and unban buttons).
 */
const pageHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
} as const;

/**
 * Starts the admin listener: the REST API under `/api/` (described by `GET /api/openapi.json`) and the web admin page
 * at `/`. Every API request but the login needs a token from `POST /api/login`, in the `Authorization` header.
 * Throws `InvalidOptionError` for a bad account list.
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const logins = new AdminLogins(options.accounts, options.tokenTtlMs ?? defaultTokenTtlMs);
  const context: RequestContext = { options, logins, version: options.version ?? 'unknown' };
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response, context).catch((error: unknown) => {
      const apiError =
        error instanceof ApiError
          ? error
          : error instanceof SharedStateUnavailableError
            ? new ApiError(503, 'unavailable', 'the shared state did not answer; try again')
            : undefined;
      if (apiError === undefined) options.logger.error({ error: String(error), path: request.url }, 'admin request failed');
      if (response.headersSent) response.end();
      else sendError(response, apiError ?? new ApiError(500, 'internal', 'internal error; see the server log'));
    });
  };
  const server: Server | HttpsServer =
    options.tls === undefined ? createServer(listener) : createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener);
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535)
    throw new InvalidOptionError('admin.port', 'must be a port number from 0 to 65535');
  server.listen({ host: options.host ?? '127.0.0.1', port: options.port });
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error))]);
  const bound = server.address() as { address: string; port: number };
  const host = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  return {
    address: bound.address,
    port: bound.port,
    url: `${options.tls === undefined ? 'http' : 'https'}://${host}:${bound.port}/`,
    setTlsCertificate(certificate) {
      if (!('setSecureContext' in server)) throw new Error('the admin listener was started without TLS');
      server.setSecureContext({ cert: certificate.cert, key: certificate.key });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface RequestContext {
  readonly options: AdminServerOptions;
  readonly logins: AdminLogins;
  readonly version: string;
}

async function handle(request: IncomingMessage, response: ServerResponse, context: RequestContext): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://admin.invalid').pathname;
  const method = request.method ?? 'GET';
  if (!path.startsWith('/api/')) {
    const page = pages.get(path);
    if (page === undefined) throw new ApiError(404, 'not_found', `no page ${path}`);
    if (method !== 'GET' && method !== 'HEAD') throw new ApiError(405, 'method_not_allowed', `${method} is not allowed here`);
    response.writeHead(200, { ...pageHeaders, 'content-type': page.type });
    response.end(method === 'HEAD' ? undefined : page.body);
    return;
  }
  // A CORS preflight is never granted: no other origin may send the Authorization header or a JSON body here.
  if (method === 'OPTIONS') {
    request.resume();
    throw new ApiError(405, 'method_not_allowed', 'cross-origin requests are not allowed');
  }
  if (path === '/api/login') {
    if (method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'log in with POST');
    return login(request, response, context);
  }
  const admin = authenticate(request, context.logins);
  const { server } = context.options;
  const route = `${method} ${path}`;
  if (route === 'POST /api/logout') {
    context.logins.logout(admin.token);
    audit(context, admin, 'logout', {});
    return sendEmpty(response, 204);
  }
  if (route === 'GET /api/openapi.json') return sendJson(response, 200, openApiDocument);
  if (route === 'GET /api/server') return sendJson(response, 200, serverView(await server.status(), server, context.version));
  if (path === '/api/server/restart') return restart(request, response, context, admin);
  if (route === 'GET /api/sessions') return sendJson(response, 200, { sessions: (await server.sessions()).map(sessionView) });
  if (route === 'GET /api/events') return streamEvents(server, response, admin.expiresAt);
  if (path === '/api/defender' || path === '/api/defender/allow-list' || /^\/api\/defender\/bans\/[^/]+$/.test(path))
    return handleDefender(request, response, path, { server, audit: (action, details) => audit(context, admin, action, details) });
  if (/^\/api\/quota\/[^/]+(\/rescan)?$/.test(path))
    return handleQuota(request, response, path, {
      users: context.options.users,
      server,
      audit: (action, details) => audit(context, admin, action, details),
    });
  if (path === '/api/users' || /^\/api\/users\/[^/]+$/.test(path))
    return handleUsers(request, response, path, {
      users: context.options.users,
      server,
      audit: (action, details) => audit(context, admin, action, details),
    });
  const sessionId = /^\/api\/sessions\/([^/]+)$/.exec(path)?.[1];
  if (sessionId !== undefined) {
    const id = decodeURIComponent(sessionId);
    if (method === 'GET') {
      const session = await server.session(id);
      if (session === undefined) throw new ApiError(404, 'not_found', `no session ${id}`);
      return sendJson(response, 200, sessionView(session));
    }
    if (method === 'DELETE') {
      const session = await server.session(id);
      if (session === undefined) throw new ApiError(404, 'not_found', `no session ${id}`);
      audit(context, admin, 'session.end', { sessionId: id, username: session.username, remoteAddress: session.remoteAddress });
      // False: it ended meanwhile (or its process did not answer); either way it is not listed any more or was not ours.
      if (!(await server.endSession(id, `Session ended by the administrator.`))) throw new ApiError(404, 'not_found', `no session ${id}`);
      return sendEmpty(response, 204);
    }
    throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on a session`);
  }
  throw new ApiError(404, 'not_found', `no resource ${path}`);
}

/**
 * `POST /api/server/restart`: a rolling restart of the worker processes, answered once every worker was replaced (a
 * new one listens before its old one stops taking connections; the old one's sessions and transfers go on). One
 * process cannot replace itself without dropping its listeners: 501 says so, and what to do instead.
 */
async function restart(request: IncomingMessage, response: ServerResponse, context: RequestContext, admin: AdminToken): Promise<void> {
  request.resume();
  if ((request.method ?? 'GET') !== 'POST') throw new ApiError(405, 'method_not_allowed', 'restart with POST');
  const { restart: restartWorkers } = context.options;
  if (restartWorkers === undefined)
    throw new ApiError(
      501,
      'not_supported',
      'the server runs as one process (workers: 1): there are no worker processes to replace; restart the service instead',
    );
  audit(context, admin, 'server.restart', {});
  const outcome = await restartWorkers(`admin ${admin.username}`);
  sendJson(response, 200, { replaced: outcome.replaced, complete: outcome.complete });
}

/** The holder of the request's bearer token; throws `ApiError` 401 without a valid one. */
function authenticate(request: IncomingMessage, logins: AdminLogins): AdminToken {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(header);
  const holder = match === null ? undefined : logins.holder(match[1]!);
  if (holder === undefined) {
    request.resume();
    throw new ApiError(401, 'unauthorized', 'log in first: send "Authorization: Bearer <token>" from POST /api/login');
  }
  return holder;
}

/**
 * A failed login counts with the defender against the client's address, like a failed FTP login, and a banned address
 * may not even try: the admin password cannot be guessed faster than an FTP one.
 */
async function login(request: IncomingMessage, response: ServerResponse, context: RequestContext): Promise<void> {
  const { server, logger } = context.options;
  const remoteAddress = request.socket.remoteAddress ?? '';
  if (await server.defender.isBanned(remoteAddress)) {
    request.resume();
    logger.warn({ remoteAddress }, 'admin login refused: address banned by the defender');
    throw new ApiError(403, 'banned', 'too many failed logins from your address; try again later');
  }
  const body = await readJsonObject(request);
  const username = stringField(body, 'username', 64, 1);
  const password = stringField(body, 'password', 1024);
  const token = await context.logins.login(username, password);
  if (token === undefined) {
    const banned = await server.defender.recordFailedLogin(remoteAddress, username);
    logger.warn({ admin: username, remoteAddress, banned }, 'admin login failed');
    throw new ApiError(401, 'unauthorized', 'wrong admin name or password');
  }
  logger.info({ admin: username, remoteAddress }, 'admin login');
  sendJson(response, 200, { token: token.token, username, expiresAt: new Date(token.expiresAt).toISOString() });
}

/** Every change is logged with the admin who made it. */
function audit(context: RequestContext, admin: AdminToken, action: string, details: Record<string, unknown>): void {
  context.options.logger.info({ admin: admin.username, action, ...details }, 'admin action');
}
