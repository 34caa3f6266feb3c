import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidOptionError } from '@ftp/plugin-api';
import {
  checkBoolean,
  checkChoice,
  checkHeaderName,
  checkNonNegativeInteger,
  checkParameterName,
  checkPositiveInteger,
  checkSuccessStatuses,
  checkUrl,
} from './option-checks.ts';

/** HTTP methods the authenticators may use. */
export const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'HEAD'] as const;
/** An HTTP method for the login or re-validation request. */
export type HttpMethod = (typeof httpMethods)[number];

/**
 * Options shared by every authenticator of this package. The names are ex_ftp's `authenticator_config` keys in
 * camelCase (`login_url` → `loginUrl`), plus the options ex_ftp lacks.
 */
export interface HttpAuthenticatorOptions {
  /** Asked on every login (PASS). Required. */
  readonly loginUrl: string;
  /** Default GET; case-insensitive, so ex_ftp's `"post"` works. */
  readonly loginMethod?: string;
  /** When set, each session is re-validated against it once `authenticatedTtlMs` has passed. */
  readonly authenticatedUrl?: string;
  /** Default GET. */
  readonly authenticatedMethod?: string;
  /** How long a validation holds before the next command re-validates. Default 3 600 000 (1 hour). */
  readonly authenticatedTtlMs?: number;
  /** Deadline of one HTTP request, connect to last body byte. Default 10 000. */
  readonly timeoutMs?: number;
  /** Statuses that mean "logged in". Default [200], like ex_ftp; only 2xx are allowed. */
  readonly successStatuses?: readonly number[];
  /** Extra trusted CA certificates (PEM) for https URLs, instead of Node's bundled roots. */
  readonly ca?: string | readonly string[];
  /** A PEM file with the CA certificates, read once at creation; relative to the config directory. */
  readonly caFile?: string;
  /** Connections per origin (the connection pool size). Default 10. */
  readonly maxConnections?: number;
  /** Header carrying the client's IP address. Default "X-Forwarded-For"; false sends none. */
  readonly clientAddressHeader?: string | false;
  /** Header carrying "ftps" or "ftp" (whether the control connection is TLS). Default "X-Forwarded-Proto"; false sends none. */
  readonly secureHeader?: string | false;
  /** Query parameter carrying the client's IP address. Default none. */
  readonly clientAddressParameter?: string | false;
  /** Query parameter carrying "ftps" or "ftp". Default none. */
  readonly secureParameter?: string | false;
  /** Keep successful logins this long, keyed by user and a salted hash of the password. Default 0 (off). */
  readonly cacheTtlMs?: number;
  /** Most logins the cache keeps. Default 10 000. */
  readonly cacheMaxEntries?: number;
  /** Take `homeDirectory`, `permissions` and `attributes` from a JSON body of the login response. Default false. */
  readonly userFromResponse?: boolean;
}

/** Where a request goes. */
export interface RequestTarget {
  readonly url: URL;
  readonly method: HttpMethod;
}

/** The validated form of `HttpAuthenticatorOptions`. */
export interface ResolvedOptions {
  readonly login: RequestTarget;
  readonly authenticated: RequestTarget | undefined;
  readonly authenticatedTtlMs: number;
  readonly timeoutMs: number;
  readonly successStatuses: ReadonlySet<number>;
  readonly ca: readonly string[] | undefined;
  readonly maxConnections: number;
  readonly clientInfo: ClientInfoNames;
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries: number;
  readonly userFromResponse: boolean;
}

/** Where the client's address and TLS flag go; undefined names are not sent. */
export interface ClientInfoNames {
  readonly addressHeader: string | undefined;
  readonly secureHeader: string | undefined;
  readonly addressParameter: string | undefined;
  readonly secureParameter: string | undefined;
}

/** The keys of `HttpAuthenticatorOptions`, for rejecting unknown ones. */
export const commonOptionKeys: readonly string[] = [
  'loginUrl',
  'loginMethod',
  'authenticatedUrl',
  'authenticatedMethod',
  'authenticatedTtlMs',
  'timeoutMs',
  'successStatuses',
  'ca',
  'caFile',
  'maxConnections',
  'clientAddressHeader',
  'secureHeader',
  'clientAddressParameter',
  'secureParameter',
  'cacheTtlMs',
  'cacheMaxEntries',
  'userFromResponse',
];

/** Validates the common options; `configDirectory` resolves a relative `caFile`. Throws `InvalidOptionError`. */
export function resolveOptions(options: HttpAuthenticatorOptions, configDirectory = process.cwd()): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'must be an object');
  const login = {
    url: checkUrl('loginUrl', options.loginUrl),
    method: checkChoice('loginMethod', options.loginMethod, httpMethods, 'GET'),
  };
  const authenticated =
    options.authenticatedUrl === undefined
      ? undefined
      : {
          url: checkUrl('authenticatedUrl', options.authenticatedUrl),
          method: checkChoice('authenticatedMethod', options.authenticatedMethod, httpMethods, 'GET'),
        };
  return {
    login,
    authenticated,
    authenticatedTtlMs: checkPositiveInteger('authenticatedTtlMs', options.authenticatedTtlMs, 3_600_000),
    timeoutMs: checkPositiveInteger('timeoutMs', options.timeoutMs, 10_000),
    successStatuses: checkSuccessStatuses('successStatuses', options.successStatuses),
    ca: resolveCa(options, configDirectory),
    maxConnections: checkPositiveInteger('maxConnections', options.maxConnections, 10),
    clientInfo: {
      addressHeader: checkHeaderName('clientAddressHeader', options.clientAddressHeader, 'x-forwarded-for'),
      secureHeader: checkHeaderName('secureHeader', options.secureHeader, 'x-forwarded-proto'),
      addressParameter: checkParameterName('clientAddressParameter', options.clientAddressParameter),
      secureParameter: checkParameterName('secureParameter', options.secureParameter),
    },
    cacheTtlMs: checkNonNegativeInteger('cacheTtlMs', options.cacheTtlMs, 0),
    cacheMaxEntries: checkPositiveInteger('cacheMaxEntries', options.cacheMaxEntries, 10_000),
    userFromResponse: checkBoolean('userFromResponse', options.userFromResponse, false),
  };
}

function resolveCa(options: HttpAuthenticatorOptions, configDirectory: string): readonly string[] | undefined {
  if (options.ca !== undefined && options.caFile !== undefined)
    throw new InvalidOptionError('caFile', 'give either ca or caFile, not both');
  if (options.caFile !== undefined) {
    if (typeof options.caFile !== 'string' || options.caFile === '') throw new InvalidOptionError('caFile', 'must be a file path');
    try {
      return [readFileSync(resolve(configDirectory, options.caFile), 'utf8')];
    } catch (error) {
      throw new InvalidOptionError('caFile', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (options.ca === undefined) return undefined;
  const list: readonly unknown[] = Array.isArray(options.ca) ? options.ca : [options.ca];
  if (list.length === 0 || !list.every((entry) => typeof entry === 'string' && entry.includes('-----BEGIN CERTIFICATE-----'))) {
    throw new InvalidOptionError('ca', 'must be a PEM certificate or an array of them');
  }
  return list as string[];
}
