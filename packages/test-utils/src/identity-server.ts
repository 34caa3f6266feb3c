import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { onTestFinished } from 'vitest';

/** One request the identity server received. */
export interface ReceivedRequest {
  readonly method: string;
  /** The request target, path and query. */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A node:http identity provider on 127.0.0.1, port 0, speaking the four schemes the package supports. */
export interface IdentityServer {
  readonly origin: string;
  readonly requests: ReceivedRequest[];
  /** Users and their passwords (Basic, Digest, webhook). */
  readonly passwords: Map<string, string>;
  /** Bearer tokens and the user they belong to. */
  readonly tokens: Map<string, string>;
  /** Users refused from now on, on every endpoint (a revocation). */
  readonly revoked: Set<string>;
  /** Digest nonce counts seen, per nonce; a count that does not grow is refused. */
  readonly nonceCounts: Map<string, number>;
  /** Digest answers the server verified, with their algorithm and nc. */
  readonly digestAnswers: Array<{ algorithm: string; nc: string; uri: string }>;
  /** Marks every issued nonce stale: the next answer with it gets 401 stale=true and a new nonce. */
  retireNonces(): void;
  /** TCP connections accepted so far. */
  connectionCount(): number;
  close(): Promise<void>;
}

const realm = 'ftp-test';

/**
 * Endpoints: `/basic`, `/bearer`, `/webhook` (query, form or JSON), `/digest/<algorithm>` (MD5, SHA-256, -sess),
 * `/facts` (Basic, answers a JSON body of user facts), `/no-content` (Basic, 204), `/hang` (never answers), `/error`
 * (500), `/open` (200 to anyone), `/close` (drops the connection), `/redirect` (302 to /basic). Closed when the test finishes.
 */
export async function startIdentityServer(): Promise<IdentityServer> {
  const requests: ReceivedRequest[] = [];
  const passwords = new Map([
    ['alice', 'wonder land'],
    ['bob', 'builder'],
  ]);
  const tokens = new Map([['tok-alice.1', 'alice']]);
  const revoked = new Set<string>();
  const nonceCounts = new Map<string, number>();
  const staleNonces = new Set<string>();
  const digestAnswers: IdentityServer['digestAnswers'] = [];
  const sockets = new Set<Socket>();
  let connections = 0;

  const known = (user: string | undefined): user is string => user !== undefined && passwords.has(user) && !revoked.has(user);
  const basicUser = (request: IncomingMessage): string | undefined => {
    const match = /^Basic (.+)$/.exec(request.headers.authorization ?? '');
    if (match === null) return undefined;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    const user = decoded.slice(0, separator);
    return known(user) && passwords.get(user) === decoded.slice(separator + 1) ? user : undefined;
  };
  const digest = { nonceCounts, staleNonces, passwords, revoked, digestAnswers };

  const routes: Record<string, (request: IncomingMessage, body: string, response: ServerResponse) => void> = {
    '/basic': (request, _body, response) => answer(response, basicUser(request) === undefined ? 401 : 200),
    '/no-content': (request, _body, response) => answer(response, basicUser(request) === undefined ? 401 : 204),
    '/facts': (request, _body, response) => {
      if (basicUser(request) === undefined) return answer(response, 401);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ homeDirectory: '/reports', permissions: { upload: false }, attributes: { team: 'blue' } }));
    },
    '/bearer': (request, _body, response) => {
      const user = tokens.get(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '');
      answer(response, user !== undefined && !revoked.has(user) ? 200 : 401);
    },
    '/webhook': (request, body, response) => {
      const fields = webhookFields(request, body);
      const user = fields.get('username') ?? undefined;
      const hash = fields.get('password_hash');
      if (!known(user)) return answer(response, 403);
      const expected = createHash('sha256').update(passwords.get(user)!, 'utf8').digest('hex');
      answer(response, hash === null || hash === expected ? 200 : 403);
    },
    '/open': (_request, _body, response) => answer(response, 200),
    '/hang': () => undefined,
    '/error': (_request, _body, response) => answer(response, 500),
    '/close': (request) => request.socket.destroy(),
    '/redirect': (_request, _body, response) => {
      response.writeHead(302, { location: '/basic' });
      response.end();
    },
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: request.method!, url: request.url!, headers: request.headers, body });
      const path = new URL(request.url!, 'http://x').pathname;
      if (path.startsWith('/digest/')) {
        const verdict = digestVerdict(request, path.slice('/digest/'.length), digest);
        return answer(response, verdict.status, verdict.headers);
      }
      const route = routes[path];
      if (route === undefined) return answer(response, 404);
      route(request, body, response);
    });
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    }));
  onTestFinished(close);
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    passwords,
    tokens,
    revoked,
    nonceCounts,
    digestAnswers,
    retireNonces: () => {
      for (const nonce of nonceCounts.keys()) staleNonces.add(nonce);
    },
    connectionCount: () => connections,
    close,
  };
}

