import { randomUUID } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFtpServer, createNoAuthAuthenticator } from '@ftp/server';
// The server's raw control-connection client and log recorder: the test reads every reply and every log line.
import { rawSession, alarmingLines, recordingLogger } from '@ftp/test-utils';
import { deletePrefix, listKeys } from '@ftp/test-utils/s3';
import { createS3Storage } from '../src/index.ts';
import { useS3ThroughProxy } from './support/s3-fixture.ts';

// A per-user key prefix ("home/{user}/") with an authenticator that accepts any name: S3 keys are at most 1,024 bytes
// of UTF-8, so a name that fills them leaves no key the user could ever name. The storage refuses that user (530), as
// it refuses names unsafe for a key segment, instead of a login after which every command fails.

const fixture = useS3ThroughProxy();

describe('a user name too long for a {user} key prefix', () => {
  it('is refused with 530 and a warning without a stack; a name that fits logs in on the same connection', async () => {
    const base = `test-${randomUUID()}/`;
    const { logger, lines } = recordingLogger();
    const options = fixture.s3.options({ endpoint: fixture.proxy.endpoint, prefix: `${base}{user}/` });
    const server = createFtpServer({
      authenticator: createNoAuthAuthenticator(),
      storage: createS3Storage(options),
      logger,
      host: '127.0.0.1',
      port: 0,
    });
    const { port } = await server.listen();
    onTestFinished(async () => {
      await server.close({ timeoutMs: 2_000 });
      await deletePrefix(fixture.s3, base);
    });
    const session = await rawSession(port);
    expect((await session.read()).code).toBe(220);
    // 500 characters, 1,000 bytes of UTF-8: with the prefix, past 1,024 bytes. Bytes count, not characters.
    const longName = 'é'.repeat(500);
    expect((await session.command(`USER ${longName}`)).code).toBe(331);
    expect((await session.command('PASS secret')).text).toBe('530 Login incorrect.');
    expect(alarmingLines(lines)).toEqual([]);
    expect(lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual(['storage refused the user']);

    const fitting = 'é'.repeat(400);
    expect((await session.command(`USER ${fitting}`)).code).toBe(331);
    expect((await session.command('PASS secret')).code).toBe(230);
    expect((await session.command('MKD kept')).code).toBe(257);
    expect(await listKeys(fixture.s3, base)).toEqual([`${base}${fitting}/kept/`]);
  });
});
