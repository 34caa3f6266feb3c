import { randomBytes } from 'node:crypto';
import { hashPassword } from '@ftp/server';

/** The embedded configuration used when no config file is named, with its generated credentials. */
export interface DefaultSetup {
  readonly document: Readonly<Record<string, unknown>>;
  /** The `authenticatorConfig` object of `document`; compared by identity to see whether it is still in force. */
  readonly authenticatorConfig: Readonly<Record<string, unknown>>;
  /** The `storageConfig` object of `document`, likewise. */
  readonly storageConfig: Readonly<{ root: string; createRoot: boolean }>;
  readonly username: string;
  /** Generated for this run only; printed once to stderr, never logged. */
  readonly password: string;
}

/** The user of the embedded default configuration. */
export const defaultUsername = 'ftp';

/**
 * Builds the embedded default: `./data` (created if missing) served on 127.0.0.1:2121 to one `local` user `ftp`
 * whose password is random for this run.
 */
export async function createDefaultSetup(): Promise<DefaultSetup> {
  const password = randomBytes(18).toString('base64url');
  const storageConfig = { root: './data', createRoot: true };
  const authenticatorConfig = { users: [{ username: defaultUsername, passwordHash: await hashPassword(password) }] };
  return {
    document: {
      ftpAddr: '127.0.0.1',
      ftpPort: 2121,
      authenticator: 'local',
      authenticatorConfig,
      storageConnector: 'fs',
      storageConfig,
    },
    authenticatorConfig,
    storageConfig,
    username: defaultUsername,
    password,
  };
}
