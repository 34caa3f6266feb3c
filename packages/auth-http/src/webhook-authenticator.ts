import { createHash, getHashes } from 'node:crypto';
import { InvalidOptionError } from '@ftp/plugin-api';
import type { PreparedTarget } from './client-info.ts';
import type { AuthenticatorEnvironment } from './environment.ts';
import type { HttpRequest } from './http-client.ts';
import { createHttpAuthenticator, type HttpAuthenticator } from './http-authenticator.ts';
import { checkChoice, rejectUnknownKeys } from './option-checks.ts';
import { commonOptionKeys, resolveOptions, type HttpAuthenticatorOptions, type ResolvedOptions } from './options.ts';

/**
 * Hash names accepted for `passwordHashType`: the names of Erlang's `:crypto.hash/2` that ex_ftp passes through, for
 * every algorithm Node's `crypto` also has, mapped to Node's names (`sha1` is an alias for `sha`). Erlang's `md4`
 * (only in OpenSSL's legacy provider, off in Node) and `ripemd160`, `sm3`, `shake128`, `shake256` (not in every
 * OpenSSL build Node runs on) are left out, so a config that works on one machine works on the next.
 */
const hashNames = {
  md5: 'md5',
  sha: 'sha1',
  sha1: 'sha1',
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha3_224: 'sha3-224',
  sha3_256: 'sha3-256',
  sha3_384: 'sha3-384',
  sha3_512: 'sha3-512',
  // Erlang's blake2b and blake2s give the full-length digests: 64 and 32 bytes.
  blake2b: 'blake2b512',
  blake2s: 'blake2s256',
} as const;
type HashName = keyof typeof hashNames;

/** Where the webhook sends `username` and `password_hash`. */
export type CredentialsPlacement = 'query' | 'form' | 'json';

/** Options of `createWebhookAuthenticator`. */
export interface WebhookAuthenticatorOptions extends HttpAuthenticatorOptions {
  /** Digest of the password sent as `password_hash`, lower-case hex. Default "sha256" (as ex_ftp). */
  readonly passwordHashType?: string;
  /**
   * "query" (default, as ex_ftp): URL query parameters. "form": an `application/x-www-form-urlencoded` body.
   * "json": an `application/json` body. The body forms need a method with a body (POST, PUT, PATCH).
   */
  readonly credentialsIn?: CredentialsPlacement;
}

const knownKeys: ReadonlySet<string> = new Set([...commonOptionKeys, 'passwordHashType', 'credentialsIn']);

/**
 * ex_ftp's webhook: `username` and `password_hash` (the lower-case hex digest of the password) go to `loginUrl`;
 * re-validation sends only `username` to `authenticatedUrl`. The hash is password-equivalent: anyone who sees it can
 * log in through this webhook, so keep it out of access logs (prefer "form" or "json") and use https.
 */
export function createWebhookAuthenticator(
  options: WebhookAuthenticatorOptions,
  environment: AuthenticatorEnvironment = {},
): HttpAuthenticator {
  rejectUnknownKeys(options as unknown as Record<string, unknown>, knownKeys);
  const hashName = checkChoice('passwordHashType', options.passwordHashType, Object.keys(hashNames) as HashName[], 'sha256');
  // A FIPS-only OpenSSL may lack an algorithm (md5, blake2): refuse at start rather than fail every login.
  if (!getHashes().includes(hashNames[hashName])) {
    throw new InvalidOptionError('passwordHashType', `${hashName} is not available in this Node.js build's OpenSSL`);
  }
  const placement = checkChoice<CredentialsPlacement>('credentialsIn', options.credentialsIn, ['query', 'form', 'json'], 'query');
  const resolved = resolveOptions(options, environment.configDirectory);
  if (placement !== 'query') requireBodyMethods(resolved, placement);
  return createHttpAuthenticator(
    {
      name: 'webhook',
      open({ username, password }) {
        const passwordHash = createHash(hashNames[hashName]).update(password, 'utf8').digest('hex');
        return {
          exchange(kind, target, send) {
            const fields: Record<string, string> = kind === 'login' ? { username, password_hash: passwordHash } : { username };
            return send(withFields(target, fields, placement));
          },
        };
      },
    },
    resolved,
  );
}

function requireBodyMethods(options: ResolvedOptions, placement: CredentialsPlacement): void {
  const checks = [
    ['loginMethod', options.login.method],
    ['authenticatedMethod', options.authenticated?.method],
  ] as const;
  for (const [key, method] of checks) {
    if (method === 'GET' || method === 'HEAD') {
      throw new InvalidOptionError(key, `must be POST, PUT or PATCH when credentialsIn is "${placement}"`);
    }
  }
}

function withFields(target: PreparedTarget, fields: Record<string, string>, placement: CredentialsPlacement): HttpRequest {
  if (placement === 'query') {
    const url = new URL(target.url);
    for (const [name, value] of Object.entries(fields)) url.searchParams.set(name, value);
    return { url, method: target.method, headers: target.headers };
  }
  const isJson = placement === 'json';
  return {
    url: target.url,
    method: target.method,
    headers: { ...target.headers, 'content-type': isJson ? 'application/json' : 'application/x-www-form-urlencoded' },
    body: isJson ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
  };
}
