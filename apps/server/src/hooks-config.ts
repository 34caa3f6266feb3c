import type { z } from 'zod';
import { webhookEventNames, type preUploadHookSchema, type webhooksSchema } from './config-schema.ts';
import type { serverEventNames } from './logging.ts';

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

// Every webhook event is a server event, so the logging list covers them too.
const webhookEventsAreServerEvents: readonly (typeof serverEventNames)[number][] = webhookEventNames;
void webhookEventsAreServerEvents;
