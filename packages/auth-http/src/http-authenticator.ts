import {
  AuthenticationUnavailableError,
  type AuthenticatedUser,
  type AuthenticationRequest,
  type AuthenticationResult,
  type AuthenticatorV1,
  type PluginContext,
  type SessionRevalidation,
} from '@ftp/plugin-api';
import { withClientInfo } from './client-info.ts';
import type { CredentialScheme, RequestKind, SchemeSession } from './credential-scheme.ts';
import { createHttpClient, describeTarget, type HttpResponse } from './http-client.ts';
import type { ResolvedOptions } from './options.ts';
import { createResultCache } from './result-cache.ts';
import { responseOutcome, type ResponseOutcome } from './response-outcome.ts';
import { userFromResponse } from './user-facts.ts';

/** An authenticator of this package: the v1 contract with `close()`, which closes its connection pools. */
export interface HttpAuthenticator extends AuthenticatorV1 {
  checkHealth(): Promise<void>;
  close(): Promise<void>;
}

/** Joins a credential scheme with the shared behaviour: pools, statuses, client facts, cache, re-validation. */
export function createHttpAuthenticator(scheme: CredentialScheme, options: ResolvedOptions): HttpAuthenticator {
  const client = createHttpClient({
    origins: [options.login.url, ...(options.authenticated === undefined ? [] : [options.authenticated.url])],
    timeoutMs: options.timeoutMs,
    maxConnections: options.maxConnections,
    ca: options.ca,
  });
  const cache = options.cacheTtlMs > 0 ? createResultCache(options.cacheTtlMs, options.cacheMaxEntries) : undefined;

  async function ask(
    kind: RequestKind,
    session: SchemeSession,
    context: PluginContext,
  ): Promise<{ outcome: ResponseOutcome; response: HttpResponse }> {
    const target = withClientInfo(kind === 'login' ? options.login : options.authenticated!, options.clientInfo, context);
    const url = describeTarget(target.url);
    let response: HttpResponse;
    try {
      response = await session.exchange(kind, target, (request) => client.send(request, context.signal));
    } catch (error) {
      context.logger.warn({ authenticator: scheme.name, request: kind, url, error: String(error) }, 'identity service unavailable');
      throw error;
    }
    const outcome = responseOutcome(response.status, options.successStatuses);
    const level = outcome === 'unavailable' ? 'warn' : 'debug';
    context.logger[level](
      { authenticator: scheme.name, request: kind, url, status: response.status, outcome },
      'identity service answered',
    );
    if (outcome === 'unavailable') {
      throw new AuthenticationUnavailableError(`identity service ${url} answered ${response.status} to the ${kind} request`);
    }
    return { outcome, response };
  }

  async function login(
    request: AuthenticationRequest,
    session: SchemeSession,
    context: PluginContext,
  ): Promise<AuthenticatedUser | undefined> {
    const { outcome, response } = await ask('login', session, context);
    if (outcome === 'rejected') return undefined;
    if (!options.userFromResponse) return { username: request.username };
    const user = userFromResponse(request.username, response);
    if (typeof user === 'string') {
      // The service said yes but we cannot tell with which rights: neither log in with defaults nor call it a wrong password.
      context.logger.warn({ authenticator: scheme.name, problem: user }, 'identity service sent unusable user facts');
      throw new AuthenticationUnavailableError(`identity service ${describeTarget(options.login.url)} sent unusable user facts: ${user}`);
    }
    return user;
  }

  function revalidation(session: SchemeSession): SessionRevalidation | undefined {
    if (options.authenticated === undefined) return undefined;
    return {
      intervalMs: options.authenticatedTtlMs,
      async check(context) {
        const { outcome } = await ask('revalidation', session, context);
        return outcome === 'success';
      },
    };
  }

  return Object.freeze({
    specificationVersion: 'v1' as const,
    name: scheme.name,
    async authenticate(request: AuthenticationRequest, context: PluginContext): Promise<AuthenticationResult> {
      const refusal = scheme.refuse?.(request);
      if (refusal !== undefined) return { outcome: 'rejected', reason: refusal };
      const session = scheme.open(request);
      let user = cache?.get(request.username, request.password);
      if (user !== undefined) {
        context.logger.debug({ authenticator: scheme.name }, 'login accepted from the cache');
      } else {
        user = await login(request, session, context);
        if (user === undefined) return { outcome: 'rejected', reason: `${scheme.name}: the identity service refused the credentials` };
        cache?.set(request.username, request.password, user);
      }
      const check = revalidation(session);
      return check === undefined ? { outcome: 'accepted', user } : { outcome: 'accepted', user, revalidation: check };
    },
    /**
     * Readiness (the app's /readyz): the identity service answers a HEAD of the login URL, without credentials. Any
     * answer below 500 (401 and 405 included) means it is up; no answer or a 5xx means it is not.
     */
    async checkHealth(): Promise<void> {
      const response = await client.send({ url: options.login.url, method: 'HEAD', headers: {} }, AbortSignal.timeout(healthTimeoutMs));
      if (response.status >= 500) {
        throw new AuthenticationUnavailableError(`identity service ${describeTarget(options.login.url)} answered ${response.status}`);
      }
    },
    close: () => client.close(),
  });
}

/** How long a readiness probe waits for the identity service. */
const healthTimeoutMs = 3_000;
