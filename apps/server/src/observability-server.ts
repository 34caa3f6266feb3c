import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** One readiness check of `/readyz`: resolves when the part is ready, rejects with the reason otherwise. */
export interface ReadinessProbe {
  readonly name: string;
  check(): Promise<void>;
}

export interface ObservabilityOptions {
  readonly host: string;
  /** 0 picks a free port (read it back from the result). */
  readonly port: number;
  /** What `/metrics` serves: a registry, or the whole server's metrics gathered from its workers. */
  readonly registry: Pick<Registry, 'metrics' | 'contentType'>;
  /** Checked first by `/readyz`: the FTP listener accepts connections (false once shutdown began). */
  readonly isListening: () => boolean;
  readonly probes: readonly ReadinessProbe[];
  /** A probe that takes longer counts as failed. Default 3000 ms. */
  readonly probeTimeoutMs?: number;
  readonly logger: Logger;
}

/** The running metrics and health listener. */
export interface ObservabilityServer {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The HTTP listener for operators, separate from FTP: `GET /metrics` (Prometheus text format), `GET /healthz` (200
 * while the process runs), `GET /readyz` (200 when the FTP listener is up and every backend probe passes, else 503,
 * with a JSON body naming each check).
 */
export async function startObservabilityServer(options: ObservabilityOptions): Promise<ObservabilityServer> {
  const server = createServer((request, response) => {
    handle(request, response, options).catch((error: unknown) => {
      options.logger.error({ error: String(error), path: request.url }, 'metrics listener request failed');
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  server.listen({ host: options.host, port: options.port });
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error))]);
  const bound = server.address() as { address: string; port: number };
  return {
    address: bound.address,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, options: ObservabilityOptions): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') return sendJson(response, 405, { error: 'method not allowed' });
  if (path === '/metrics') {
    const body = await options.registry.metrics();
    response.writeHead(200, { 'content-type': options.registry.contentType });
    response.end(body);
    return;
  }
  if (path === '/healthz') return sendJson(response, 200, { status: 'ok' });
  if (path === '/readyz') {
    const checks = await readiness(options);
    const ready = Object.values(checks).every((result) => result === 'ok');
    return sendJson(response, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
  }
  sendJson(response, 404, { error: 'not found' });
}

async function readiness(options: ObservabilityOptions): Promise<Record<string, string>> {
  return {
    listening: options.isListening() ? 'ok' : 'not listening',
    ...(await runReadinessProbes(options.probes, options.logger, options.probeTimeoutMs)),
  };
}

/**
 * Runs `probes` at once: each one's name with "ok" or why it failed (a probe that takes longer than `timeoutMs`, by
 * default 3000, failed). Failures are logged.
 */
export async function runReadinessProbes(
  probes: readonly ReadinessProbe[],
  logger: Pick<Logger, 'warn'>,
  timeoutMs = 3_000,
): Promise<Record<string, string>> {
  const checks: Record<string, string> = {};
  const results = await Promise.all(probes.map((probe) => withTimeout(probe.check(), timeoutMs)));
  probes.forEach((probe, index) => {
    checks[probe.name] = results[index]!;
    if (results[index] !== 'ok') logger.warn({ probe: probe.name, reason: results[index] }, 'readiness probe failed');
  });
  return checks;
}

async function withTimeout(check: Promise<void>, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs)));
  try {
    return await Promise.race([
      check.then(
        () => 'ok',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
