import { afterEach, beforeEach, describe, it } from 'vitest';
import type { AuthenticatedUser } from '../authenticator/v1/authenticator-v1.ts';
import type { StorageConnectorV1, StorageSessionV1 } from '../storage/v1/storage-connector-v1.ts';
import { chunksOf, collect, collectBytes, bytesFrom, createTestPluginContext, noAbort, textFrom } from './helpers.ts';
import { defineLookupChecks } from './conformance-lookup.ts';
import { defineTransferChecks } from './conformance-transfer.ts';
import { defineTreeChecks } from './conformance-tree.ts';
import { defineOptionalChecks } from './conformance-optional.ts';
import { defineRootDirectoryChecks } from './conformance-root-directory.ts';
import type { ConformanceFixture, StorageConformanceCheck } from './conformance-fixture.ts';

/** What the factory given to `runStorageConformance` returns for one test. */
export interface StorageConformanceSubject {
  /** The connector under test. The kit calls `openSession` once per test and `close()` after it. */
  readonly connector: StorageConnectorV1;
  /** The user to open the session for. Default `{ username: 'conformance' }`. */
  readonly user?: AuthenticatedUser;
  /** Removes whatever the factory created (a temporary directory, a bucket prefix). Called after each test. */
  cleanup?(): Promise<void>;
}

export interface StorageConformanceOptions {
  /** Groups of checks to leave out, for example `['backslash-name']` on a backend that forbids "\" in names. */
  readonly skip?: readonly StorageConformanceCheck[];
  /** Size of the large upload whose SHA-256 is compared. Default 32 MiB. */
  readonly largeFileBytes?: number;
  /** Number of entries in the directory that must list completely. Default 2,000. */
  readonly largeDirectoryEntries?: number;
  /** Timeout of each test in milliseconds. Default 120,000. */
  readonly timeoutMilliseconds?: number;
}

/**
 * Registers a vitest `describe` block that checks a storage connector against every guarantee documented on
 * `StorageSessionV1` (packages/plugin-api/src/storage/v1/storage-connector-v1.ts): results and error codes of each
 * required method, atomic replacement by `write`, cancellation, bounded listing of large directories, the optional
 * capabilities the session has, and awkward file names. Errors are recognised with `StorageError.isInstance` and
 * compared by `storageCode`.
 *
 * `createSubject` is called before every test and must return a connector whose storage is empty for that test
 * (a fresh temporary directory, a fresh key prefix); `cleanup` runs after the test.
 *
 * @example
 * ```ts
 * // my-storage.conformance.test.ts, run with vitest
 * import { runStorageConformance } from '@ftp/plugin-api/testing';
 * import { createMyStorage } from '../src/index.ts';
 *
 * runStorageConformance('my-storage', async () => {
 *   const prefix = `conformance-${crypto.randomUUID()}`;
 *   return {
 *     connector: createMyStorage({ bucket: 'test', prefix }),
 *     user: { username: 'alice' },
 *     cleanup: () => deleteEverythingUnder(prefix),
 *   };
 * }, { skip: ['backslash-name'], largeFileBytes: 8 * 1024 * 1024 });
 * ```
 */
export function runStorageConformance(
  name: string,
  createSubject: () => Promise<StorageConformanceSubject>,
  options: StorageConformanceOptions = {},
): void {
  describe(`storage conformance: ${name}`, () => {
    const fixture = useFixture(createSubject, options);
    defineLookupChecks(fixture);
    defineTransferChecks(fixture);
    defineTreeChecks(fixture);
    defineOptionalChecks(fixture);
    defineRootDirectoryChecks(fixture);
  });
}

function useFixture(createSubject: () => Promise<StorageConformanceSubject>, options: StorageConformanceOptions): ConformanceFixture {
  const skipped = new Set(options.skip ?? []);
  const timeout = options.timeoutMilliseconds ?? 120_000;
  let subject: StorageConformanceSubject | undefined;
  let session: StorageSessionV1 | undefined;
  let sessionEnd: AbortController | undefined;
  let extraSessions: StorageSessionV1[] = [];

  beforeEach(async () => {
    subject = await createSubject();
    sessionEnd = new AbortController();
    const context = createTestPluginContext({ signal: sessionEnd.signal });
    session = await subject.connector.openSession(subject.user ?? { username: 'conformance' }, context);
  }, timeout);

  afterEach(async () => {
    const ending = { subject, session, sessionEnd, extraSessions };
    subject = undefined;
    session = undefined;
    extraSessions = [];
    ending.sessionEnd?.abort();
    try {
      for (const extra of ending.extraSessions) await extra.close?.();
      await ending.session?.close?.();
      await ending.subject?.connector.close?.();
    } finally {
      await ending.subject?.cleanup?.();
    }
  }, timeout);

  const fixture: ConformanceFixture = {
    get session(): StorageSessionV1 {
      if (session === undefined) throw new Error('the storage session is only available inside a conformance test');
      return session;
    },
    get connector(): StorageConnectorV1 {
      if (subject === undefined) throw new Error('the connector is only available inside a conformance test');
      return subject.connector;
    },
    get user(): AuthenticatedUser {
      return subject?.user ?? { username: 'conformance' };
    },
    async openSession(user) {
      const opened = await fixture.connector.openSession(
        user,
        createTestPluginContext({ signal: sessionEnd?.signal ?? new AbortController().signal }),
      );
      extraSessions.push(opened);
      return opened;
    },
    largeFileBytes: options.largeFileBytes ?? 32 * 1024 * 1024,
    largeDirectoryEntries: options.largeDirectoryEntries ?? 2_000,
    check(check, title, body) {
      it.skipIf(skipped.has(check))(
        `${check}: ${title}`,
        async (context) => {
          await body((note) => {
            context.skip(note);
            throw new Error('unreachable: skip() throws');
          });
        },
        timeout,
      );
    },
    async writeText(path, text) {
      await fixture.session.write(path, chunksOf(bytesFrom(text)), { ...noAbort, offset: 0 });
    },
    async readText(path) {
      return textFrom(await collectBytes(await fixture.session.read(path, { ...noAbort, offset: 0 })));
    },
    async names(path) {
      const entries = await collect(fixture.session.list(path, noAbort));
      return entries.map((entry) => entry.name).sort();
    },
  };
  return fixture;
}
