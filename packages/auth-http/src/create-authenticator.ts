import { InvalidOptionError } from '@ftp/plugin-api';
import { createBasicAuthenticator } from './basic-authenticator.ts';
import { createBearerAuthenticator } from './bearer-authenticator.ts';
import { createDigestAuthenticator } from './digest-authenticator.ts';
import type { AuthenticatorEnvironment } from './environment.ts';
import type { HttpAuthenticator } from './http-authenticator.ts';
import type { HttpAuthenticatorOptions } from './options.ts';
import { createWebhookAuthenticator, type WebhookAuthenticatorOptions } from './webhook-authenticator.ts';

/** The `scheme` values `createAuthenticator` accepts. */
export const authenticatorSchemes = ['basic', 'digest', 'bearer', 'webhook'] as const;
/** A `scheme` value. */
export type AuthenticatorScheme = (typeof authenticatorSchemes)[number];

/** The config of `createAuthenticator`: a `scheme` and that scheme's options. */
export type AuthenticatorConfig = { readonly scheme: AuthenticatorScheme } & (HttpAuthenticatorOptions | WebhookAuthenticatorOptions);

/**
 * The plugin factory the ftp-server app calls when `authenticator` is "@ftp/auth-http": picks the authenticator by
 * the `scheme` key ("basic", "digest", "bearer" or "webhook") and passes it the other keys. Throws
 * `InvalidOptionError` naming the key.
 */
export function createAuthenticator(
  config: Readonly<Record<string, unknown>>,
  environment: AuthenticatorEnvironment = {},
): HttpAuthenticator {
  if (typeof config !== 'object' || config === null) throw new InvalidOptionError('scheme', 'is required');
  const { scheme, ...options } = config;
  const schemeEnvironment = typeof environment.configDirectory === 'string' ? { configDirectory: environment.configDirectory } : {};
  switch (scheme) {
    case 'basic':
      return createBasicAuthenticator(options as unknown as HttpAuthenticatorOptions, schemeEnvironment);
    case 'digest':
      return createDigestAuthenticator(options as unknown as HttpAuthenticatorOptions, schemeEnvironment);
    case 'bearer':
      return createBearerAuthenticator(options as unknown as HttpAuthenticatorOptions, schemeEnvironment);
    case 'webhook':
      return createWebhookAuthenticator(options as unknown as WebhookAuthenticatorOptions, schemeEnvironment);
    default:
      throw new InvalidOptionError('scheme', `must be one of ${authenticatorSchemes.join(', ')}`);
  }
}
