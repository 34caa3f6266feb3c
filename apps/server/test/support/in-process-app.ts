import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { hashPassword } from '@ftp/server';
import { onTestFinished } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logging.ts';
import { startServer, type StartedServer } from '../../src/start-server.ts';

/** The app started in this process from a config document, with its JSON log lines captured. */
export interface InProcessApp {
  readonly started: StartedServer;
  readonly logLines: Record<string, unknown>[];
  /** The metrics listener's base URL (metricsPort must be set). */
  readonly metricsUrl: string;
}

const passwordHash = hashPassword('s3cret', { logCost: 10 });

/**
 * Starts the app like `main.ts` does, on 127.0.0.1 port 0, with a `local` user alice/s3cret unless the document names
 * another authenticator; stopped when the test finishes.
 */
export async function startApp(document: Record<string, unknown>, configDirectory: string): Promise<InProcessApp> {
  const config = parseConfig(
    {
      ftpAddr: '127.0.0.1',
      ftpPort: 0,
      authenticator: 'local',
      authenticatorConfig: { users: [{ username: 'alice', passwordHash: await passwordHash }] },
      ...document,
    },
    { environment: {}, configDirectory, configFile: undefined },
  );
  const stream = new PassThrough();
  const logLines: Record<string, unknown>[] = [];
  let partial = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const started = await startServer(config, createLogger('info', stream));
  onTestFinished(() => started.close());
  return { started, logLines, metricsUrl: `http://127.0.0.1:${started.metrics?.port ?? 0}` };
}

/** One request as an HTTP receiver saw it. */
export interface ReceivedRequest {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A local HTTP server on 127.0.0.1:0 answering with `respond`; closed when the test finishes. */
export async function startReceiver(
  respond: (request: ReceivedRequest, index: number) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>,
): Promise<{ url: string; requests: ReceivedRequest[] }> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const received = { headers: request.headers, body };
      requests.push(received);
      void Promise.resolve(respond(received, requests.length - 1)).then(({ status, body: answer }) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(answer === undefined ? '' : JSON.stringify(answer));
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, requests };
}

/** The value of one sample line of a Prometheus text page, e.g. `ftp_logins_total{result="success"}`; undefined if absent. */
export function sample(page: string, series: string): number | undefined {
  const line = page.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
