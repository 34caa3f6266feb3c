import type { IncomingMessage, ServerResponse } from 'node:http';

/** The stable codes of the API's error bodies (the `Error` schema of the OpenAPI document). */
export type ApiErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'banned'
  | 'not_found'
  | 'conflict'
  | 'read_only'
  | 'not_supported'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'unavailable'
  | 'internal';

/** A refusal the handler answers with `status` and an `Error` body. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  constructor(status: number, code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Request bodies are small JSON objects; anything larger is refused before it is read whole. */
const maxBodyBytes = 16 * 1024;

/** Headers on every API answer: never cached (tokens, live data), never sniffed as another type. */
const apiHeaders = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const;

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { ...apiHeaders, 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

export function sendEmpty(response: ServerResponse, status: number): void {
  response.writeHead(status, apiHeaders);
  response.end();
}

export function sendError(response: ServerResponse, error: ApiError): void {
  sendJson(response, error.status, { error: error.code, message: error.message });
}

/**
 * The JSON object of a request body. Only `application/json` is read: a form of another site can send a simple
 * `text/plain` or form body without asking, but not this type (it needs a CORS preflight, which is never granted).
 */
export async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    request.resume();
    throw new ApiError(415, 'unsupported_media_type', 'the body must be application/json');
  }
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBodyBytes) {
    request.resume();
    throw new ApiError(413, 'payload_too_large', `the body must be at most ${maxBodyBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new ApiError(413, 'payload_too_large', `the body must be at most ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError(400, 'bad_request', 'the body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ApiError(400, 'bad_request', 'the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** A string field of a body, checked; throws `ApiError` 400 naming the field. */
export function stringField(body: Record<string, unknown>, name: string, maxLength: number, minLength = 0): string {
  const value = body[name];
  if (typeof value !== 'string' || value.length < minLength || value.length > maxLength)
    throw new ApiError(400, 'bad_request', `"${name}" must be a string of ${minLength} to ${maxLength} characters`);
  return value;
}
