import type { AuthenticatedUser } from '../authenticator/v1/authenticator-v1.ts';
import type { StorageConnectorV1, StorageSessionV1 } from '../storage/v1/storage-connector-v1.ts';

// The types the check files share with the kit that runs them, in a module of their own so that the check files
// need not import the kit back.

/** The groups of checks the kit runs; name them in `StorageConformanceOptions.skip` to leave them out. */
export type StorageConformanceCheck =
  | 'stat'
  | 'list'
  | 'large-directory'
  | 'read'
  | 'write'
  | 'large-file'
  | 'delete'
  | 'make-directory'
  | 'remove-directory'
  | 'names'
  | 'backslash-name'
  | 'append'
  | 'rename'
  | 'set-modified-time'
  | 'checksum'
  | 'set-mode'
  | 'free-space'
  | 'root-directory';

/** The state the check files share: the session of the running test and small helpers around it. */
export interface ConformanceFixture {
  /** The session opened for the running test. */
  readonly session: StorageSessionV1;
  readonly largeFileBytes: number;
  readonly largeDirectoryEntries: number;
  /** The connector under test, for checks that open more sessions (`openSession`). */
  readonly connector: StorageConnectorV1;
  /** The user the fixture's session was opened for. */
  readonly user: AuthenticatedUser;
  /** Opens one more session of the connector for `user`, closed after the test. */
  openSession(user: AuthenticatedUser): Promise<StorageSessionV1>;
  /** Registers a test of `check`, skipped when the options say so. */
  check(check: StorageConformanceCheck, title: string, body: (skip: (note: string) => never) => Promise<void>): void;
  writeText(path: string, text: string): Promise<void>;
  readText(path: string): Promise<string>;
  /** The sorted names `list` yields for a directory. */
  names(path: string): Promise<string[]>;
}
