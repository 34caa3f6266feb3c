import type { AuthenticatedUser, UserPermissions } from '@ftp/plugin-api';
import type { HttpResponse } from './http-client.ts';

const permissionKeys: ReadonlySet<string> = new Set([
  'list',
  'download',
  'upload',
  'overwrite',
  'delete',
  'rename',
  'makeDirectory',
  'setModifiedTime',
] satisfies Array<keyof UserPermissions>);

/**
 * Reads the user facts from a successful login response:
 * `{ "homeDirectory"?: "/virtual/dir", "permissions"?: { "upload": false, ... }, "attributes"?: { ... } }`.
 * Other keys are ignored, and the user name always stays the FTP USER argument. Returns a string describing the
 * problem when the body is not such an object (the caller treats that as an outage: the service answered "yes" but
 * with something we cannot use, so we neither log the user in with default rights nor call the password wrong).
 */
export function userFromResponse(username: string, response: HttpResponse): AuthenticatedUser | string {
  if (response.isBodyTruncated) return 'response body too large';
  if (response.body.byteLength === 0) return { username };
  let document: unknown;
  try {
    document = JSON.parse(response.body.toString('utf8'));
  } catch {
    return 'response body is not JSON';
  }
  if (!isRecord(document)) return 'response body is not a JSON object';
  const { homeDirectory, permissions, attributes } = document;
  if (homeDirectory !== undefined && (typeof homeDirectory !== 'string' || !homeDirectory.startsWith('/'))) {
    return 'homeDirectory must be an absolute virtual path';
  }
  if (permissions !== undefined && !isPermissions(permissions)) return 'permissions must map permission names to booleans';
  if (attributes !== undefined && !isRecord(attributes)) return 'attributes must be an object';
  return {
    username,
    ...(homeDirectory === undefined ? {} : { homeDirectory }),
    ...(permissions === undefined ? {} : { permissions }),
    ...(attributes === undefined ? {} : { attributes }),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPermissions(value: unknown): value is UserPermissions {
  return isRecord(value) && Object.entries(value).every(([key, flag]) => permissionKeys.has(key) && typeof flag === 'boolean');
}
