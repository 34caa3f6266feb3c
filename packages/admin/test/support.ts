import { Client } from 'basic-ftp';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect, onTestFinished } from 'vitest';
import { hashPassword } from '@ftp/plugin-api/password';
import { createFtpServer, createNoAuthAuthenticator, type FtpServer, type FtpServerOptions } from '@ftp/server';
import { createMemoryStorage } from '@ftp/server/testing';
import { recordingLogger, type LogLine } from '@ftp/test-utils';
import { openApiDocument, startAdminServer, type AdminServer, type AdminServerOptions } from '../src/index.ts';

export const adminName = 'root';
export const adminPassword = 'correct horse battery staple';

/** A cheap hash for tests (scrypt with a low cost); the format is the production one. */
const adminHash = hashPassword(adminPassword, { logCost: 10 });

/** A real FTP server on loopback and the admin listener over it, both closed when the test finishes. */
export interface AdminFixture {
  readonly ftp: FtpServer;
  readonly ftpPort: number;
  readonly admin: AdminServer;
  /** The admin server's log (login failures and the audit lines). */
  readonly logs: LogLine[];
  readonly api: ApiClient;
}

export async function startAdminFixture(
  ftpOptions: Partial<FtpServerOptions> = {},
  adminOptions: Partial<AdminServerOptions> = {},
): Promise<AdminFixture> {
  const ftp = createFtpServer({
    authenticator: createNoAuthAuthenticator(),
    storage: createMemoryStorage(),
    ...ftpOptions,
    host: '127.0.0.1',
    port: 0,
  });
  const { port: ftpPort } = await ftp.listen();
  onTestFinished(() => ftp.close({ timeoutMs: 2_000 }));
  const { logger, lines } = recordingLogger();
  const admin = await startAdminServer({
    server: ftp,
    accounts: [{ username: adminName, passwordHash: await adminHash }],
    logger,
    port: 0,
    version: '1.2.3-test',
    ...adminOptions,
  });
  onTestFinished(() => admin.close());
  return { ftp, ftpPort, admin, logs: lines, api: new ApiClient(admin.url) };
}

/** A basic-ftp client logged in to the fixture's FTP server, closed when the test finishes; its protocol log kept. */
export async function ftpClient(port: number, user = 'user', password = 'password'): Promise<{ client: Client; log: string[] }> {
  const client = new Client(15_000);
  onTestFinished(() => client.close());
  const log: string[] = [];
  client.ftp.verbose = true;
  client.ftp.log = (message: string) => log.push(message);
  await client.access({ host: '127.0.0.1', port, user, password });
  return { client, log };
}

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/**
 * The admin API over real HTTP. Every answer is checked against the OpenAPI document: its status must be one the
 * document lists for the operation, and a JSON body must match the schema the document gives for that status.
 */
export class ApiClient {
  readonly #base: string;
  token: string | undefined;

  constructor(base: string) {
    this.#base = base;
  }

  async login(username = adminName, password = adminPassword): Promise<ApiAnswer> {
    const answer = await this.request('POST', '/api/login', { body: { username, password }, token: null });
    if (answer.status === 200) this.token = (answer.body as { token: string }).token;
    return answer;
  }

  async request(
    method: string,
    path: string,
    options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer> {
    const token = options.token === undefined ? this.token : options.token;
    const headers: Record<string, string> = { ...options.headers };
    if (token !== undefined && token !== null) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(new URL(path, this.#base), {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    });
    const text = await response.text();
    const isJson = (response.headers.get('content-type') ?? '').startsWith('application/json');
    const body: unknown = isJson ? JSON.parse(text) : text;
    checkAgainstDocument(method, path, response.status, isJson, body);
    return { status: response.status, headers: response.headers, body };
  }
}

const documentId = 'https://admin.invalid/openapi.json';
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ ...structuredClone(openApiDocument), $id: documentId });

type Operation = { responses: Record<string, { $ref?: string; content?: Record<string, { schema: { $ref?: string } }> }> };

/** The response `status` of `method path` must be documented, and a JSON body must match its schema. */
export function checkAgainstDocument(method: string, path: string, status: number, isJson: boolean, body: unknown): void {
  const pathname = new URL(path, 'http://x').pathname;
  const template = Object.keys(openApiDocument.paths).find((candidate) =>
    new RegExp(`^${candidate.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathname),
  );
  if (template === undefined) {
    expect(status, `${method} ${pathname} is not in the document, so it must be 404`).toBe(404);
    return;
  }
  const operation = (openApiDocument.paths as unknown as Record<string, Record<string, Operation>>)[template]![method.toLowerCase()];
  if (operation === undefined) {
    expect(status, `${method} ${template} is not in the document, so it must be 405`).toBe(405);
    return;
  }
  let response = operation.responses[String(status)];
  expect(response, `${method} ${template} answered ${status}, which the document does not list`).toBeDefined();
  if (response!.$ref !== undefined) response = resolve(response!.$ref) as typeof response;
  const content = response!.content;
  if (content === undefined) {
    expect(body, `${method} ${template} ${status} has no body in the document`).toBe('');
    return;
  }
  const media = content['application/json'];
  if (media === undefined) return;
  expect(isJson, `${method} ${template} ${status} must answer JSON`).toBe(true);
  const validate = media.schema.$ref === undefined ? ajv.compile(media.schema) : ajv.getSchema(`${documentId}${media.schema.$ref}`);
  expect(validate, `schema of ${method} ${template} ${status}`).toBeDefined();
  const valid = validate!(body);
  expect(valid, `${method} ${template} ${status}: ${ajv.errorsText(validate!.errors)} in ${JSON.stringify(body)}`).toBe(true);
}

/** Checks one event's payload against the document's `Event` schema. */
export function checkEvent(payload: unknown): void {
  const validate = ajv.getSchema(`${documentId}#/components/schemas/Event`)!;
  expect(validate(payload), `${ajv.errorsText(validate.errors)} in ${JSON.stringify(payload)}`).toBe(true);
}

function resolve(ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], openApiDocument);
}

/** Reads a Server-Sent Events stream and collects its events until `stop`. */
export async function openEventStream(base: string, token: string) {
  const controller = new AbortController();
  onTestFinished(() => controller.abort());
  const response = await fetch(new URL('/api/events', base), { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: Array<{ event: string; data: Record<string, unknown> }> = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let end = buffered.indexOf('\n\n');
        while (end !== -1) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
          end = buffered.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted by the test, or the server ended the stream.
    }
  })();
  return { events, close: () => controller.abort(), ended: reading };
}
