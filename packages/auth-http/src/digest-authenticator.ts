import { randomBytes } from 'node:crypto';
import { AuthenticationUnavailableError, type AuthenticationRequest } from '@ftp/plugin-api';
import type { PreparedTarget } from './client-info.ts';
import type { SchemeSession, SendRequest } from './credential-scheme.ts';
import { parseChallenges, usableDigestChallenges, type DigestChallenge } from './digest-challenge.ts';
import { digestAuthorization } from './digest-response.ts';
import type { AuthenticatorEnvironment } from './environment.ts';
import { createHttpAuthenticator, type HttpAuthenticator } from './http-authenticator.ts';
import { describeTarget, type HttpResponse } from './http-client.ts';
import { rejectUnknownKeys } from './option-checks.ts';
import { commonOptionKeys, resolveOptions, type HttpAuthenticatorOptions } from './options.ts';

/** Options of `createDigestAuthenticator`: the common options only. */
export type DigestAuthenticatorOptions = HttpAuthenticatorOptions;

const knownKeys: ReadonlySet<string> = new Set(commonOptionKeys);

/**
 * An authenticator for HTTP Digest (RFC 7616): the request is sent without credentials, and the 401 challenge is
 * answered with MD5, SHA-256 or their -sess variants, qop=auth, a fresh cnonce and a nonce count. The session keeps
 * its nonce for re-validation (counting on from it) and answers a new challenge when the server retires it.
 */
export function createDigestAuthenticator(
  options: DigestAuthenticatorOptions,
  environment: AuthenticatorEnvironment = {},
): HttpAuthenticator {
  rejectUnknownKeys(options as unknown as Record<string, unknown>, knownKeys);
  const resolved = resolveOptions(options, environment.configDirectory);
  return createHttpAuthenticator({ name: 'http-digest', open: (request) => new DigestSession(request) }, resolved);
}

/** A nonce in use: RFC 7616 §3.4 counts requests per nonce; the cnonce stays with the nonce for the -sess session key. */
interface NonceState {
  readonly challenge: DigestChallenge;
  readonly cnonce: string;
  nonceCount: number;
}

class DigestSession implements SchemeSession {
  readonly #request: AuthenticationRequest;
  #nonce: NonceState | undefined;

  constructor(request: AuthenticationRequest) {
    this.#request = request;
  }

  async exchange(_kind: string, target: PreparedTarget, send: SendRequest): Promise<HttpResponse> {
    if (this.#nonce !== undefined) {
      const response = await this.#answer(this.#nonce, target, send);
      if (response.status !== 401) return response;
      // The server retired or forgot the nonce: a new challenge decides, and a wrong password fails there.
      const renewed = firstUsable(response);
      if (renewed !== undefined) return this.#answerNew(renewed, target, send, false);
    }
    const probe = await send({ url: target.url, method: target.method, headers: target.headers });
    if (probe.status !== 401) {
      // An endpoint that lets an unauthenticated request through would accept every password: fail closed.
      if (probe.status >= 200 && probe.status < 300) throw unavailable(target, 'answered without asking for Digest credentials');
      return probe;
    }
    const challenge = firstUsable(probe);
    if (challenge === undefined) throw unavailable(target, 'sent no Digest challenge with MD5 or SHA-256 and qop=auth');
    return this.#answerNew(challenge, target, send, true);
  }

  async #answerNew(challenge: DigestChallenge, target: PreparedTarget, send: SendRequest, mayRetryStale: boolean): Promise<HttpResponse> {
    const state: NonceState = { challenge, cnonce: randomBytes(16).toString('hex'), nonceCount: 0 };
    const response = await this.#answer(state, target, send);
    const next = response.status === 401 ? firstUsable(response) : undefined;
    // RFC 7616 §3.3: stale=true means the credentials were right and only the nonce was old.
    if (mayRetryStale && next?.stale === true) return this.#answerNew(next, target, send, false);
    return response;
  }

  async #answer(state: NonceState, target: PreparedTarget, send: SendRequest): Promise<HttpResponse> {
    state.nonceCount++;
    const authorization = digestAuthorization({
      challenge: state.challenge,
      username: this.#request.username,
      password: this.#request.password,
      method: target.method,
      uri: target.url.pathname + target.url.search,
      cnonce: state.cnonce,
      nonceCount: state.nonceCount,
    });
    const response = await send({ url: target.url, method: target.method, headers: { ...target.headers, authorization } });
    this.#nonce = response.status === 401 ? undefined : withNextNonce(state, response);
    return response;
  }
}

function firstUsable(response: HttpResponse): DigestChallenge | undefined {
  return usableDigestChallenges(parseChallenges(fieldValues(response.headers['www-authenticate'])))[0];
}

/** RFC 7616 §3.5: Authentication-Info may name the nonce to use next; its count starts again. */
function withNextNonce(state: NonceState, response: HttpResponse): NonceState {
  const info = fieldValues(response.headers['authentication-info']).join(', ');
  const nextNonce = parseChallenges([`Info ${info}`])[0]?.parameters.get('nextnonce');
  if (nextNonce === undefined || nextNonce === '' || nextNonce === state.challenge.nonce) return state;
  return { challenge: { ...state.challenge, nonce: nextNonce }, cnonce: randomBytes(16).toString('hex'), nonceCount: 0 };
}

function fieldValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function unavailable(target: PreparedTarget, problem: string): AuthenticationUnavailableError {
  return new AuthenticationUnavailableError(`identity service ${describeTarget(target.url)} ${problem}`);
}
