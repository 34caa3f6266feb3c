import { ConfigError } from './config-error.ts';
import type { serverEventNames } from './logging.ts';

/** The events a webhook can be sent for: the operations of `@ftp/server`'s events, after they completed. */
export const webhookEventNames = ['upload', 'download', 'delete', 'rename', 'mkdir', 'rmdir', 'login', 'login-failed'] as const;
/** One of `webhookEventNames`. */
export type WebhookEventName = (typeof webhookEventNames)[number];

/** The `webhooks` key: where and how events are posted. */
export interface WebhooksConfig {
  /** http(s) URL every event is POSTed to as JSON. */
  readonly url: string;
  /** Events to send. Default: all of `webhookEventNames`. */
  readonly events: readonly WebhookEventName[];
  /** When set, each request carries `X-Ftp-Signature: sha256=<HMAC of the body>` so the receiver can verify it. */
  readonly secret?: string;
  /** Deadline of one delivery attempt. Default 5000 ms. */
  readonly timeoutMs: number;
  /** Attempts per event, the first included, before it is given up. Default 5. */
  readonly maxAttempts: number;
  /** Wait before the first retry; doubled on each further one (with jitter), up to `maxBackoffMs`. Default 500 ms. */
  readonly initialBackoffMs: number;
  /** Longest wait between retries. Default 30000 ms. */
  readonly maxBackoffMs: number;
  /** Events waiting for delivery beyond which new ones are dropped (logged and counted), never blocking a transfer. Default 1000. */
  readonly queueSize: number;
  /** Deliveries in flight at once. Default 4. */
  readonly concurrency: number;
}

/** The `preUploadHook` key: an HTTP check before each upload, mapped to the engine's `beforeUpload`. */
export interface PreUploadHookConfig {
  /** http(s) URL POSTed `{ sessionId, username, path, command, remoteAddress }` before any data moves. */
  readonly url: string;
  /** Deadline of the call. Default 5000 ms. */
  readonly timeoutMs: number;
  /** Allow the upload when the hook cannot be reached or fails (5xx, timeout). Default false: the client gets 451. */
  readonly failOpen: boolean;
}

type Fields = Readonly<Record<string, unknown>>;

/** Validates the `webhooks` object; throws `ConfigError` naming the bad field. */
export function parseWebhooksConfig(value: Fields): WebhooksConfig {
  const known = ['url', 'events', 'secret', 'timeoutMs', 'maxAttempts', 'initialBackoffMs', 'maxBackoffMs', 'queueSize', 'concurrency'];
  expectKnown('webhooks', value, known);
  const events = value.events ?? webhookEventNames;
  if (!Array.isArray(events) || events.length === 0 || events.some((event) => !(webhookEventNames as readonly unknown[]).includes(event))) {
    throw new ConfigError('webhooks.events', `must be a non-empty list of ${webhookEventNames.join(', ')}`);
  }
  if (value.secret !== undefined && (typeof value.secret !== 'string' || value.secret === '')) {
    throw new ConfigError('webhooks.secret', 'must be a non-empty string');
  }
  const initialBackoffMs = integer('webhooks.initialBackoffMs', value.initialBackoffMs, 500, 1, 3_600_000);
  return {
    url: httpUrl('webhooks.url', value.url),
    events: events as WebhookEventName[],
    ...(value.secret === undefined ? {} : { secret: value.secret as string }),
    timeoutMs: integer('webhooks.timeoutMs', value.timeoutMs, 5_000, 1, 600_000),
    maxAttempts: integer('webhooks.maxAttempts', value.maxAttempts, 5, 1, 100),
    initialBackoffMs,
    maxBackoffMs: integer('webhooks.maxBackoffMs', value.maxBackoffMs, Math.max(30_000, initialBackoffMs), initialBackoffMs, 86_400_000),
    queueSize: integer('webhooks.queueSize', value.queueSize, 1_000, 1, 1_000_000),
    concurrency: integer('webhooks.concurrency', value.concurrency, 4, 1, 256),
  };
}

/** Validates the `preUploadHook` object; throws `ConfigError` naming the bad field. */
export function parsePreUploadHookConfig(value: Fields): PreUploadHookConfig {
  expectKnown('preUploadHook', value, ['url', 'timeoutMs', 'failOpen']);
  if (value.failOpen !== undefined && typeof value.failOpen !== 'boolean')
    throw new ConfigError('preUploadHook.failOpen', 'must be true or false');
  return {
    url: httpUrl('preUploadHook.url', value.url),
    timeoutMs: integer('preUploadHook.timeoutMs', value.timeoutMs, 5_000, 1, 600_000),
    failOpen: value.failOpen === true,
  };
}

/** `pasvAddressMap` ({ "10.0.0.0/8": "10.0.0.5", "0.0.0.0/0": "ftp.example.com" }) as the engine's rule list. */
export function passiveRulesFrom(map: Fields): { clients: string; address: string }[] {
  return Object.entries(map).map(([clients, address]) => {
    if (typeof address !== 'string') throw new ConfigError(`pasvAddressMap.${clients}`, 'must be an IPv4 address or a host name');
    return { clients, address };
  });
}

function expectKnown(key: string, value: Fields, known: readonly string[]): void {
  for (const field of Object.keys(value)) {
    if (!known.includes(field)) throw new ConfigError(`${key}.${field}`, `unknown field; expected one of ${known.join(', ')}`);
  }
}

function httpUrl(key: string, value: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new ConfigError(key, 'must be an http:// or https:// URL');
  return url.href;
}

function integer(key: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(key, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

// Every webhook event is a server event, so the logging list covers them too.
const webhookEventsAreServerEvents: readonly (typeof serverEventNames)[number][] = webhookEventNames;
void webhookEventsAreServerEvents;
