import type { AuthenticationRequest, AuthenticationResult, AuthenticatorV1 } from '@ftp/plugin-api';

/**
 * Accepts every user name with any password ("no-auth"). For tests and trusted local networks only: anyone who can
 * reach the port gets the storage.
 */
export function createNoAuthAuthenticator(): AuthenticatorV1 {
  return Object.freeze({
    specificationVersion: 'v1' as const,
    name: 'no-auth',
    async authenticate(request: AuthenticationRequest): Promise<AuthenticationResult> {
      return { outcome: 'accepted', user: { username: request.username } };
    },
  });
}
