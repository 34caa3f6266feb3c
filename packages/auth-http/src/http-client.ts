import { AuthenticationUnavailableError } from '@ftp/plugin-api';
import { Pool } from 'undici';

/** One request to the identity service. */
export interface HttpRequest {
  readonly url: URL;
  readonly method: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** What came back. The body is kept only up to `maxBodyBytes`. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  /** True when the body was longer than the limit and was cut off. */
  readonly isBodyTruncated: boolean;
}

/** Sends requests over one connection pool per origin. */
export interface HttpClient {
  /**
   * Sends the request with the deadline of the client and the caller's signal. Throws
   * `AuthenticationUnavailableError` when no response arrives (timeout, refused, reset), never with the query string
   * or any header in the message: the query may carry a password hash.
   */
  send(request: HttpRequest, signal: AbortSignal): Promise<HttpResponse>;
  close(): Promise<void>;
}

export interface HttpClientOptions {
  readonly origins: readonly URL[];
  readonly timeoutMs: number;
  readonly maxConnections: number;
  readonly ca: readonly string[] | undefined;
  readonly maxBodyBytes?: number;
}

/** Creates the pools up front: the URLs are fixed by the configuration, so every origin is known. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const pools = new Map<string, Pool>();
  for (const url of options.origins) {
    if (pools.has(url.origin)) continue;
    pools.set(
      url.origin,
      new Pool(url.origin, {
        connections: options.maxConnections,
        // The AbortSignal below is the real deadline; these only stop a stalled socket from outliving it.
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        connect: { timeout: options.timeoutMs, ...(options.ca === undefined ? {} : { ca: [...options.ca] }) },
      }),
    );
  }
  const maxBodyBytes = options.maxBodyBytes ?? 65_536;
  return {
    async send(request, signal) {
      const pool = pools.get(request.url.origin);
      if (pool === undefined) throw new Error(`no connection pool for ${request.url.origin}`);
      const deadline = AbortSignal.timeout(options.timeoutMs);
      try {
        const response = await pool.request({
          path: request.url.pathname + request.url.search,
          method: request.method as 'GET',
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          signal: AbortSignal.any([signal, deadline]),
        });
        const { body, isBodyTruncated } = await readLimited(response.body, maxBodyBytes);
        return { status: response.statusCode, headers: response.headers, body, isBodyTruncated };
      } catch (error) {
        throw new AuthenticationUnavailableError(
          `identity service ${describeTarget(request.url)} ${describeFailure(error, deadline, signal, options.timeoutMs)}`,
        );
      }
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    },
  };
}

async function readLimited(
  body: AsyncIterable<Uint8Array> & { destroy(): void },
  limit: number,
): Promise<{ body: Buffer; isBodyTruncated: boolean }> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    length += chunk.byteLength;
    if (length > limit) {
      // Stop reading: a huge body is not an answer we can use, and the connection is not worth draining.
      body.destroy();
      return { body: Buffer.concat(chunks), isBodyTruncated: true };
    }
    chunks.push(Buffer.from(chunk));
  }
  return { body: Buffer.concat(chunks), isBodyTruncated: false };
}

/** Origin and path only: the query may carry a password hash (webhook) and must not reach logs or error messages. */
export function describeTarget(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function describeFailure(error: unknown, deadline: AbortSignal, signal: AbortSignal, timeoutMs: number): string {
  if (deadline.aborted) return `did not answer within ${timeoutMs} ms`;
  if (signal.aborted) return 'request abandoned: the session ended';
  // The error code (ECONNREFUSED, UND_ERR_SOCKET, ...) says enough and, unlike a message, cannot carry request data.
  const code = (error as { code?: unknown } | null)?.code;
  return `could not be reached (${typeof code === 'string' ? code : 'connection failed'})`;
}
