export { createNoAuthAuthenticator } from './no-auth-authenticator.ts';
export { createPassthroughAuthenticator } from './passthrough-authenticator.ts';
export { createLocalAuthenticator, type LocalAuthenticatorOptions } from './local-authenticator.ts';
export type { LocalUserConfig } from './local-users.ts';
export { hashPassword, verifyPassword, type PasswordHashOptions } from '@ftp/plugin-api/password';
