import type { AuthenticationRequest, AuthenticationResult, AuthenticatorV1 } from '@ftp/plugin-api';

/**
 * Accepts every user name except `root` (in any letter case), with any password ("passthrough"). Useful with a
 * storage root containing `{user}`, so each name gets its own directory without managing passwords.
 */
export function createPassthroughAuthenticator(): AuthenticatorV1 {
  return Object.freeze({
    specificationVersion: 'v1' as const,
    name: 'passthrough',
    async authenticate(request: AuthenticationRequest): Promise<AuthenticationResult> {
      if (request.username.toLowerCase() === 'root') return { outcome: 'rejected', reason: 'root is not allowed' };
      return { outcome: 'accepted', user: { username: request.username } };
    },
  });
}
