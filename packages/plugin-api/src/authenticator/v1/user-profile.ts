import { InvalidOptionError } from '../../errors/plugin-errors.ts';
import type { AuthenticatedUser, UserChanges, UserPermissions } from './authenticator-v1.ts';
import { UserStoreError } from './user-store-error.ts';

/** Everything an accepted login may carry besides the user name. */
export type UserProfile = Omit<AuthenticatedUser, 'username'>;

/** The keys of `UserPermissions`. */
export const userPermissionKeys: readonly (keyof UserPermissions)[] = Object.freeze([
  'list',
  'download',
  'upload',
  'overwrite',
  'delete',
  'rename',
  'makeDirectory',
  'setModifiedTime',
  'chmod',
]);

const profileKeys = [
  'homeDirectory',
  'rootDirectory',
  'permissions',
  'directoryPermissions',
  'quota',
  'bandwidth',
  'maxSessions',
  'attributes',
];

/**
 * Validates user facts that come from outside (a users file, an identity service's JSON reply) and returns them as an
 * `AuthenticatedUser` without its name. Throws `InvalidOptionError` naming the faulty key below `path` (for example
 * `users[2].quota.maxBytes`). With `ignoreUnknownKeys`, keys it does not know are skipped instead of refused.
 */
export function parseUserProfile(value: unknown, path: string, options: { readonly ignoreUnknownKeys?: boolean } = {}): UserProfile {
  if (!isRecord(value)) throw new InvalidOptionError(path, 'must be an object');
  const profile: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    const at = `${path}.${key}`;
    switch (key) {
      case 'homeDirectory':
      case 'rootDirectory':
        if (typeof item !== 'string' || !item.startsWith('/'))
          throw new InvalidOptionError(at, 'must be an absolute virtual path such as "/incoming"');
        profile[key] = item;
        break;
      case 'permissions':
        profile[key] = parsePermissions(item, at);
        break;
      case 'directoryPermissions':
        profile[key] = parseDirectoryPermissions(item, at);
        break;
      case 'quota':
        profile[key] = parseLimits(item, at, ['maxBytes', 'maxFiles'], 0);
        break;
      case 'bandwidth':
        profile[key] = parseLimits(item, at, ['uploadBytesPerSecond', 'downloadBytesPerSecond'], 1);
        break;
      case 'maxSessions':
        profile[key] = parseWholeNumber(item, at, 0);
        break;
      case 'attributes':
        if (!isRecord(item)) throw new InvalidOptionError(at, 'must be an object');
        profile[key] = item;
        break;
      default:
        if (!options.ignoreUnknownKeys) throw new InvalidOptionError(at, `unknown key (known: ${profileKeys.join(', ')})`);
    }
  }
  return Object.freeze(profile);
}

/** The keys of `UserChanges`. */
export const userChangeKeys: readonly (keyof UserChanges)[] = Object.freeze([
  'homeDirectory',
  'rootDirectory',
  'permissions',
  'directoryPermissions',
  'quota',
  'bandwidth',
  'attributes',
]);

/**
 * Checks a change of a user's profile (`UserStoreV1.updateUser`) from outside (an admin API body) and returns it as
 * `UserChanges`: null values stay null (remove the fact), the others pass the checks of `parseUserProfile`. Throws
 * `UserStoreError` with reason "invalid-user" naming the field (`quota.maxBytes: must be a whole number, 0 or
 * more`), for an unknown key too.
 */
export function parseUserChanges(value: unknown): UserChanges {
  if (!isRecord(value)) throw new UserStoreError('invalid-user', 'changes: must be an object');
  const changes: Record<string, unknown> = {};
  const facts: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (!(userChangeKeys as readonly string[]).includes(key)) {
      throw new UserStoreError('invalid-user', `${key}: unknown key (known: ${userChangeKeys.join(', ')})`);
    }
    if (item === null) changes[key] = null;
    else facts[key] = item;
  }
  let profile: UserProfile;
  try {
    profile = parseUserProfile(facts, 'changes');
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^changes\./, '') : String(error);
    throw new UserStoreError('invalid-user', message, { cause: error });
  }
  // A store writes the attributes as JSON: what JSON cannot hold would be lost or changed on the way.
  if (profile.attributes !== undefined) checkJson(profile.attributes, 'attributes', 0);
  return Object.freeze({ ...changes, ...profile }) as UserChanges;
}

/** Deeper than any record's facts need; also stops at a cycle. */
const maxJsonDepth = 32;

function checkJson(value: unknown, path: string, depth: number): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number' && Number.isFinite(value)) return;
  const nested = Array.isArray(value) || (isRecord(value) && [Object.prototype, null].includes(Object.getPrototypeOf(value)));
  if (!nested) throw new UserStoreError('invalid-user', `${path}: must be JSON (a string, finite number, boolean, null, array or object)`);
  if (depth >= maxJsonDepth) throw new UserStoreError('invalid-user', `${path}: nested deeper than ${maxJsonDepth} levels`);
  for (const [key, item] of Object.entries(value)) checkJson(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, depth + 1);
}

function parsePermissions(value: unknown, path: string): UserPermissions {
  if (!isRecord(value)) throw new InvalidOptionError(path, 'must be an object of boolean flags');
  for (const [key, flag] of Object.entries(value)) {
    if (!(userPermissionKeys as readonly string[]).includes(key)) {
      throw new InvalidOptionError(`${path}.${key}`, `unknown permission (known: ${userPermissionKeys.join(', ')})`);
    }
    if (typeof flag !== 'boolean') throw new InvalidOptionError(`${path}.${key}`, 'must be true or false');
  }
  return Object.freeze({ ...value }) as UserPermissions;
}

function parseDirectoryPermissions(value: unknown, path: string): Record<string, UserPermissions> {
  if (!isRecord(value)) throw new InvalidOptionError(path, 'must map directory paths to permission objects');
  const byDirectory: Record<string, UserPermissions> = {};
  for (const [directory, permissions] of Object.entries(value)) {
    if (!directory.startsWith('/')) throw new InvalidOptionError(path, `"${directory}" must be an absolute path`);
    byDirectory[directory] = parsePermissions(permissions, `${path}.${directory}`);
  }
  return byDirectory;
}

function parseLimits(value: unknown, path: string, keys: readonly string[], minimum: number): Record<string, number> {
  if (!isRecord(value)) throw new InvalidOptionError(path, `must be an object with ${keys.join(', ')}`);
  const limits: Record<string, number> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!keys.includes(key)) throw new InvalidOptionError(`${path}.${key}`, `unknown key (known: ${keys.join(', ')})`);
    limits[key] = parseWholeNumber(item, `${path}.${key}`, minimum);
  }
  return limits;
}

function parseWholeNumber(value: unknown, path: string, minimum: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
    throw new InvalidOptionError(path, `must be a whole number, ${minimum} or more`);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
