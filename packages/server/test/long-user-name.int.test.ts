import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNoAuthAuthenticator, createPassthroughAuthenticator } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { tempDirectory, rawSession, alarmingLines, recordingLogger } from '@ftp/test-utils';
import { startServer } from './support/index.ts';

// A per-user root ("/srv/ftp/{user}") with an authenticator that accepts any name: a name longer than a directory
// name may be (NAME_MAX, 255 bytes on Linux file systems) cannot have a root. That is the storage refusing this user,
// as for other names unsafe for a directory (530), not a server fault (421 and an error with a stack).

describe('a user name too long for a {user} root directory', () => {
  const authenticators = { 'no-auth': createNoAuthAuthenticator, passthrough: () => createPassthroughAuthenticator() } as const;
  for (const [kind, create] of Object.entries(authenticators)) {
    it(`is refused with 530, logged as a warning without a stack, and the connection stays (${kind})`, async () => {
      const base = await tempDirectory();
      const { logger, lines } = recordingLogger();
      const { port } = await startServer({
        authenticator: create(),
        storage: createFsStorage({ root: join(base, '{user}'), fsync: false }),
        logger,
      });
      const session = await rawSession(port);
      expect((await session.read()).code).toBe(220);
      const longName = 'u'.repeat(300);
      expect((await session.command(`USER ${longName}`)).code).toBe(331);
      const refused = await session.command('PASS secret');
      expect(refused.text).toBe('530 Login incorrect.');
      expect(alarmingLines(lines)).toEqual([]);
      expect(lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual(['storage refused the user']);
      // Nothing was created for the name, and the same connection can log in with a usable one.
      expect(await readdir(base)).toEqual([]);
      expect((await session.command('USER alice')).code).toBe(331);
      expect((await session.command('PASS secret')).code).toBe(230);
      expect((await session.command('PWD')).code).toBe(257);
    });
  }
});
