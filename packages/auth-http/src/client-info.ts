import type { PluginContext } from '@ftp/plugin-api';
import type { ClientInfoNames, RequestTarget } from './options.ts';

/** A request target with the client facts added, before any credentials are. */
export interface PreparedTarget {
  readonly url: URL;
  readonly method: RequestTarget['method'];
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Adds the client's IP address and "ftps"/"ftp" (whether the control connection is TLS) as the configured headers
 * and query parameters, so the identity service can decide on them. The query parameters become part of the request
 * target, so a Digest `uri` includes them (RFC 7616 §3.4).
 */
export function withClientInfo(target: RequestTarget, names: ClientInfoNames, context: PluginContext): PreparedTarget {
  const url = new URL(target.url);
  const headers: Record<string, string> = {};
  const secure = context.secure ? 'ftps' : 'ftp';
  if (names.addressHeader !== undefined) headers[names.addressHeader] = context.remoteAddress;
  if (names.secureHeader !== undefined) headers[names.secureHeader] = secure;
  if (names.addressParameter !== undefined) url.searchParams.set(names.addressParameter, context.remoteAddress);
  if (names.secureParameter !== undefined) url.searchParams.set(names.secureParameter, secure);
  return { url, method: target.method, headers };
}
