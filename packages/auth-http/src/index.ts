export { createBasicAuthenticator, type BasicAuthenticatorOptions } from './basic-authenticator.ts';
export { createDigestAuthenticator, type DigestAuthenticatorOptions } from './digest-authenticator.ts';
export { createBearerAuthenticator, type BearerAuthenticatorOptions } from './bearer-authenticator.ts';
export { createWebhookAuthenticator, type WebhookAuthenticatorOptions, type CredentialsPlacement } from './webhook-authenticator.ts';
export {
  createAuthenticator,
  authenticatorSchemes,
  type AuthenticatorScheme,
  type AuthenticatorConfig,
} from './create-authenticator.ts';
export type { HttpAuthenticator } from './http-authenticator.ts';
export type { HttpAuthenticatorOptions, HttpMethod } from './options.ts';
export type { AuthenticatorEnvironment } from './environment.ts';
