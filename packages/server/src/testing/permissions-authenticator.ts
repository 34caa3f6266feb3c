import type { AuthenticatorV1, UserPermissions } from '@ftp/plugin-api';

/**
 * Accepts every login, as a user with `permissions` (and `directoryPermissions`, by directory): for tests of what a
 * permission allows and refuses.
 */
export function permissionsAuthenticator(
  permissions: UserPermissions,
  directoryPermissions?: Readonly<Record<string, UserPermissions>>,
): AuthenticatorV1 {
  return {
    specificationVersion: 'v1',
    name: 'permissions',
    authenticate: async (request) => ({
      outcome: 'accepted',
      user: { username: request.username, permissions, ...(directoryPermissions === undefined ? {} : { directoryPermissions }) },
    }),
  };
}
