import type { z } from 'zod';
import { ConfigError } from './config-error.ts';
import { checkWithSchema, formatPath } from './config-problems.ts';
import { webhookEventNames, webhooksSchema, type preUploadHookSchema } from './config-schema.ts';
import type { serverEventNames } from './logging.ts';

export { webhookEventNames } from './config-schema.ts';

/** One of `webhookEventNames`. */
export type WebhookEventName = (typeof webhookEventNames)[number];

/** The `webhooks` key, with every default filled in: where and how events are posted. */
export type WebhooksConfig = Readonly<Omit<z.output<typeof webhooksSchema>, 'maxBackoffMs' | 'events'>> & {
  /** Events to send. */
  readonly events: readonly WebhookEventName[];
  /** Longest wait between retries: 30000 ms by default, or `initialBackoffMs` when that is larger. */
  readonly maxBackoffMs: number;
};

/** The `preUploadHook` key: an HTTP check before each upload, mapped to the engine's `beforeUpload`. */
export type PreUploadHookConfig = Readonly<z.output<typeof preUploadHookSchema>>;

/** The `webhooks` section as the schema outputs it, completed with the default that depends on another key. */
export function completeWebhooksConfig(section: z.output<typeof webhooksSchema>): WebhooksConfig {
  return { ...section, maxBackoffMs: section.maxBackoffMs ?? Math.max(30_000, section.initialBackoffMs) };
}

/** Validates a `webhooks` object on its own; throws `ConfigError` naming every bad field. */
export function parseWebhooksConfig(value: unknown): WebhooksConfig {
  const checked = checkWithSchema(webhooksSchema, value);
  if (checked.ok) return completeWebhooksConfig(checked.value);
  const [first, ...rest] = checked.problems.map((problem) => ({ key: formatPath(['webhooks', ...problem.path]), reason: problem.reason }));
  throw new ConfigError([first!, ...rest]);
}

/** `pasvAddressMap` ({ "10.0.0.0/8": "10.0.0.5", "0.0.0.0/0": "ftp.example.com" }) as the engine's rule list. */
export function passiveRulesFrom(map: Readonly<Record<string, unknown>>): { clients: string; address: string }[] {
  return Object.entries(map).map(([clients, address]) => {
    if (typeof address !== 'string')
      throw new ConfigError(formatPath(['pasvAddressMap', clients]), 'must be an IPv4 address or a host name');
    return { clients, address };
  });
}

// Every webhook event is a server event, so the logging list covers them too.
const webhookEventsAreServerEvents: readonly (typeof serverEventNames)[number][] = webhookEventNames;
void webhookEventsAreServerEvents;
