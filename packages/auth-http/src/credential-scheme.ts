import type { AuthenticationRequest } from '@ftp/plugin-api';
import type { PreparedTarget } from './client-info.ts';
import type { HttpRequest, HttpResponse } from './http-client.ts';

/** The login request (on PASS) or a re-validation request (before a command, once the TTL has passed). */
export type RequestKind = 'login' | 'revalidation';

/** Sends one request over the authenticator's pool, with the session's signal and the deadline. */
export type SendRequest = (request: HttpRequest) => Promise<HttpResponse>;

/** The credentials of one FTP session, and whatever the scheme learns while using them (a Digest nonce). */
export interface SchemeSession {
  /** Sends the `kind` request to `target` with this session's credentials and returns the response that decides. */
  exchange(kind: RequestKind, target: PreparedTarget, send: SendRequest): Promise<HttpResponse>;
}

/** How one HTTP authentication scheme puts FTP credentials on a request. */
export interface CredentialScheme {
  /** The authenticator name, for logs: "http-basic", "http-digest", "http-bearer" or "webhook". */
  readonly name: string;
  /** A reason to reject these credentials without any request (they cannot be expressed in the scheme). */
  refuse?(request: AuthenticationRequest): string | undefined;
  /**
   * Starts a session. The returned object is the only place the password (or token) is kept after `authenticate`
   * returns, and it is reachable only from that session's re-validation.
   */
  open(request: AuthenticationRequest): SchemeSession;
}
