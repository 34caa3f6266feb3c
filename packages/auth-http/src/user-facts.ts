import { parseUserProfile, type AuthenticatedUser } from '@ftp/plugin-api';
import type { HttpResponse } from './http-client.ts';

/**
 * Reads the user facts from a successful login response: `homeDirectory`, `rootDirectory`, `permissions`,
 * `directoryPermissions`, `quota`, `bandwidth`, `maxSessions` and `attributes`, as `AuthenticatedUser` defines them
 * (checked by `parseUserProfile`). Other keys are ignored, and the user name always stays the FTP USER argument. Returns a string describing the
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
  const { homeDirectory, rootDirectory, permissions, directoryPermissions, quota, bandwidth, maxSessions, attributes } = document;
  try {
    const profile = parseUserProfile(
      { homeDirectory, rootDirectory, permissions, directoryPermissions, quota, bandwidth, maxSessions, attributes },
      'response',
    );
    return { ...profile, username };
  } catch (error) {
    return (error as Error).message;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
