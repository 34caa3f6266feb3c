import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { recordingLogger } from '@ftp/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresAuthenticator, hashPassword } from '../src/index.ts';
import { connect, loginCode, replyCodeOf, startFtpServer } from './support/ftp.ts';
import { noPostgresReason, postgresBin, startPostgres, type TestPostgres } from './support/postgres.ts';

// PostgreSQL stopped and started under a running server: logins answer 421 (never 530) while it is away, sessions
// that are logged in keep working and their transfers finish, the readiness check fails, and everything works again
// once it is back, without restarting anything.

describe.skipIf(postgresBin === undefined)(`a PostgreSQL outage${postgresBin === undefined ? ` (${noPostgresReason})` : ''}`, () => {
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(() => postgres?.destroy(), 60_000);

  it('answers 421 to logins while the database is down, lets transfers finish, and recovers when it is back', async () => {
    const { logger, lines } = recordingLogger();
    const authenticator = await createPostgresAuthenticator(
      { connectionString: postgres.connectionString, connectTimeoutMs: 2_000 },
      { logger },
    );
    const server = await startFtpServer(authenticator, logger);
    const password = 'correct horse battery';
    await postgres.query('INSERT INTO ftp.users (username, password_hash) VALUES ($1, $2)', [
      'alice',
      await hashPassword(password, { logCost: 10 }),
    ]);
    const content = randomBytes(4 * 1024 * 1024);
    await writeFile(join(server.root, 'big.bin'), content);
    // Connections of the pool that are idle when the database goes away, which it must survive.
    expect(await loginCode(server.port, 'alice', password)).toBe(230);
    await authenticator.checkHealth?.();

    const client = await connect(server.port, 'alice', password);
    const received: Buffer[] = [];
    let stopped: Promise<void> | undefined;
    // The database stops while the download is under way: the first chunk waits for the stop before taking more.
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        received.push(chunk);
        stopped ??= postgres.stop();
        stopped.then(() => done(), done);
      },
    });
    await client.downloadTo(sink, 'big.bin');
    expect(stopped).toBeDefined();
    expect(Buffer.concat(received).equals(content)).toBe(true);

    expect(await loginCode(server.port, 'alice', password)).toBe(421);
    expect(await loginCode(server.port, 'alice', 'wrong password')).toBe(421);
    await expect(authenticator.checkHealth?.()).rejects.toThrow();
    // The session that was logged in before goes on (its re-validation is not due).
    expect((await client.list()).map((entry) => entry.name)).toEqual(['big.bin']);

    await postgres.start();
    expect(await loginCode(server.port, 'alice', password)).toBe(230);
    expect(await loginCode(server.port, 'alice', 'wrong password')).toBe(530);
    await expect(authenticator.checkHealth?.()).resolves.toBeUndefined();
    const logText = lines.map((line) => JSON.stringify(line));
    expect(logText.some((line) => line.includes('did not answer the login'))).toBe(true);
    expect(logText.filter((line) => line.includes(password))).toEqual([]);
  });

  it('ends a session with 421 when its re-validation finds the database down', async () => {
    const authenticator = await createPostgresAuthenticator({
      connectionString: postgres.connectionString,
      connectTimeoutMs: 2_000,
      revalidateIntervalMs: 1,
    });
    const server = await startFtpServer(authenticator);
    await postgres.query(
      `INSERT INTO ftp.users (username, password_hash) VALUES ('bob', $1) ON CONFLICT (username) DO UPDATE SET password_hash = $1`,
      [await hashPassword('bobs password', { logCost: 10 })],
    );
    const client = await connect(server.port, 'bob', 'bobs password');
    await postgres.stop();
    try {
      expect(await replyCodeOf(client.pwd())).toBe(421);
    } finally {
      await postgres.start();
    }
    expect(await loginCode(server.port, 'bob', 'bobs password')).toBe(230);
  });
});
