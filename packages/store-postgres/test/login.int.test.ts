import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { eventually, recordingLogger } from '@ftp/test-utils';
import { argon2id, bcrypt } from 'hash-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPluginContext } from '@ftp/plugin-api/testing';
import {
  createPostgresAuthenticator,
  createPostgresPool,
  hashPassword,
  type PostgresAuthenticatorOptions,
  type PostgresPool,
} from '../src/index.ts';
import { connect, loginCode, replyCodeOf, startFtpServer } from './support/ftp.ts';
import { noPostgresReason, postgresBin, startPostgres, type TestPostgres } from './support/postgres.ts';

// @ftp/server with the postgres authenticator, over real sockets with basic-ftp, against a real PostgreSQL whose
// users table the tests change with plain SQL, as an operator would.

describe.skipIf(postgresBin === undefined)(
  `logins against the users table${postgresBin === undefined ? ` (${noPostgresReason})` : ''}`,
  () => {
    let postgres: TestPostgres;
    let schemas = 0;
    // Every line the servers and authenticators of these tests log, serialised, to search for passwords.
    const { logger, lines } = recordingLogger();
    const logText = () => lines.map((line) => JSON.stringify(line));
    const passwords: string[] = [];

    beforeAll(async () => {
      postgres = await startPostgres();
    }, 60_000);
    afterAll(async () => {
      // Whatever was logged in these tests (server and authenticator), no password appears in it.
      expect(lines.length).toBeGreaterThan(0);
      for (const password of passwords) expect(logText().filter((line) => line.includes(password))).toEqual([]);
      await postgres?.destroy();
    }, 60_000);

    /** A new schema with its own users table, and an FTP server whose authenticator reads it. */
    async function serve(options: Omit<PostgresAuthenticatorOptions, 'connectionString' | 'schema'> = {}) {
      const schema = `login_${(schemas += 1)}`;
      const authenticator = await createPostgresAuthenticator(
        { connectionString: postgres.connectionString, schema, ...options },
        { logger },
      );
      const server = await startFtpServer(authenticator, logger);
      const sql = (text: string, values?: unknown[]) => postgres.query(text.replaceAll('users', `${schema}.users`), values);
      return { ...server, schema, authenticator, sql };
    }

    /** A scrypt hash of a fresh password, remembered so the log can be searched for it. */
    async function newPassword(): Promise<{ password: string; hash: string }> {
      const password = `pw-${randomBytes(9).toString('base64url')}`;
      passwords.push(password);
      return { password, hash: await hashPassword(password, { logCost: 10 }) };
    }

    it('asks the database one query per login and one per re-validation', async () => {
      const pool = createPostgresPool({ connectionString: postgres.connectionString });
      let queries = 0;
      const counting: PostgresPool = {
        query: (statement, values) => ((queries += 1), pool.query(statement, values)),
        connect: () => pool.connect(),
        end: () => pool.end(),
      };
      const schema = `login_${(schemas += 1)}`;
      const authenticator = await createPostgresAuthenticator({ pool: counting, schema });
      try {
        const { password, hash } = await newPassword();
        await postgres.query(`INSERT INTO ${schema}.users (username, password_hash) VALUES ('alice', $1)`, [hash]);
        const context = createTestPluginContext();
        queries = 0;
        const accepted = await authenticator.authenticate({ username: 'alice', password }, context);
        expect(accepted.outcome).toBe('accepted');
        expect(queries).toBe(1);
        queries = 0;
        await authenticator.authenticate({ username: 'alice', password: 'wrong' }, context);
        await authenticator.authenticate({ username: 'nobody-here', password }, context);
        expect(queries).toBe(2);
        queries = 0;
        expect(accepted.outcome === 'accepted' && (await accepted.revalidation?.check(context))).toBe(true);
        expect(queries).toBe(1);
      } finally {
        await authenticator.close?.();
        await pool.end();
      }
    });

    it('logs in a user inserted with SQL, with the home, permissions and directory overrides of the row', async () => {
      const { port, root, sql } = await serve();
      const { password, hash } = await newPassword();
      await mkdir(join(root, 'home', 'readonly'), { recursive: true });
      await sql(
        `INSERT INTO users (username, password_hash, home_directory, permissions, directory_permissions)
       VALUES ($1, $2, '/home', '{"delete": false}', '{"/home/readonly": {"upload": false}}')`,
        ['alice', hash],
      );
      const client = await connect(port, 'alice', password);
      expect(await client.pwd()).toBe('/home');
      await client.uploadFrom(Readable.from([Buffer.from('hello')]), 'note.txt');
      expect(await readFile(join(root, 'home', 'note.txt'), 'utf8')).toBe('hello');
      expect(await replyCodeOf(client.uploadFrom(Readable.from([Buffer.from('no')]), 'readonly/note.txt'))).toBe(550);
      expect(await replyCodeOf(client.remove('note.txt'))).toBe(550);
    });

    it('answers 530 to a wrong password, an unknown user, a disabled user and an expired one', async () => {
      const { port, sql } = await serve();
      const { password, hash } = await newPassword();
      await sql(
        `INSERT INTO users (username, password_hash, enabled, expires_at) VALUES
         ('alice', $1, true, NULL), ('bob', $1, false, NULL), ('carol', $1, true, now() - interval '1 second'),
         ('dave', $1, true, now() + interval '1 day')`,
        [hash],
      );
      expect(await loginCode(port, 'alice', password)).toBe(230);
      expect(await loginCode(port, 'dave', password)).toBe(230);
      expect(await loginCode(port, 'alice', `${password}x`)).toBe(530);
      expect(await loginCode(port, 'Alice', password)).toBe(530);
      expect(await loginCode(port, 'nobody-here', password)).toBe(530);
      expect(await loginCode(port, 'bob', password)).toBe(530);
      expect(await loginCode(port, 'carol', password)).toBe(530);
    });

    it('logs in users imported with bcrypt and argon2id hashes', async () => {
      const { port, sql } = await serve();
      const bcryptPassword = `b-${randomBytes(6).toString('hex')}`;
      const argonPassword = `a-${randomBytes(6).toString('hex')}`;
      passwords.push(bcryptPassword, argonPassword);
      const bcryptHash = await bcrypt({ password: bcryptPassword, salt: randomBytes(16), costFactor: 6, outputType: 'encoded' });
      const argonHash = await argon2id({
        password: argonPassword,
        salt: randomBytes(16),
        memorySize: 4096,
        iterations: 2,
        parallelism: 1,
        hashLength: 32,
        outputType: 'encoded',
      });
      // Other servers write $2a$ and $2y$ for the same algorithm.
      await sql(`INSERT INTO users (username, password_hash) VALUES ('b', $1), ('a', $2), ('y', $3)`, [
        bcryptHash,
        argonHash,
        bcryptHash.replace(/^\$2b\$/, '$2y$'),
      ]);
      expect(await loginCode(port, 'b', bcryptPassword)).toBe(230);
      expect(await loginCode(port, 'y', bcryptPassword)).toBe(230);
      expect(await loginCode(port, 'a', argonPassword)).toBe(230);
      expect(await loginCode(port, 'b', argonPassword)).toBe(530);
      expect(await loginCode(port, 'a', bcryptPassword)).toBe(530);
    });

    it('refuses, with 530 and a warning, a row whose hash or permissions are not usable', async () => {
      const { port, sql } = await serve();
      const { password, hash } = await newPassword();
      await sql(`INSERT INTO users (username, password_hash) VALUES ('plain', $1)`, [password]);
      await sql(`INSERT INTO users (username, password_hash, permissions) VALUES ('typo', $1, '{"uplaod": false}')`, [hash]);
      const before = lines.length;
      expect(await loginCode(port, 'plain', password)).toBe(530);
      expect(await loginCode(port, 'typo', password)).toBe(530);
      const warnings = lines
        .slice(before)
        .filter((line) => line.level === 'warn')
        .map((line) => JSON.stringify(line));
      expect(warnings.some((line) => line.includes('password hash in the users table is not usable'))).toBe(true);
      expect(warnings.some((line) => line.includes('uplaod'))).toBe(true);
    });

    it('sees a row added, changed or enabled at the next login, on every instance, without a restart', async () => {
      const first = await serve();
      const second = await startFtpServer(
        await createPostgresAuthenticator({ connectionString: postgres.connectionString, schema: first.schema, migrate: false }),
      );
      const { password, hash } = await newPassword();
      expect(await loginCode(first.port, 'erin', password)).toBe(530);
      await first.sql(`INSERT INTO users (username, password_hash, enabled) VALUES ('erin', $1, false)`, [hash]);
      expect(await loginCode(first.port, 'erin', password)).toBe(530);
      expect(await loginCode(second.port, 'erin', password)).toBe(530);
      await first.sql(`UPDATE users SET enabled = true WHERE username = 'erin'`);
      expect(await loginCode(first.port, 'erin', password)).toBe(230);
      expect(await loginCode(second.port, 'erin', password)).toBe(230);
      const changed = await newPassword();
      await first.sql(`UPDATE users SET password_hash = $1 WHERE username = 'erin'`, [changed.hash]);
      for (const port of [first.port, second.port]) {
        expect(await loginCode(port, 'erin', password)).toBe(530);
        expect(await loginCode(port, 'erin', changed.password)).toBe(230);
      }
    });

    it('ends a session at its next re-validation once its user is disabled, removed, expired or given a new password', async () => {
      const { port, sql } = await serve({ revalidateIntervalMs: 1 });
      const { password, hash } = await newPassword();
      const users = ['disabled', 'removed', 'expired', 'repassworded', 'unchanged'];
      for (const username of users) await sql('INSERT INTO users (username, password_hash) VALUES ($1, $2)', [username, hash]);
      const clients = new Map(
        await Promise.all(users.map(async (username) => [username, await connect(port, username, password)] as const)),
      );
      for (const client of clients.values()) await client.list();

      await sql(`UPDATE users SET enabled = false WHERE username = 'disabled'`);
      await sql(`DELETE FROM users WHERE username = 'removed'`);
      await sql(`UPDATE users SET expires_at = now() WHERE username = 'expired'`);
      await sql(`UPDATE users SET password_hash = $1 WHERE username = 'repassworded'`, [(await newPassword()).hash]);
      for (const username of ['disabled', 'removed', 'expired', 'repassworded']) {
        // The first command once the interval (1 ms) has passed is refused, and the server closes the connection.
        const client = clients.get(username)!;
        const refusal = eventually(async () => (await client.pwd()) !== '/', `${username}'s session to end`, 5_000);
        expect(await replyCodeOf(refusal), username).toBe(530);
        await eventually(() => client.closed, `${username}'s connection to close`);
      }
      const unchanged = clients.get('unchanged')!;
      await unchanged.list();
      expect(await unchanged.pwd()).toBe('/');
    });
  },
);
