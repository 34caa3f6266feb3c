import { InvalidOptionError } from '@ftp/plugin-api';

// Small validators for options that may come from a JSON config file: every failure names the key.

/** Throws for keys the caller does not know, so a typo in a config file is not silently ignored. */
export function rejectUnknownKeys(options: Readonly<Record<string, unknown>>, known: ReadonlySet<string>): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new InvalidOptionError(key, 'unknown option');
  }
}

/** An http: or https: URL without user info or fragment. */
export function checkUrl(key: string, value: unknown): URL {
  if (typeof value !== 'string' || value === '') throw new InvalidOptionError(key, 'must be an http or https URL');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidOptionError(key, 'must be an http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidOptionError(key, 'must be an http or https URL');
  // Credentials in a config URL would be sent with every request and show up wherever the URL is logged.
  if (url.username !== '' || url.password !== '') throw new InvalidOptionError(key, 'must not contain user info');
  if (url.hash !== '') throw new InvalidOptionError(key, 'must not contain a fragment');
  return url;
}

/** A positive safe integer, or the default when undefined. */
export function checkPositiveInteger(key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidOptionError(key, 'must be a positive integer');
  }
  return value;
}

/** A non-negative safe integer (0 meaning "off"), or the default when undefined. */
export function checkNonNegativeInteger(key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidOptionError(key, 'must be a non-negative integer');
  }
  return value;
}

/** One of `choices`, compared case-insensitively; returns the choice as spelled in `choices`. */
export function checkChoice<T extends string>(key: string, value: unknown, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  const found = typeof value === 'string' ? choices.find((choice) => choice.toLowerCase() === value.toLowerCase()) : undefined;
  if (found === undefined) throw new InvalidOptionError(key, `must be one of ${choices.join(', ')}`);
  return found;
}

export function checkBoolean(key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(key, 'must be true or false');
  return value;
}

const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * A header name (RFC 9110 §5.1 token), `false` to send nothing, or the default when undefined. Returned lower-case,
 * as undici sends header names.
 */
export function checkHeaderName(key: string, value: unknown, fallback: string | undefined): string | undefined {
  if (value === undefined) return fallback;
  if (value === false) return undefined;
  if (typeof value !== 'string' || !headerName.test(value)) throw new InvalidOptionError(key, 'must be a header name or false');
  const lower = value.toLowerCase();
  if (lower === 'authorization' || lower === 'host' || lower === 'content-type' || lower === 'content-length') {
    throw new InvalidOptionError(key, `must not be ${value}: the authenticator sets that header itself`);
  }
  return lower;
}

/** A query parameter name, `false` to send nothing, or undefined (the default: none). */
export function checkParameterName(key: string, value: unknown): string | undefined {
  if (value === undefined || value === false) return undefined;
  if (typeof value !== 'string' || value === '') throw new InvalidOptionError(key, 'must be a non-empty parameter name or false');
  return value;
}

/** A list of 2xx statuses; the default is [200], like ex_ftp. */
export function checkSuccessStatuses(key: string, value: unknown): ReadonlySet<number> {
  if (value === undefined) return new Set([200]);
  if (!Array.isArray(value) || value.length === 0) throw new InvalidOptionError(key, 'must be a non-empty array of 2xx statuses');
  for (const status of value) {
    // Only 2xx can mean "logged in": a 3xx is never followed (credentials must not travel to another location).
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 299) {
      throw new InvalidOptionError(key, 'must be a non-empty array of 2xx statuses');
    }
  }
  return new Set(value as number[]);
}
