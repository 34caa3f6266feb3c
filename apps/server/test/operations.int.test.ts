import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { onTestFinished, describe, expect, it } from 'vitest';
import { eventually, tempDirectory } from '@ftp/test-utils';
import { completeWebhooksConfig } from '../src/hooks-config.ts';
import { webhooksSchema } from '../src/config-schema.ts';
import { WebhookDispatcher } from '../src/webhooks.ts';
import { createLogger } from '../src/logging.ts';
import { sample, startApp, startReceiver } from './support/in-process-app.ts';

// The app's operator features over real sockets: Prometheus metrics and health on their own listener, JSON
// transfer and command logs, webhooks after each operation, and the pre-upload hook.

async function login(port: number, password = 's3cret'): Promise<Client> {
  const client = new Client(10_000);
  onTestFinished(() => client.close());
  try {
    await client.access({ host: '127.0.0.1', port, user: 'alice', password });
  } catch (error) {
    client.close();
    throw error;
  }
  return client;
}

async function download(client: Client, path: string): Promise<string> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  await client.downloadTo(sink, path);
  return Buffer.concat(chunks).toString();
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

describe('metrics and health', () => {
  it('counts a known sequence of commands, logins, transfers and plugin calls', async () => {
    const root = await tempDirectory();
    const app = await startApp({ storageConfig: { root }, metricsPort: 0 }, root);
    await expect(login(app.started.port, 'wrong')).rejects.toThrow(/530/);
    const client = await login(app.started.port);
    await client.ensureDir('/reports');
    await client.uploadFrom(Readable.from([Buffer.from('hello')]), 'a.txt');
    expect(await download(client, 'a.txt')).toBe('hello');
    await client.list();
    await expect(download(client, 'missing.txt')).rejects.toThrow(/550/);
    client.close();

    // Events are counted right after the replies the client saw; poll until the last ones are in.
    const page = await eventually(async () => {
      const text = await scrape(app.metricsUrl);
      return sample(text, 'ftp_commands_total{verb="RETR",reply_class="5xx"}') === 1 && sample(text, 'ftp_sessions_active') === 0 && text;
    }, 'the last commands to be counted');
    const expected: Record<string, number> = {
      'ftp_logins_total{result="success"}': 1,
      'ftp_logins_total{result="failure"}': 1,
      ftp_sessions_total: 2,
      'ftp_commands_total{verb="PASS",reply_class="5xx"}': 1,
      'ftp_commands_total{verb="PASS",reply_class="2xx"}': 1,
      'ftp_commands_total{verb="MKD",reply_class="2xx"}': 1,
      'ftp_commands_total{verb="STOR",reply_class="2xx"}': 1,
      'ftp_commands_total{verb="RETR",reply_class="2xx"}': 1,
      'ftp_transfer_bytes_total{direction="upload"}': 5,
      'ftp_transfer_bytes_total{direction="download"}': 5,
      'ftp_transfers_total{direction="upload",result="success"}': 1,
      'ftp_transfers_total{direction="download",result="success"}': 1,
      'ftp_transfers_total{direction="download",result="failure"}': 1,
      'ftp_transfer_duration_seconds_count{direction="upload"}': 1,
      'ftp_storage_call_duration_seconds_count{operation="write",result="ok"}': 1,
      'ftp_storage_call_duration_seconds_count{operation="openSession",result="ok"}': 1,
      'ftp_auth_call_duration_seconds_count{operation="authenticate",result="accepted"}': 1,
      'ftp_auth_call_duration_seconds_count{operation="authenticate",result="rejected"}': 1,
      ftp_passive_ports_in_use: 0,
    };
    for (const [series, value] of Object.entries(expected)) expect(sample(page, series), series).toBe(value);
    expect(sample(page, 'ftp_storage_call_duration_seconds_count{operation="list",result="ok"}')).toBeGreaterThanOrEqual(1);

    // JSON lines: every command, each transfer with its result.
    const upload = app.logLines.find((line) => line.msg === 'upload');
    expect(upload).toMatchObject({
      sessionId: expect.any(String),
      username: 'alice',
      remoteAddress: '127.0.0.1',
      path: '/reports/a.txt',
      bytes: 5,
      result: 'success',
    });
    expect(upload?.durationMs).toEqual(expect.any(Number));
    expect(app.logLines.find((line) => line.msg === 'transfer-failed')).toMatchObject({
      command: 'RETR',
      path: 'missing.txt',
      replyCode: 550,
      result: 'failure',
      username: 'alice',
    });
    expect(app.logLines.find((line) => line.msg === 'command' && line.verb === 'MKD')).toMatchObject({
      replyCode: 257,
      result: 'ok',
      argument: expect.stringContaining('reports'),
    });
    expect(app.logLines.filter((line) => line.msg === 'command' && line.verb === 'PASS').every((line) => line.argument === undefined)).toBe(
      true,
    );
  });

  it('answers /healthz, and /readyz fails while the storage root is gone', async () => {
    const base = await tempDirectory();
    const root = join(base, 'root');
    await mkdir(root);
    const app = await startApp({ storageConfig: { root, createRoot: false }, metricsPort: 0 }, base);
    expect((await fetch(`${app.metricsUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${app.metricsUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { listening: 'ok', storage: 'ok', authenticator: 'ok' } });
    await rm(root, { recursive: true });
    const notReady = await fetch(`${app.metricsUrl}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({
      status: 'not ready',
      checks: { listening: 'ok', storage: expect.stringMatching(/not usable/) },
    });
    await mkdir(root);
    expect((await fetch(`${app.metricsUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${app.metricsUrl}/nothing`)).status).toBe(404);
  });

  it('counts and logs the orphaned upload temporaries the fs storage reclaims at start', async () => {
    const root = await tempDirectory();
    const old = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    await writeFile(join(root, '.ftp-upload-crashed'), 'twelve bytes');
    await utimes(join(root, '.ftp-upload-crashed'), old, old);
    const app = await startApp({ storageConfig: { root }, metricsPort: 0 }, root);
    const page = await eventually(async () => {
      const text = await scrape(app.metricsUrl);
      return sample(text, 'ftp_storage_temporaries_reclaimed_total') === 1 ? text : undefined;
    }, 'the reclaimed temporary counted');
    expect(sample(page, 'ftp_storage_temporary_bytes_reclaimed_total')).toBe(12);
    expect(existsSync(join(root, '.ftp-upload-crashed'))).toBe(false);
    expect(app.logLines.find((line) => line.msg === 'storage-fs reclaimed orphaned upload temporaries')).toMatchObject({
      files: 1,
      bytes: 12,
      plugin: 'fs',
    });
  });
});

describe('webhooks', () => {
  it('posts an event once the upload is stored, retrying with the same idempotency key after 500s', async () => {
    const root = await tempDirectory();
    const sawFileAtDelivery: boolean[] = [];
    const receiver = await startReceiver((request, index) => {
      const body = JSON.parse(request.body) as { event: string; data: { path: string } };
      if (body.event === 'upload')
        sawFileAtDelivery.push(existsSync(join(root, 'a.txt')) && readFileSync(join(root, 'a.txt'), 'utf8') === 'hello');
      return { status: index < 2 ? 500 : 204 };
    });
    const webhooks = { url: receiver.url, events: ['upload'], secret: 'shh', initialBackoffMs: 5, maxBackoffMs: 20 };
    const app = await startApp({ storageConfig: { root }, metricsPort: 0, webhooks }, root);
    const client = await login(app.started.port);
    await client.uploadFrom(Readable.from([Buffer.from('hello')]), 'a.txt');
    await eventually(() => receiver.requests.length === 3, 'three delivery attempts');
    const keys = new Set(receiver.requests.map((request) => request.headers['idempotency-key']));
    expect(keys.size).toBe(1);
    const [first] = receiver.requests;
    const body = JSON.parse(first!.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: [...keys][0],
      event: 'upload',
      data: { path: '/a.txt', bytes: 5, username: 'alice', remoteAddress: '127.0.0.1' },
    });
    expect(first!.headers['x-ftp-signature']).toBe(`sha256=${createHmac('sha256', 'shh').update(first!.body).digest('hex')}`);
    expect(sawFileAtDelivery).toEqual([true, true, true]);
    const page = await eventually(async () => {
      const text = await (await fetch(`${app.metricsUrl}/metrics`)).text();
      return sample(text, 'ftp_webhook_deliveries_total{event="upload",result="delivered"}') === 1 && text;
    }, 'the delivery to be counted');
    expect(sample(page, 'ftp_webhook_queue_length')).toBe(0);
  });

  it('drops events when the bounded queue is full, without waiting', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const receiver = await startReceiver(async () => {
      await held;
      return { status: 200 };
    });
    const dispatcher = new WebhookDispatcher(
      completeWebhooksConfig(webhooksSchema.parse({ url: receiver.url, queueSize: 1, concurrency: 1 })),
      createLogger('silent'),
      undefined,
    );
    onTestFinished(() => dispatcher.close(1_000));
    expect(dispatcher.enqueue('mkdir', { path: '/one' })).toBe(true);
    await eventually(() => receiver.requests.length === 1, 'the first delivery to be in flight');
    expect(dispatcher.enqueue('mkdir', { path: '/two' })).toBe(true);
    expect(dispatcher.enqueue('mkdir', { path: '/three' })).toBe(false);
    release();
    await eventually(() => dispatcher.pending === 0, 'the queue to drain');
    expect(receiver.requests.map((request) => (JSON.parse(request.body) as { data: { path: string } }).data.path)).toEqual([
      '/one',
      '/two',
    ]);
  });
});

describe('pre-upload hook', () => {
  it('refuses an upload the hook rejects with 550 and its reason, and stores nothing', async () => {
    const root = await tempDirectory();
    const receiver = await startReceiver((request) => {
      const { path } = JSON.parse(request.body) as { path: string };
      return path.endsWith('.exe')
        ? { status: 200, body: { allowed: false, reason: 'Executables are not accepted.' } }
        : { status: 200, body: { allowed: true } };
    });
    const app = await startApp({ storageConfig: { root }, preUploadHook: { url: receiver.url } }, root);
    const client = await login(app.started.port);
    await expect(client.uploadFrom(Readable.from([Buffer.from('MZ')]), 'tool.exe')).rejects.toThrow('550 Executables are not accepted.');
    expect(existsSync(join(root, 'tool.exe'))).toBe(false);
    await client.uploadFrom(Readable.from([Buffer.from('fine')]), 'notes.txt');
    expect(readFileSync(join(root, 'notes.txt'), 'utf8')).toBe('fine');
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({
      username: 'alice',
      path: '/tool.exe',
      command: 'STOR',
      remoteAddress: '127.0.0.1',
    });
  });
});
