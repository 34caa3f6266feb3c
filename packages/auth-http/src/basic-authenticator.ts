import type { AuthenticationRequest } from '@ftp/plugin-api';
import type { AuthenticatorEnvironment } from './environment.ts';
import { createHttpAuthenticator, type HttpAuthenticator } from './http-authenticator.ts';
import { rejectUnknownKeys } from './option-checks.ts';
import { commonOptionKeys, resolveOptions, type HttpAuthenticatorOptions } from './options.ts';

/** Options of `createBasicAuthenticator`: the common options only. */
export type BasicAuthenticatorOptions = HttpAuthenticatorOptions;

const knownKeys: ReadonlySet<string> = new Set(commonOptionKeys);

/**
 * An authenticator that sends `Authorization: Basic base64(user:password)` (RFC 7617, UTF-8) to `loginUrl`, and the
 * same to `authenticatedUrl` to re-validate. A user name containing ":" cannot be expressed (RFC 7617 §2) and is
 * rejected without a request. Throws `InvalidOptionError` naming the key for invalid options.
 */
export function createBasicAuthenticator(
  options: BasicAuthenticatorOptions,
  environment: AuthenticatorEnvironment = {},
): HttpAuthenticator {
  rejectUnknownKeys(options as unknown as Record<string, unknown>, knownKeys);
  const resolved = resolveOptions(options, environment.configDirectory);
  return createHttpAuthenticator(
    {
      name: 'http-basic',
      refuse: ({ username }) => (username.includes(':') ? 'a user name with ":" cannot be sent with Basic (RFC 7617 §2)' : undefined),
      open(request: AuthenticationRequest) {
        const authorization = `Basic ${Buffer.from(`${request.username}:${request.password}`, 'utf8').toString('base64')}`;
        return {
          exchange: (_kind, target, send) =>
            send({ url: target.url, method: target.method, headers: { ...target.headers, authorization } }),
        };
      },
    },
    resolved,
  );
}