function answer(response: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  response.writeHead(status, headers);
  response.end();
}

function webhookFields(request: IncomingMessage, body: string): URLSearchParams {
  const contentType = request.headers['content-type'] ?? '';
  if (contentType.startsWith('application/json')) return new URLSearchParams(JSON.parse(body) as Record<string, string>);
  if (contentType.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(body);
  return new URL(request.url!, 'http://x').searchParams;
}

interface DigestState {
  readonly nonceCounts: Map<string, number>;
  readonly staleNonces: Set<string>;
  readonly passwords: Map<string, string>;
  readonly revoked: Set<string>;
  readonly digestAnswers: IdentityServer['digestAnswers'];
}

/** The status and headers of a reply. */
interface Verdict {
  readonly status: number;
  readonly headers?: Record<string, string>;
}

/** RFC 7616 §3.3-3.4 from the server side, written independently of the client code under test. */
function digestVerdict(request: IncomingMessage, algorithm: string, state: DigestState): Verdict {
  const challenge = (stale: boolean): Verdict => {
    const nonce = randomBytes(12).toString('base64');
    state.nonceCounts.set(nonce, 0);
    const staleField = stale ? ', stale=true' : '';
    return {
      status: 401,
      headers: {
        'www-authenticate': `Digest realm="${realm}", qop="auth-int, auth", algorithm=${algorithm}, nonce="${nonce}", opaque="op"${staleField}`,
      },
    };
  };
  const fields = new Map<string, string>();
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Digest ')) return challenge(false);
  for (const match of header.slice(7).matchAll(/([\w*]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    fields.set(match[1]!, match[2]?.replace(/\\(.)/g, '$1') ?? match[3]!);
  }
  const nonce = fields.get('nonce') ?? '';
  const nc = fields.get('nc') ?? '';
  const lastCount = state.nonceCounts.get(nonce);
  if (lastCount === undefined) return challenge(false);
  const count = Number.parseInt(nc, 16);
  // RFC 7616 §3.4: a repeated or lower nc is a replay.
  if (!/^[0-9a-f]{8}$/.test(nc) || count <= lastCount) return { status: 401 };
  const user = fields.get('username') ?? '';
  const password = state.passwords.get(user);
  const hashName = algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
  const hash = (text: string): string => createHash(hashName).update(text, 'utf8').digest('hex');
  const cnonce = fields.get('cnonce') ?? '';
  const uriMatches = fields.get('uri') === request.url;
  const algorithmMatches = fields.get('algorithm') === algorithm && fields.get('qop') === 'auth' && fields.get('opaque') === 'op';
  if (password === undefined || state.revoked.has(user) || !uriMatches || !algorithmMatches) return { status: 403 };
  let hashA1 = hash(`${user}:${realm}:${password}`);
  if (algorithm.endsWith('-sess')) hashA1 = hash(`${hashA1}:${nonce}:${cnonce}`);
  const expected = hash(`${hashA1}:${nonce}:${nc}:${cnonce}:auth:${hash(`${request.method}:${request.url}`)}`);
  if (fields.get('response') !== expected) return { status: 401 };
  state.nonceCounts.set(nonce, count);
  if (state.staleNonces.has(nonce)) return challenge(true);
  state.digestAnswers.push({ algorithm, nc, uri: fields.get('uri')! });
  return { status: 200 };
}
