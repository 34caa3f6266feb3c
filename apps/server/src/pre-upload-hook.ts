import type { BeforeUploadDecision, BeforeUploadHook, BeforeUploadRequest } from '@ftp/server';
import type { Logger } from 'pino';
import { request } from 'undici';
import type { PreUploadHookConfig } from './hooks-config.ts';

/** Thrown when the hook cannot answer: the engine replies 451 (a local error; the client may retry). */
class PreUploadHookUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PreUploadHookUnavailableError';
  }
}

/**
 * The `preUploadHook` as the engine's `beforeUpload`: POSTs `{ sessionId, username, path, command, remoteAddress }`
 * as JSON before any data moves. The receiver answers 2xx with `{ "allowed": true }` (or an empty body) to allow, or
 * `{ "allowed": false, "reason": "…" }` to refuse; a 403 or 422 refuses too, with `reason` from its JSON body if any.
 * The client then gets 550 and the reason. When the hook cannot answer (network error, timeout, another status) the
 * upload is refused with 451, or allowed with `failOpen`.
 */
export function createPreUploadHook(config: PreUploadHookConfig, logger: Logger): BeforeUploadHook {
  const log = logger.child({ component: 'pre-upload-hook' });
  return async (upload: BeforeUploadRequest): Promise<BeforeUploadDecision> => {
    try {
      return await ask(config, upload);
    } catch (error) {
      log.warn({ error: String(error), path: upload.path, failOpen: config.failOpen }, 'pre-upload hook unavailable');
      if (config.failOpen) return { allowed: true };
      throw new PreUploadHookUnavailableError('pre-upload hook unavailable', { cause: error });
    }
  };
}

async function ask(config: PreUploadHookConfig, upload: BeforeUploadRequest): Promise<BeforeUploadDecision> {
  const { sessionId, username, path, command, remoteAddress } = upload;
  const response = await request(config.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sessionId, username, path, command, remoteAddress }),
    headersTimeout: config.timeoutMs,
    bodyTimeout: config.timeoutMs,
    signal: AbortSignal.any([upload.signal, AbortSignal.timeout(config.timeoutMs)]),
  });
  const text = await response.body.text();
  const body = parseBody(text);
  const reason = typeof body?.reason === 'string' && body.reason !== '' ? body.reason : undefined;
  if (response.statusCode === 403 || response.statusCode === 422) return { allowed: false, ...(reason === undefined ? {} : { reason }) };
  if (response.statusCode < 200 || response.statusCode >= 300) throw new Error(`pre-upload hook answered ${response.statusCode}`);
  if (body?.allowed === false) return { allowed: false, ...(reason === undefined ? {} : { reason }) };
  return { allowed: true };
}

function parseBody(text: string): { allowed?: unknown; reason?: unknown } | undefined {
  if (text.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as { allowed?: unknown; reason?: unknown }) : undefined;
  } catch {
    throw new Error('pre-upload hook answered with invalid JSON');
  }
}
