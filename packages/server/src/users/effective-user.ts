import type { AuthenticatedUser, UserBandwidth, UserPermissions, UserQuota } from '@ftp/plugin-api';
import { resolveVirtualPath } from '@ftp/protocol';

/** Limits for users whose authenticator leaves them out (server option `userDefaults`). */
export interface UserDefaults {
  readonly permissions?: UserPermissions;
  readonly quota?: UserQuota;
  readonly bandwidth?: UserBandwidth;
  readonly maxSessions?: number;
}

/** A logged-in user with the server's defaults applied and the permission lookup prepared. */
export interface EffectiveUser {
  readonly user: AuthenticatedUser;
  readonly quota: UserQuota | undefined;
  readonly bandwidth: UserBandwidth | undefined;
  readonly maxSessions: number | undefined;
  /** Whether the user may do `permission` at `path` (a path as the user sees it). */
  allows(permission: keyof UserPermissions, path: string): boolean;
  /** True when a directory override lies strictly below `path`: its children may then differ in permissions. */
  hasOverridesBelow(path: string): boolean;
}

/** Applies the defaults to what the authenticator returned. */
export function resolveEffectiveUser(user: AuthenticatedUser, defaults: UserDefaults): EffectiveUser {
  const base: UserPermissions = { ...defaults.permissions, ...user.permissions };
  // Directory overrides, shortest path first, so applying them in order lets the longest match win.
  const overrides = Object.entries(user.directoryPermissions ?? {})
    .map(([directory, permissions]) => [resolveVirtualPath('/', directory), permissions] as const)
    .sort(([left], [right]) => left.length - right.length);
  return {
    user,
    quota: user.quota ?? defaults.quota,
    bandwidth: user.bandwidth ?? defaults.bandwidth,
    maxSessions: user.maxSessions ?? defaults.maxSessions,
    allows(permission, path) {
      let allowed = base[permission] ?? true;
      for (const [directory, permissions] of overrides) {
        if (directory !== '/' && path !== directory && !path.startsWith(`${directory}/`)) continue;
        allowed = permissions[permission] ?? allowed;
      }
      return allowed;
    },
    hasOverridesBelow(path) {
      const prefix = path === '/' ? '/' : `${path}/`;
      return overrides.some(([directory]) => directory !== '/' && directory.startsWith(prefix));
    },
  };
}

/** The permissions of an anonymous user (RFC 1635): read-only unless the operator made it writable. */
export function anonymousPermissions(writable: boolean): UserPermissions {
  return writable
    ? { list: true, download: true, upload: true, overwrite: false, delete: false, rename: false, makeDirectory: true, setModifiedTime: false }
    : { list: true, download: true, upload: false, overwrite: false, delete: false, rename: false, makeDirectory: false, setModifiedTime: false };
}
