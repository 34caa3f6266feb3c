import { createHmac, randomUUID } from 'node:crypto';
import type { FtpServer, FtpServerEvents } from '@ftp/server';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import type { WebhookEventName, WebhooksConfig } from './hooks-config.ts';
import type { AppMetrics } from './metrics.ts';

/** One queued event: its body is fixed once, so every retry sends the same bytes under the same idempotency key. */
interface Delivery {
  readonly id: string;
  readonly event: WebhookEventName;
  readonly body: string;
}

/** Answers worth another attempt: the receiver is overloaded or broken for now (RFC 9110 §15.5.9, §15.6). */
function isRetryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * Posts server events to an HTTP endpoint, after the operation completed (the engine emits events only then). Each
 * event is one JSON POST `{ id, event, occurredAt, data }` with `Idempotency-Key: <id>` (the same on every retry),
 * `X-Ftp-Event`, and with a secret `X-Ftp-Signature: sha256=<hex HMAC of the body>`. Failed attempts (network
 * errors, timeouts, 408/425/429/5xx) are retried with exponential back-off and jitter up to `maxAttempts`; other 4xx
 * answers are final. The queue is bounded: `enqueue` never waits, and an event that does not fit is dropped, logged
 * and counted, so a slow receiver can never hold up a transfer.
 */
export class WebhookDispatcher {
  readonly #config: WebhooksConfig;
  readonly #logger: Logger;
  readonly #metrics: AppMetrics | undefined;
  readonly #agent: Agent;
  readonly #queue: Delivery[] = [];
  readonly #stopping = new AbortController();
  #active = 0;
  #idle: (() => void) | undefined;

  constructor(config: WebhooksConfig, logger: Logger, metrics: AppMetrics | undefined) {
    this.#config = config;
    this.#logger = logger.child({ component: 'webhooks' });
    this.#metrics = metrics;
    this.#agent = new Agent({ connections: config.concurrency, connectTimeout: config.timeoutMs });
  }

  /** Sends the configured events of `server`. */
  attach(server: Pick<FtpServer, 'on'>): void {
    for (const event of this.#config.events) {
      server.on(event, (payload: FtpServerEvents[typeof event][0]) => this.enqueue(event, payload));
    }
  }

  /** Queues one event for delivery; never blocks. Returns false when the queue was full and the event dropped. */
  enqueue(event: WebhookEventName, data: unknown): boolean {
    if (this.#stopping.signal.aborted) return false;
    if (this.#queue.length >= this.#config.queueSize) {
      this.#metrics?.webhookDeliveriesTotal.inc({ event, result: 'dropped' });
      this.#logger.warn({ event, queueSize: this.#config.queueSize }, 'webhook queue full; event dropped');
      return false;
    }
    const id = randomUUID();
    this.#queue.push({ id, event, body: JSON.stringify({ id, event, occurredAt: new Date().toISOString(), data }) });
    this.#metrics?.webhookQueueLength.set(this.#queue.length);
    if (this.#active < this.#config.concurrency) void this.#work();
    return true;
  }

  /** Events waiting or being delivered. */
  get pending(): number {
    return this.#queue.length + this.#active;
  }

  /**
   * Stops: deliveries still running may finish within `timeoutMs`; what is left (queued events, back-off waits) is
   * abandoned and logged.
   */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.pending > 0) {
      const drained = new Promise<void>((resolve) => (this.#idle = resolve));
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    }
    this.#stopping.abort();
    if (this.#queue.length > 0) this.#logger.warn({ abandoned: this.#queue.length }, 'webhook events abandoned at shutdown');
    this.#queue.length = 0;
    await this.#agent.close();
  }

  async #work(): Promise<void> {
    this.#active++;
    try {
      let delivery: Delivery | undefined;
      while ((delivery = this.#queue.shift()) !== undefined && !this.#stopping.signal.aborted) {
        this.#metrics?.webhookQueueLength.set(this.#queue.length);
        await this.#deliver(delivery);
      }
    } finally {
      this.#active--;
      if (this.pending === 0) this.#idle?.();
    }
  }

  async #deliver(delivery: Delivery): Promise<void> {
    const { maxAttempts } = this.#config;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const outcome = await this.#attempt(delivery);
      if (outcome === 'delivered' || outcome === 'final') {
        this.#metrics?.webhookDeliveriesTotal.inc({ event: delivery.event, result: outcome === 'delivered' ? 'delivered' : 'failed' });
        return;
      }
      if (attempt < maxAttempts && !(await this.#backOff(attempt))) break;
    }
    this.#metrics?.webhookDeliveriesTotal.inc({ event: delivery.event, result: 'failed' });
    this.#logger.error({ id: delivery.id, event: delivery.event, attempts: maxAttempts }, 'webhook delivery failed; event given up');
  }

  /** One POST: "delivered" (2xx), "final" (a 4xx not worth retrying) or "retry". */
  async #attempt(delivery: Delivery): Promise<'delivered' | 'final' | 'retry'> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': delivery.id,
      'x-ftp-event': delivery.event,
    };
    if (this.#config.secret !== undefined) {
      headers['x-ftp-signature'] = `sha256=${createHmac('sha256', this.#config.secret).update(delivery.body).digest('hex')}`;
    }
    try {
      const response = await request(this.#config.url, {
        method: 'POST',
        headers,
        body: delivery.body,
        dispatcher: this.#agent,
        headersTimeout: this.#config.timeoutMs,
        bodyTimeout: this.#config.timeoutMs,
        signal: AbortSignal.any([this.#stopping.signal, AbortSignal.timeout(this.#config.timeoutMs)]),
      });
      await response.body.dump();
      if (response.statusCode >= 200 && response.statusCode < 300) return 'delivered';
      const retry = isRetryable(response.statusCode);
      this.#logger.warn(
        { id: delivery.id, event: delivery.event, status: response.statusCode, retry },
        'webhook receiver refused the event',
      );
      return retry ? 'retry' : 'final';
    } catch (error) {
      this.#logger.warn({ id: delivery.id, event: delivery.event, error: String(error) }, 'webhook delivery attempt failed');
      return 'retry';
    }
  }

  /** Waits before the next attempt; false when shutdown interrupted the wait. */
  #backOff(attempt: number): Promise<boolean> {
    const { initialBackoffMs, maxBackoffMs } = this.#config;
    const base = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempt - 1));
    // Full jitter over the upper half, so many servers retrying after one outage do not all come back at once.
    const delay = base / 2 + Math.random() * (base / 2);
    return new Promise((resolve) => {
      const signal = this.#stopping.signal;
      if (signal.aborted) return resolve(false);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, delay);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
