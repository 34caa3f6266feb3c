import type { AuthenticatorEnvironment } from './environment.ts';
import { createHttpAuthenticator, type HttpAuthenticator } from './http-authenticator.ts';
import { rejectUnknownKeys } from './option-checks.ts';
import { commonOptionKeys, resolveOptions, type HttpAuthenticatorOptions } from './options.ts';

/** Options of `createBearerAuthenticator`: the common options only. */
export type BearerAuthenticatorOptions = HttpAuthenticatorOptions;

const knownKeys: ReadonlySet<string> = new Set(commonOptionKeys);

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * An authenticator for tokens: the FTP password is the token, sent as `Authorization: Bearer <token>` (RFC 6750 §2.1)
 * to `loginUrl` and `authenticatedUrl`. The FTP user name names the session (logs, storage) but is not sent: the
 * token alone identifies the user to the service. A password that is not a valid b64token is rejected without a request.
 */
export function createBearerAuthenticator(
  options: BearerAuthenticatorOptions,
  environment: AuthenticatorEnvironment = {},
): HttpAuthenticator {
  rejectUnknownKeys(options as unknown as Record<string, unknown>, knownKeys);
  const resolved = resolveOptions(options, environment.configDirectory);
  return createHttpAuthenticator(
    {
      name: 'http-bearer',
      refuse: ({ password }) => (b64token.test(password) ? undefined : 'the password is not a bearer token (RFC 6750 §2.1)'),
      open({ password }) {
        const authorization = `Bearer ${password}`;
        return {
          exchange: (_kind, target, send) =>
            send({ url: target.url, method: target.method, headers: { ...target.headers, authorization } }),
        };
      },
    },
    resolved,
  );
}
